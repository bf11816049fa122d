#!/bin/bash
# scancel --signal=TERM in the middle of a running threads-scan job: once the results file holds
# a finished round, the job's step gets SIGTERM (as Slurm's --signal=TERM@90 would send it);
# gilbench lets the run in flight finish within --stop-grace, saves, exits 5; the script stops with 5 (FAILED,
# ExitCode 5:0). The file opens, validates and holds at least the rounds seen before the signal.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 1
export GILBENCH_ARGS="--count 200M --repeat 500 --warmup 0"   # would run for minutes
timeout "$LAB_TIMEOUT" sbatch --parsable --wait "$JOBS/threads-scan.sbatch" >sbatch.out &
waiter=$!
for i in $(seq 100); do [ -s sbatch.out ] && break; sleep 0.1; done
JOB=$(cut -d';' -f1 sbatch.out); [[ "$JOB" =~ ^[0-9]+$ ]] || lab_fail "no job id"
f=results/threads-scan-$JOB.h5
rounds() {  # finished rounds in the file (0 while it does not exist or is being written)
  HDF5_USE_FILE_LOCKING=FALSE "$PY" -c '
import sys, h5py, numpy as np
try:
    with h5py.File(sys.argv[1], "r") as f: print(len(np.unique(f["runs"]["round"])))
except Exception: print(0)' "$1"
}
seen=0 deadline=$((SECONDS + 90))
while [ "$SECONDS" -lt "$deadline" ]; do
  seen=$(rounds "$f"); [ "$seen" -ge 1 ] && break
  case $(lab_state "$JOB") in PENDING|CONFIGURING|RUNNING) ;; *) lab_fail "job $JOB ended early";; esac
  sleep 0.2
done
[ "$seen" -ge 1 ] || lab_fail "no finished round in $f within 90 s"
[ "$(lab_state "$JOB")" = RUNNING ] || lab_fail "job $JOB is not running: $(lab_state "$JOB")"
lab_log "job $JOB: $seen round(s) in $f; scancel --signal=TERM"
scancel --signal=TERM "$JOB" || lab_fail "scancel failed"
wait "$waiter"; rc=$?
lab_log "sbatch --wait returned $rc"
lab_expect "$JOB" FAILED 5:0
grep -q 'interrupted (SIGTERM)' "threads-scan-$JOB.out" || lab_fail "the job log does not say it was interrupted"
check "$f" --launches 1 --status interrupted --min-rounds "$seen" --partial --audit \
  --configs "$(configs 1 "$(pow2 "$LAB_CPUS")" "none gil legacy-gil")" --job "$JOB"
