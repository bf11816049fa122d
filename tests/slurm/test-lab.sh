#!/bin/bash
# The test cluster itself. In a child shell: start the 1-node lab; check that task/affinity
# really binds (N tasks with --cpu-bind=cores get N distinct single CPUs); that a job cancelled
# while pending lets `sbatch --wait` return 0 yet is not COMPLETED (why every test checks
# JobState); leave a job running and fail on purpose. Then, from outside: the child failed,
# every daemon it started is gone (by pid), the running job's processes are gone.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
info=$(mktemp); trap 'rm -f "$info"' EXIT
bash -c '
  . "$1/lab.sh"
  lab_up 1
  echo "$LAB ${LAB_PIDS[*]}" >"$2"
  map=$(srun -n "$LAB_CPUS" --cpu-bind=cores sh -c "grep Cpus_allowed_list /proc/self/status" | awk "{print \$2}" | sort)
  [ "$(echo "$map" | sort -u | wc -l)" = "$LAB_CPUS" ] && ! grep -q "[,-]" <<<"$map" \
    || lab_fail "tasks not bound to distinct single CPUs: $(echo $map)"
  lab_log "binding: $LAB_CPUS tasks on CPUs $(echo $map)"

  timeout 60 sbatch --parsable --wait --begin=now+1hour --wrap true >pending.out & w=$!
  for i in $(seq 50); do [ -s pending.out ] && break; sleep 0.1; done
  scancel "$(cat pending.out)"; wait "$w"; rc=$?
  st=$(lab_state "$(cat pending.out)")
  [ "$st" = CANCELLED ] || lab_fail "pending job cancelled: state $st"
  lab_log "a job cancelled while pending: sbatch --wait rc=$rc, JobState=$st"

  sbatch --parsable --wrap "sleep 600" >running.out
  for i in $(seq 100); do [ "$(lab_state "$(cat running.out)")" = RUNNING ] && break; sleep 0.1; done
  [ "$(lab_state "$(cat running.out)")" = RUNNING ] || lab_fail "sleep job did not start"
  lab_log "leaving job $(cat running.out) running and failing on purpose"
  exit 3
' lab "$HERE" "$info"
rc=$?
[ "$rc" = 3 ] || { echo "FAIL: the lab shell exited with $rc, expected 3" >&2; exit 1; }
read -r lab pids <"$info"
for p in $pids; do
  kill -0 "$p" 2>/dev/null && { echo "FAIL: daemon pid $p still alive after the failed test" >&2; exit 1; }
done
for e in /proc/[0-9]*/environ; do
  { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "GILBENCH_LAB=$lab" \
    && { echo "FAIL: a process of the lab is still alive: $e" >&2; exit 1; }
done
[ -d "$lab" ] || { echo "FAIL: the failed lab's directory was not kept for its logs" >&2; exit 1; }
rm -rf "$lab"
echo "lab stopped every daemon it started (pids $pids) and its job after a failure"
