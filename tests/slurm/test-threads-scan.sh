#!/bin/bash
# jobs/threads-scan.sbatch on a 1-node lab: COMPLETED, one launch of 1 task × all CPUs, threads
# 1,2,…,CPUs × none/gil/legacy-gil, every run valid, binding audit clean, Slurm provenance.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 1
export GILBENCH_ARGS="--count 20M --repeat 2 --warmup 1"
lab_sbatch "$JOBS/threads-scan.sbatch" || lab_fail "sbatch --wait returned $?"
lab_expect "$JOB" COMPLETED 0:0
check "results/threads-scan-$JOB.h5" --launches 1 --status complete --audit \
  --configs "$(configs 1 "$(pow2 "$LAB_CPUS")" "none gil legacy-gil")" \
  --job "$JOB" --ntasks 1 --cpus-per-task "$LAB_CPUS" --nodes "$LAB_HOST"
