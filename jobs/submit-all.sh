#!/bin/bash
# submit-all.sh — submits the whole Slurm set (threads-scan, ranks-scan, hybrid, lock-array)
# and chains report.sbatch behind them with --dependency=afterany: the report runs once every job
# has ended, however it ended (a job cut short by its time limit exits 5 with its finished
# rounds saved), over the files there are, and lists each job's state. Prints the job ids.
# usage: jobs/submit-all.sh [sbatch options for every job, e.g. -A myaccount -p mypartition]
#   GILBENCH_SCRIPTS="threads-scan lock-array" submits only those.
# Results: results/<name>-<jobid>.h5 (arrays: <name>-<arrayjobid>_<index>.h5) and
#   results/report-<reportjobid>/, all under the directory you submit from.
set -euo pipefail
J=$(cd "$(dirname "$0")" && pwd)
export GILBENCH_JOBS=$J
ids=() files=()
for s in ${GILBENCH_SCRIPTS:-threads-scan ranks-scan hybrid lock-array}; do
  id=$(sbatch --parsable "$@" "$J/$s.sbatch"); id=${id%%;*}
  ids+=("$id")
  case $s in lock-array) files+=("${GILBENCH_RESULTS:-results}/$s-${id}_*.h5") ;;
             *) files+=("${GILBENCH_RESULTS:-results}/$s-$id.h5") ;; esac
  echo "$s $id"
done
dep=$(IFS=:; echo "${ids[*]}")
GILBENCH_MEASURED=$dep
export GILBENCH_MEASURED
id=$(sbatch --parsable "$@" --dependency="afterany:$dep" "$J/report.sbatch" "${files[@]}"); id=${id%%;*}
echo "report $id"
