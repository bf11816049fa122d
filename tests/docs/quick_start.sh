#!/usr/bin/env bash
# README's Quick start, run as written (the binary of this build as $B; mpirun is $MPIEXEC): each
# command exits 0 and prints what README says it prints — a VALID line and a summary table with
# the configurations it asks for; a launch without a 1x1 baseline says why its speedup is "-".
# The hybrid form that needs 4 cores runs only where there are 4. Timing figures are benchmarks.
set -euo pipefail
README=$(realpath "${1:?README.md}")
GB=$(realpath "${GILBENCH:?GILBENCH must point to the gilbench binary}")
MPIEXEC=${MPIEXEC:-mpirun}
W=$(mktemp -d /tmp/gilbench-quick-XXXXXX); trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# the first ```sh block after "## Quick start": its commands, without comments and the build lines
mapfile -t cmds < <(awk '/^## Quick start/ {q=1} q && /^```sh/ {b=1; next} b && /^```/ {exit} b' "$README" \
  | grep -v -e '^#' -e '^cmake ' -e '^B=' | sed 's/ *#.*$//; s/[[:space:]]*$//')
[ "${#cmds[@]}" -ge 6 ] || fail "README's Quick start has ${#cmds[@]} commands, expected 6 or more"
cd "$W"
B=$GB
n=0
for c in "${cmds[@]}"; do
  line=$(grep -F -- "$c" "$README" | head -n 1)
  if [[ "$line" == *"needs 4 cores"* ]] && [ "$(nproc)" -lt 4 ]; then
    echo "skipped here ($(nproc) cores): $c"; continue
  fi
  run=${c//\$B/$B}
  run=${run/#mpirun /$MPIEXEC }
  echo "+ $c"
  set +e; eval "$run" >out 2>err; rc=$?; set -e
  [ "$rc" = 0 ] || fail "'$c' exited $rc: $(tail -n 3 err)"
  grep -q '^VALID: ' out || fail "'$c': no VALID line: $(head -n 3 out)"
  grep -q '^mode  *configuration' out || fail "'$c': no summary table: $(cat out)"
  # the configurations the command asks for
  threads=$(sed -n 's/.*--threads \([0-9,]*\).*/\1/p' <<<"$c"); threads=${threads:-1}
  ranks=1; [[ "$c" == mpirun* ]] && ranks=$(sed -n 's/.*-n \([0-9]*\).*/\1/p' <<<"$c")
  locks=$(sed -n 's/.*--lock \([a-z,-]*\).*/\1/p' <<<"$c"); locks=${locks:-none}
  for t in ${threads//,/ }; do
    for l in ${locks//,/ }; do
      grep -Eq " ${ranks}x${t} ${l}( |$)" out || fail "'$c': no ${ranks}x${t} ${l} row: $(cat out)"
    done
  done
  # a row without a baseline (its speedup "-") comes with the line that says why
  if grep -E '^(sequential|threads|processes|hybrid) ' out | grep -Evq ' (same launch|launch [0-9]|launches [0-9])'; then
    grep -q '^speedup -: ' out || fail "'$c': a speedup '-' without the line that says why: $(cat out)"
  fi
  n=$((n + 1))
done
# one results file, every launch in it (README: an existing file is appended to)
/usr/bin/python3 -c "import h5py,sys; l=h5py.File('gilbench.h5','r')['launches']; sys.exit(0 if len(l) == $n else f'{len(l)} launches, expected $n')"
echo "quick start ok: $n commands as README writes them"
