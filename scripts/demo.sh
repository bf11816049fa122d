#!/usr/bin/env bash
# The README's first command: install, build, and run the classic experiment on this machine —
# sequential, 2 threads, 2 ranks, 2x2 hybrid — into one HDF5 file, with the summary tables.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
GB=build/release/bin/gilbench
OUT=${OUT:-results/demo.h5}
mkdir -p "$(dirname "$OUT")"
# mpirun as root needs these; 2 ranks x 2 threads may outnumber the cores: --oversubscribe.
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun --oversubscribe --bind-to none)
COUNT=${COUNT:-auto:1}
echo "== sequential and 2 threads, no lock and under the emulated GIL =="
"$GB" --count "$COUNT" --threads 1,2 --lock none,gil,legacy-gil --repeat 3 --output "$OUT"
echo "== 2 ranks (processes) =="
"${MPIRUN[@]}" -n 2 "$GB" --count "$COUNT" --threads 1 --lock none,gil --repeat 3 --output "$OUT"
echo "== 2 ranks x 2 threads (hybrid) =="
"${MPIRUN[@]}" -n 2 "$GB" --count "$COUNT" --threads 2 --lock none,gil --repeat 3 --output "$OUT"
echo "results: $OUT  (h5dump -H $OUT; analysis/gilbench-report report $OUT -o report/)"
if [ -x analysis/gilbench-report ]; then analysis/gilbench-report report "$OUT" -o "$(dirname "$OUT")/report" || true; fi
