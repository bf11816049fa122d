#!/bin/bash
# Two slurmd "nodes" n1, n2 on this host: jobs/hybrid.sbatch as written (2 nodes × 2 tasks ×
# CPUs/2 threads), then again with one job-wide emulated GIL (--lock-scope job, gil and
# legacy-gil) over all ranks of both nodes. MPI between the "nodes" goes over TCP on loopback,
# as between hosts.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 2
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo
export GILBENCH_ARGS="--count 20M --repeat 2 --warmup 1"
per_task=$((LAB_CPUS / 2))
lab_sbatch "$JOBS/hybrid.sbatch" || lab_fail "sbatch --wait returned $?"
lab_expect "$JOB" COMPLETED 0:0
check "results/hybrid-$JOB.h5" --launches 1 --status complete --audit \
  --configs "$(configs 4 "$(pow2 "$per_task")" "none gil legacy-gil")" \
  --job "$JOB" --ntasks 4 --cpus-per-task "$per_task" --nodes n1,n2

# Why the job-scope lock has a single MPI caller per rank: with every worker thread calling MPI
# itself (MPI_THREAD_MULTIPLE), this job hung in nearly every attempt on this lab (a rank left
# waiting in a barrier its peers had passed: Open MPI's TCP transport lost the message). Both
# policies, so both protocols run.
GILBENCH_LOCKS=gil,legacy-gil GILBENCH_ARGS="$GILBENCH_ARGS --lock-scope job" \
  lab_sbatch "$JOBS/hybrid.sbatch" || lab_fail "sbatch --wait returned $?"
lab_expect "$JOB" COMPLETED 0:0
check "results/hybrid-$JOB.h5" --launches 1 --status complete --audit --lock-scope job \
  --configs "$(configs 4 "$(pow2 "$per_task")" "gil legacy-gil")" \
  --job "$JOB" --ntasks 4 --cpus-per-task "$per_task" --nodes n1,n2
