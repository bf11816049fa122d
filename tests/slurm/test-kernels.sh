#!/bin/bash
# jobs/threads-scan.sbatch with GILBENCH_KERNELS=native,python on a 1-node lab: COMPLETED, one
# launch holding both kernels: the emulation (none/gil/legacy-gil) and the real CPython's GIL
# (cpython-gil, the default libpython) at every thread count, every run valid, binding audit clean.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 1
export GILBENCH_KERNELS=native,python
# --count with both kernels is the python kernel's N (native's is scaled by the measured rates)
export GILBENCH_ARGS="--count 2M --repeat 2 --warmup 1"
lab_sbatch "$JOBS/threads-scan.sbatch" || lab_fail "sbatch --wait returned $?"
lab_expect "$JOB" COMPLETED 0:0
threads=$(pow2 "$LAB_CPUS")
check "results/threads-scan-$JOB.h5" --launches 1 --status complete --audit --kernels native,python \
  --configs "$(configs 1 "$threads" "none gil legacy-gil cpython-gil")" \
  --job "$JOB" --ntasks 1 --cpus-per-task "$LAB_CPUS" --nodes "$LAB_HOST"
grep -q -- '--kernel native,python' "$LAB/work/"*.out || lab_fail "the job's srun line lacks --kernel native,python"
