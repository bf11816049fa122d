#!/bin/bash
# jobs/workstation.sh (mpirun, no Slurm): the whole classic experiment into one file —
# sequential, threads, processes, hybrid, each lock policy — every run valid, the bound runs
# (ranks × threads <= cores) audit clean, the larger ones recorded as oversubscribed; then the
# analysis report when analysis/gilbench-report is there.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${GILBENCH_SOURCE_DIR:=$(cd "$HERE/../.." && pwd)}"
[ -x "${GILBENCH:-}" ] || { echo "FAIL: set GILBENCH to the binary" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
W=$(mktemp -d "${TMPDIR:-/tmp}/gilbench-workstation-XXXXXX"); trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
cores=$(lscpu -p=CORE,SOCKET | grep -v '^#' | sort -u | wc -l)
# --count auto: calibrated by the first launch, its N passed to the later ones (one N per file)
GILBENCH_ARGS="--count auto:0.02 --repeat 2 --warmup 1" GILBENCH_OUTPUT=results/ws.h5 \
  timeout 300 "$GILBENCH_SOURCE_DIR/jobs/workstation.sh" >out.txt 2>&1 \
  || { cat out.txt; echo "FAIL: workstation.sh exited with $?" >&2; exit 1; }
cat out.txt

# expected: the same plan as the script's header, computed here for this machine
pow2() { local i=1; while [ "$i" -lt "$1" ]; do printf '%s ' "$i"; i=$((i * 2)); done; echo "$1"; }
want="" hybrid=0
add() { for l in none gil legacy-gil; do want+="$1:$2:$l,"; done; }
add 1 1
for t in $(pow2 "$cores"); do [ "$t" -ge 2 ] && add 1 "$t"; done
for r in $(pow2 "$cores"); do [ "$r" -ge 2 ] && add "$r" 1; done
for r in $(pow2 "$cores"); do t=$((cores / r)); [ "$r" -ge 2 ] && [ "$t" -ge 2 ] && { add "$r" "$t"; hybrid=1; }; done
[ "$hybrid" = 1 ] || add 2 2
/usr/bin/python3 "$HERE/check_results.py" results/ws.h5 --status complete --audit-cores "$cores" \
  --configs "${want%,}" || { echo "FAIL: results check" >&2; exit 1; }
n=$(/usr/bin/python3 -c "import h5py; print(len(set(h5py.File('results/ws.h5','r')['runs']['count'])))")
[ "$n" = 1 ] || { echo "FAIL: $n different N in one workstation.sh file (--count auto calibrated per launch)" >&2; exit 1; }
grep -q '^+ N = [0-9]* (calibrated by the first launch)' out.txt || { echo "FAIL: no N line" >&2; exit 1; }
[ -s results/report-ws/report.html ] || { ls -R results; echo "FAIL: no report.html" >&2; exit 1; }
echo "report: $(ls results/report-ws | tr '\n' ' ')"
