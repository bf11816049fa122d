#!/usr/bin/env bash
# A stop request during a long --kernel python run ([$1]: the CPython, default gilbench's): the
# workers' Python countdowns are interrupted (KeyboardInterrupt at their next bytecode), not
# waited for. --stop-grace 0 and SIGTERM 1 s in: exit 5 within seconds, the file readable and
# closed, the run saved as a stopped native run is (status interrupted, valid 1: neither a
# measurement nor INVALID), the interrupted calls' iterations 0 (unknown). Also with the latency
# probe (it holds the real GIL too), by a second signal inside the default grace, and (3.12+)
# with subinterpreters.
source "$(dirname "$0")/common.sh"
PYARGS=(); [ -z "${1:-}" ] || PYARGS=(--python "$1")
# 2G iterations of Python's countdown take a minute or more here: stopped within seconds = cut short.
BIG=(--kernel python "${PYARGS[@]}" --count 2G --repeat 1 --warmup 0)
cases=("2 --stop-grace 0" "1 --stop-grace 0 --probe latency:5ms" "2 TERM-TERM")
# 3.12+: workers in own-GIL subinterpreters are interrupted in their interpreter
[[ "${1:-}" =~ libpython3\.1[2-9] ]] && cases+=("3 --stop-grace 0 --interpreters 2 --probe latency:5ms")
for case in "${cases[@]}"; do
  read -r threads rest <<<"$case"
  f="$W/stop-$threads-${rest// /}.h5"
  if [ "$rest" = TERM-TERM ]; then extra=(); signals=(TERM TERM); else read -r -a extra <<<"$rest"; signals=(TERM); fi
  rm -f "$W/err"
  "$GB" "${BIG[@]}" --threads "$threads" "${extra[@]}" --output "$f" >"$W/out" 2>"$W/err" & pid=$!
  started "$W/err" 1
  stop $pid "${signals[@]}"
  [ "$rc" = 5 ] || fail "$case: exit $rc after SIGTERM, expected 5: $(tail -n 3 "$W/err")"
  [ "$ms" -lt 10000 ] || fail "$case: took ${ms} ms to stop (the Python countdown was waited for)"
  grep -q '1 run interrupted after --stop-grace' "$W/err" || fail "$case: no interruption note: $(tail -n 2 "$W/err")"
  ! grep -q 'Python raised in the python kernel' "$W/err" || fail "$case: the stop was taken for a kernel error: $(cat "$W/err")"
  grep -q '^VALID: 0 runs' "$W/out" || fail "$case: an interrupted run is neither VALID measurement nor INVALID: $(head -n 1 "$W/out")"
  h5check "$f" "runs.status.tolist() == ['interrupted']" "runs.valid.tolist() == [1]" \
    "runs.kernel.tolist() == ['python']" "runs['count'].tolist() == [2_000_000_000]" \
    "len(samples) == $threads" "(samples.iterations == 0).all()" "launches.exit_status.tolist() == ['interrupted']" \
    "runs.wall_s[0] < 10"
  h5dump -H "$f" >/dev/null || fail "$case: h5dump cannot open the file after the signal"
  if [[ "$rest" == *probe* ]]; then
    h5check "$f" "len(latency) > 0" "len(latency) == len(set(latency.event))" "(latency.latency_s > 0).all()"
  fi
done
echo "python stop ok"
