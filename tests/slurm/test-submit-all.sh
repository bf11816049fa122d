#!/bin/bash
# jobs/submit-all.sh on the 2-node lab: the whole set (threads-scan, ranks-scan, hybrid,
# lock-array) is submitted, report.sbatch is chained with --dependency=afterany and runs only
# after all of them; every job COMPLETED, every results file valid with its provenance, and the
# report (report.html over exactly those files) exists.
: "${LAB_TIMEOUT:=240}"  # the whole set, queued on 2 nodes, may take this long
. "$(dirname "$0")/lab.sh"
lab_need_gilbench
lab_up 2
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo
export GILBENCH_ARGS="--count 10M --repeat 1 --warmup 0"
"$JOBS/submit-all.sh" >ids.txt || lab_fail "submit-all.sh failed"
cat ids.txt
declare -A id
while read -r name jid; do id[$name]=$jid; done <ids.txt
for n in threads-scan ranks-scan hybrid lock-array report; do
  [[ "${id[$n]:-}" =~ ^[0-9]+$ ]] || lab_fail "submit-all.sh printed no id for $n"
done
dep=$(scontrol show job "${id[report]}" | grep -o 'Dependency=[^ ]*')
[[ "$dep" == *afterany:${id[threads-scan]}* && "$dep" == *afterany:${id[lock-array]}* ]] \
  || lab_fail "report job dependency: $dep"
# until the queue is empty, or only the report is left, never to run (a job failed)
deadline=$((SECONDS + LAB_TIMEOUT))
while [ -n "$(squeue -h -o %i)" ]; do
  [ "$SECONDS" -lt "$deadline" ] || lab_fail "jobs still queued after ${LAB_TIMEOUT}s: $(squeue)"
  [ "$(squeue -h -o '%i %r')" = "${id[report]} DependencyNeverSatisfied" ] \
    && lab_fail "a job of the set failed: the report will never run"
  sleep 1
done
lab_log "all jobs done"

for n in threads-scan ranks-scan hybrid report; do lab_expect "${id[$n]}" COMPLETED 0:0; done
for i in 0 1 2 3 4 5; do
  t=$(grep -E "ArrayJobId=${id[lock-array]} ArrayTaskId=$i " "$LAB/jobcomp.txt" | sed -n 's/^JobId=\([0-9]*\) .*/\1/p')
  lab_expect "$t" COMPLETED 0:0
  check "results/lock-array-${id[lock-array]}_$i.h5" --status complete --array "${id[lock-array]}_$i"
done
check "results/threads-scan-${id[threads-scan]}.h5" --status complete --job "${id[threads-scan]}"
check "results/ranks-scan-${id[ranks-scan]}.h5" --status complete --job "${id[ranks-scan]}"
check "results/hybrid-${id[hybrid]}.h5" --status complete --job "${id[hybrid]}" --ntasks 4
start() { date -d "$(lab_field "$1" StartTime)" +%s; }
end() { date -d "$(lab_field "$1" EndTime)" +%s; }
for n in threads-scan ranks-scan hybrid; do
  [ "$(start "${id[report]}")" -ge "$(end "${id[$n]}")" ] || lab_fail "report started before $n ended"
done
r=results/report-${id[report]}
[ -s "$r/report.html" ] || lab_fail "no $r/report.html: $(ls "$r" 2>&1)"
grep -q "report over 9 file(s)" "report-${id[report]}.out" || lab_fail "report did not get the 9 files: $(head -n 3 "report-${id[report]}.out")"
lab_log "report: $(ls "$r" | tr '\n' ' ')"
