#!/bin/bash
# workstation.sh — the whole classic experiment on one machine with mpirun, into one file:
#   sequential  1 rank × 1 thread
#   threads     1 rank × 2,4,…,<cores> threads
#   processes   2,4,…,<cores> ranks × 1 thread
#   hybrid      R ranks × <cores>/R threads for R = 2,4,… while threads ≥ 2 (on fewer than
#               4 cores: 2 × 2, oversubscribed, which gilbench warns about and records)
# each under every lock policy (none, gil, legacy-gil); then the analysis report, when
# analysis/gilbench-report is there.
# Binding: `--bind-to core --map-by slot:PE=T` (each rank owns T cores, OMP_PLACES=cores,
#   OMP_PROC_BIND=close pin its threads inside them) when ranks × threads fit the cores, else
#   `--bind-to none`.
# N: a --count auto[:S] is calibrated by the first launch and that N passed to every later one;
#   so is the legacy-gil tick mapping it measured (--tick-iterations, docs/gil.md).
# Edit: CORES (default: this machine's physical cores), GILBENCH_ARGS (e.g. "--count auto:2
#   --repeat 10"), GILBENCH_LOCKS, MPIRUN (default mpirun) — see jobs/common.sh. As root, Open
#   MPI also wants OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1.
# Results: results/workstation-<date-time>.h5 (or GILBENCH_OUTPUT); report in results/report-<same>/.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gb_binary

CORES=${CORES:-$(lscpu -p=CORE,SOCKET 2>/dev/null | grep -v '^#' | sort -u | wc -l)}
[ "$CORES" -ge 1 ] 2>/dev/null || CORES=$(nproc)
out=${GILBENCH_OUTPUT:-$(gb_output workstation)}
MPIRUN=${MPIRUN:-mpirun}

# run RANKS THREADS THREAD_LIST : one mpirun launch, all lock policies
run() {
  local r=$1 t=$2 list=$3 bind rc
  if [ $((r * t)) -le "$CORES" ]; then bind=(--bind-to core --map-by "slot:PE=$t")
  else bind=(--bind-to none --oversubscribe); fi
  echo "+ $MPIRUN -n $r ${bind[*]} gilbench --threads $list --lock $GILBENCH_LOCKS ${GB_ARGS[*]}" >&2
  OMP_NUM_THREADS=$t "$MPIRUN" -n "$r" "${bind[@]}" -x OMP_NUM_THREADS -x OMP_PLACES -x OMP_PROC_BIND \
    "$GILBENCH" --threads "$list" --lock "$GILBENCH_LOCKS" --output "$out" "${GB_ARGS[@]}"
  rc=$?
  [ "$rc" = 0 ] || { echo "workstation.sh: gilbench exited with $rc; results so far in $out" >&2; exit "$rc"; }
}

run 1 1 1                                                  # sequential
gb_pin_count "$out"                                        # its N for every later launch
gb_pin_ticks "$out"                                        # and its legacy-gil tick mapping
[ "$CORES" -ge 2 ] && run 1 "$CORES" "$(gb_list "$CORES" | sed 's/^1,//')"  # threads
for r in $(gb_list "$CORES" | tr , ' '); do               # processes
  [ "$r" -ge 2 ] && run "$r" 1 1
done
hybrid=0                                                   # ranks × threads
for r in $(gb_list "$CORES" | tr , ' '); do
  t=$((CORES / r))
  if [ "$r" -ge 2 ] && [ "$t" -ge 2 ]; then run "$r" "$t" "$t"; hybrid=1; fi
done
[ "$hybrid" = 1 ] || run 2 2 2

echo "results: $out" >&2
report=$(gb_report)
if [ -n "$report" ]; then
  "$report" report "$out" -o "$GILBENCH_RESULTS/report-$(basename "$out" .h5 | sed 's/^workstation-//')"
else
  echo "no analysis/gilbench-report: no report made" >&2
fi
