#!/bin/bash
# jobs/ranks-scan.sbatch on a 1-node lab: COMPLETED, one srun step (= one launch) per rank count
# 1,2,…,CPUs, 1 thread each, all lock policies, in one file; binding audit clean; provenance.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 1
export GILBENCH_ARGS="--count 20M --repeat 2 --warmup 1"
lab_sbatch "$JOBS/ranks-scan.sbatch" || lab_fail "sbatch --wait returned $?"
lab_expect "$JOB" COMPLETED 0:0
ranks=$(pow2 "$LAB_CPUS")
want=""; for r in $ranks; do want+="$(configs "$r" 1 "none gil legacy-gil"),"; done
check "results/ranks-scan-$JOB.h5" --launches "$(wc -w <<<"$ranks")" --status complete --audit \
  --configs "${want%,}" --job "$JOB" --ntasks "$(tr ' ' , <<<"$ranks")" --cpus-per-task 1 \
  --nodes "$LAB_HOST"
