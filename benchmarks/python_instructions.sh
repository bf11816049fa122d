#!/usr/bin/env bash
# The harness adds no work to the interpreter — the noise-free side of the python kernel's
# overhead figure (README "Real interpreter", issue 14 "Performance" (a)): valgrind's callgrind
# counts the instructions executed inside the interpreter's eval loop (inclusive: bytecode,
# int objects, the allocator) per countdown iteration, for a 1x1 `--kernel python` run and for
# the same executable running the same countdown standalone. Per iteration = (count at 2N −
# count at N) / N, so start-up, compilation and the harness's own evaluations cancel out.
# The standalone runs twice: as the book's script (its heap as its allocation history left it)
# and holding 64 live ints during the call, as gilbench does (src/python/interpreter.cpp,
# kAllocatorSlack): the loop's ints cycle through an obmalloc pool, and when that pool has no
# other spare block every iteration takes the pool's slow paths.
# Not a test: it measures, deterministically (instruction counts do not depend on the load).
#   bash benchmarks/python_instructions.sh [path/to/gilbench]        (N=1M by default; ~5 min)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
GB=${1:-${GILBENCH:-$HERE/../build/release/bin/gilbench}}
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
N=${N:-1000000}
command -v valgrind >/dev/null || { echo "python_instructions.sh: needs valgrind (apt install valgrind)" >&2; exit 2; }
[ -x "$GB" ] || { echo "python_instructions.sh: $GB: not an executable" >&2; exit 2; }
W=$(mktemp -d /tmp/gilbench-pyinstr-XXXXXX); trap 'rm -rf "$W"' EXIT

# The standalone countdown: gilbench's kernel source, called once; "slack" holds 64 live ints.
cat > "$W/standalone.py" <<'PY'
import sys
def countdown(n):
    k = n
    while n > 0:
        n -= 1
    return k - n
if sys.argv[2] == "slack":
    slack = [1000003 + i for i in range(64)]
countdown(int(sys.argv[1]))
PY

# Instructions inside `fn` (inclusive) for one command.
collected() {
  local fn=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" --toggle-collect="$fn" "$@" >/dev/null 2>"$W/vg.err" \
    || { cat "$W/vg.err" >&2; exit 1; }
  sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$W/vg.err" | tail -n 1
}
per_iteration() {  # per_iteration FN CMD-WITH-@N@ ...: (count at 2N - count at N) / N
  local fn=$1; shift
  local a b
  a=$(collected "$fn" "${@//@N@/$N}")
  b=$(collected "$fn" "${@//@N@/$((2 * N))}")
  awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN { printf "%.2f", (b - a) / n }'
}

echo "N = $N and $((2 * N)) iterations; instructions per countdown iteration inside the eval loop"
echo "| interpreter | gilbench 1x1 | standalone, as the book's script | standalone, 64 live ints | gilbench ÷ standalone (64 ints) |"
echo "|---|---|---|---|---|"
for v in 3.11.7/bin/python3.11 3.12.1/bin/python3.12 3.13.0/bin/python3.13 2.7.18/bin/python2.7; do
  py=$PYENV_ROOT/versions/$v
  [ -x "$py" ] || { echo "| $(basename "$py") | not installed here: skipped | | | |"; continue; }
  case $v in 2.7*) fn=PyEval_EvalFrameEx ;; *) fn=_PyEval_EvalFrameDefault ;; esac
  g=$(per_iteration "$fn" "$GB" --kernel python --python "$py" --count @N@ --threads 1 --repeat 1 --warmup 0 -q \
    --output "$W/g.h5")
  rm -f "$W/g.h5"
  s0=$(per_iteration "$fn" "$py" "$W/standalone.py" @N@ none)
  s1=$(per_iteration "$fn" "$py" "$W/standalone.py" @N@ slack)
  echo "| $("$py" -c 'import platform; print("CPython " + platform.python_version())') | $g | $s0 | $s1 | $(awk -v g="$g" -v s="$s1" 'BEGIN { printf "%.3f", g / s }') |"
done
