#!/bin/bash
# jobs/lock-array.sbatch on a 1-node lab: every array element COMPLETED, one file per element
# (results/lock-array-<arrayjobid>_<index>.h5) holding its own lock setting over threads
# 1,2,…,CPUs; audit clean; array ids in the provenance.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 1
export GILBENCH_ARGS="--count 20M --repeat 1 --warmup 0"
lab_sbatch "$JOBS/lock-array.sbatch" || lab_fail "sbatch --wait returned $?"
array=$JOB
threads=$(pow2 "$LAB_CPUS")
locks=(none gil gil gil legacy-gil legacy-gil)          # the CASES of lock-array.sbatch
n=$(grep -c '^#SBATCH --array=0-5$' "$JOBS/lock-array.sbatch")
[ "$n" = 1 ] || lab_fail "lock-array.sbatch no longer has --array=0-5: update this test"
for i in 0 1 2 3 4 5; do
  id=$(grep -E "ArrayJobId=$array ArrayTaskId=$i " "$LAB/jobcomp.txt" | sed -n 's/^JobId=\([0-9]*\) .*/\1/p')
  [ -n "$id" ] || lab_fail "no completion record for ${array}_$i"
  lab_expect "$id" COMPLETED 0:0
  check "results/lock-array-${array}_$i.h5" --launches 1 --status complete --audit \
    --configs "$(configs 1 "$threads" "${locks[i]}")" --array "${array}_$i" \
    --ntasks 1 --cpus-per-task "$LAB_CPUS"
done
f=results/lock-array-${array}_
"$PY" - "$f" <<'PY' || lab_fail "lock-array elements do not hold their intervals"
import sys, h5py, numpy as np
f = sys.argv[1]
def runs(i): return h5py.File(f"{f}{i}.h5", "r")["runs"][()]
si = [float(np.unique(runs(i)["switch_interval_s"])[0]) for i in (1, 2, 3)]
ci = [int(np.unique(runs(i)["check_interval"])[0]) for i in (4, 5)]
assert np.allclose(si, [0.001, 0.005, 0.020]), si
assert ci == [100, 1000], ci
print("switch intervals", si, "check intervals", ci)
PY
