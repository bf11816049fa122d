#!/bin/bash
# jobs/acceptance.sbatch on a 1-node lab: the threads scan runs and the check of its file
# prints its PASS/FAIL table; the job's exit is check's (0 all pass, 1 a FAIL, 5 nothing
# selected) — never asserted to be 0: this lab's figures are not the shipped references'.
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 1
export GILBENCH_ARGS="--count 20M --repeat 2 --warmup 0"
lab_sbatch "$JOBS/acceptance.sbatch"; rc=$?
case $rc in 0|1|5) ;; *) lab_fail "acceptance.sbatch: sbatch rc $rc (want 0, 1 or 5: check's codes)" ;; esac
[ -f "results/acceptance-$JOB.check.txt" ] || lab_fail "no check table (sbatch rc $rc)"
grep -qE 'debian-2core-vm .*(PASS|FAIL)$' "results/acceptance-$JOB.check.txt" || lab_fail "no PASS/FAIL row: $(head -c 400 "results/acceptance-$JOB.check.txt")"
grep -q ' passed, .* failed' "results/acceptance-$JOB.check.txt" || lab_fail "no totals line"
echo "acceptance.sbatch: sbatch rc $rc; $(tail -n 1 "results/acceptance-$JOB.check.txt")"
