#!/usr/bin/env bash
# The README's first command: install, build, and run the classic experiment on this machine —
# sequential, 2 threads, 2 ranks, 2x2 hybrid — into one HDF5 file, with the summary tables and
# the analysis report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
GB=build/release/bin/gilbench
OUT=${OUT:-results/demo.h5}
mkdir -p "$(dirname "$OUT")"
# mpirun as root needs these; more ranks x threads than cores needs --oversubscribe.
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_PLACES=cores OMP_PROC_BIND=close   # threads on distinct cores
cores=$(nproc)
# Six repetitions: the fewest with which the median's 95 % order-statistic interval exists.
REPEAT=${REPEAT:-6}

# Read back through the analysis' reader (the one that checks, decodes and recovers results files).
READ='import sys; sys.path.insert(0, "analysis"); from gilbench_analysis import results'
last_count() { /usr/bin/python3 -c "$READ"'; print(int(results.read(sys.argv[1]).tables["runs"]["count"][-1]))' "$1"; }
# N is calibrated once (about 0.5 s sequential here) and reused, so every launch does the same
# work; a rerun into the same file reuses its N, so that its launches compare with the earlier ones.
if [ -z "${COUNT:-}" ] && [ -s "$OUT" ] && COUNT=$(last_count "$OUT" 2>/dev/null); then
  echo "(reusing N = $COUNT from $OUT; COUNT=auto:0.5 or another OUT to calibrate anew)"
fi
echo "== sequential and 2 threads, without a lock and under the emulated GILs =="
"$GB" --count "${COUNT:-auto:0.5}" --threads 1,2 --lock none,gil,legacy-gil --repeat "$REPEAT" --output "$OUT"
COUNT=$(last_count "$OUT")

echo "== 2 ranks (processes), N = $COUNT =="
mpirun --oversubscribe -n 2 --bind-to core "$GB" --count "$COUNT" --threads 1 --lock none,gil --repeat "$REPEAT" --output "$OUT"

echo "== 2 ranks x 2 threads (hybrid) =="
if [ "$cores" -ge 4 ]; then bind=(--map-by slot:PE=2 --bind-to core); else bind=(--bind-to none); fi
mpirun --oversubscribe -n 2 "${bind[@]}" "$GB" --count "$COUNT" --threads 2 --lock none,gil --repeat "$REPEAT" --output "$OUT"

echo "results: $OUT  (h5dump -H $OUT; runs as a DataFrame: /usr/bin/python3 -c '$READ; print(results.read_frames(\"$OUT\")[1][\"runs\"])')"
analysis/gilbench-report report "$OUT" -o "$(dirname "$OUT")/report"
