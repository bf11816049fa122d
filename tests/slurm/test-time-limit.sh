#!/bin/bash
# A real time limit: threads-scan with --time=1 (one minute) and work for many minutes. Slurm's
# warning signal (--signal=TERM@10 here: slurmctld checks limits every 30 s and may signal up to
# 30 s early, so it lands 20-50 s into the job) reaches gilbench in its srun step; it saves the
# rounds done and exits 5 before the limit: FAILED 5:0, not TIMEOUT, and the file holds them.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 1
export GILBENCH_ARGS="--count 200M --repeat 2000 --warmup 0"
start=$(date +%s)
lab_sbatch --time=1 --signal=TERM@10 "$JOBS/threads-scan.sbatch"
took=$(( $(date +%s) - start ))
lab_expect "$JOB" FAILED 5:0
[ "$took" -ge 15 ] && [ "$took" -le 75 ] || lab_fail "the job took ${took}s: expected the warning 20-50 s in"
grep -q 'interrupted (SIGTERM)' "threads-scan-$JOB.out" || lab_fail "the job log does not say it was interrupted"
check "results/threads-scan-$JOB.h5" --launches 1 --status interrupted --min-rounds 2 --partial \
  --audit --configs "$(configs 1 "$(pow2 "$LAB_CPUS")" "none gil legacy-gil")" --job "$JOB"
lab_log "job ran ${took}s under a 1-minute limit"
