# tests/slurm/lab.sh — a private Slurm cluster on this machine for the `slurm` ctest label.
# Sourced by the tests, not run. Uses Debian's munge, slurmctld, slurmd and slurm-client, started
# in the foreground (no systemd) under a fresh temporary directory ($LAB):
#   - its own munged (own key, own socket: the machine's /etc/munge and /run/munge are not used),
#   - slurm.conf generated from this machine's real CPU topology and memory, on free TCP ports,
#     TaskPlugin=task/affinity so --cpu-bind really binds, jobcomp/filetxt so the final state of
#     every job can be read after slurmctld has forgotten it,
#   - 1 node (named like the host) or 2 "nodes" n1, n2 on this one host (two slurmd).
# Every daemon is stopped by the pid this script got when it started it — from an EXIT trap, so
# also when a test fails; leftover job processes are found by the marker GILBENCH_LAB=$LAB in
# their environment (they inherit it from the daemons and from sbatch) and killed by pid.
#
#   lab_up [NODES]               start (NODES = 1 or 2); exports SLURM_CONF, cd's to $LAB/work;
#                                sets LAB_CPUS (CPUs per node) and LAB_NODES (node names)
#   lab_sbatch ARGS...           timeout + sbatch --wait --parsable; sets JOB (the job id)
#   lab_state JOBID              final JobState (from the job completion log, else scontrol)
#   lab_expect JOBID STATE [EXIT] fail unless the job ended in STATE (and ExitCode EXIT, e.g. 0:0)
#   lab_fail MESSAGE             print MESSAGE, the job outputs and the daemon logs; exit 1
#   lab_down                     stop everything (the EXIT trap calls it)

set -uo pipefail
LAB_TIMEOUT=${LAB_TIMEOUT:-120}       # seconds any one sbatch --wait may take (below ctest's limit,
                                      # so a hang is reported with the stacks of the job's processes)
PY=/usr/bin/python3                   # Debian's python3 with h5py (pyenv's lacks it)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${GILBENCH_SOURCE_DIR:=$(cd "$HERE/../.." && pwd)}"
JOBS=$GILBENCH_SOURCE_DIR/jobs
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
LAB_PIDS=()                           # daemons we started, stop order = reverse start order
LAB_FAILED=0

lab_log() { echo "[lab $(date +%T)] $*" >&2; }

lab_fail() {
  LAB_FAILED=1
  echo "FAIL: $*" >&2
  if [ -n "${LAB:-}" ] && [ -d "$LAB" ]; then
    lab_stacks >&2
    for f in "$LAB"/work/*.out; do [ -e "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
    for f in "$LAB"/log/*.log "$LAB"/jobcomp.txt; do
      [ -e "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  fi
  exit 1
}

# A port p with p, p+1, p+2 free on this host (so several labs can run side by side).
lab_ports() {
  local used p i
  used=$(awk 'FNR > 1 {split($2, a, ":"); print a[2]}' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
         while read -r h; do echo $((16#$h)); done | sort -u)
  for i in $(seq 100); do
    p=$(( 20000 + RANDOM % 12000 ))   # below the ephemeral range (32768+)
    if ! grep -qxE "$p|$((p+1))|$((p+2))" <<<"$used"; then echo "$p"; return 0; fi
  done
  return 1
}

lab_start() {  # lab_start NAME COMMAND... : run a daemon in the foreground, remember its pid
  local name=$1; shift
  "$@" >"$LAB/log/$name.stdout" 2>&1 &
  LAB_PIDS+=("$!")
  echo "$!" >"$LAB/run/$name.pid"
}

lab_up() {
  local nodes=${1:-1} host port mem topo i names
  for c in munged munge unmunge slurmctld slurmd sbatch srun scontrol squeue sinfo scancel; do
    command -v "$c" >/dev/null || lab_fail "$c not found: apt-get install munge slurmctld slurmd slurm-client"
  done
  lab_reap
  LAB=$(mktemp -d "${TMPDIR:-/tmp}/gilbench-slurm-XXXXXX") || lab_fail "mktemp"
  chmod 755 "$LAB"
  export GILBENCH_LAB=$LAB
  trap lab_down EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p "$LAB"/{etc,run,log,state,work} "$LAB/munge-key" "$LAB/munge-sock"
  echo $$ >"$LAB/run/owner.pid"  # this lab is alive while its test runs (see lab_reap)
  chmod 700 "$LAB/munge-key"; chmod 755 "$LAB/munge-sock"

  # munge: private key and socket; munged runs as root in the foreground.
  head -c 1024 /dev/urandom >"$LAB/munge-key/munge.key"; chmod 400 "$LAB/munge-key/munge.key"
  local sock=$LAB/munge-sock/munge.socket
  lab_start munged munged -F -S "$sock" --key-file="$LAB/munge-key/munge.key" \
    --log-file="$LAB/log/munged.log" --pid-file="$LAB/run/munged.pid.own" \
    --seed-file="$LAB/munge-key/munged.seed"
  for i in $(seq 100); do
    munge -S "$sock" -n </dev/null 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -S "$sock" -n </dev/null | unmunge -S "$sock" >/dev/null || lab_fail "munged did not come up"

  # slurm.conf from the real machine: CPU topology as slurmd detects it, memory from /proc.
  host=$(hostname -s)
  port=$(lab_ports) || lab_fail "no free ports"
  topo=$(slurmd -C | head -n 1 | grep -oE 'CPUs=[0-9]+ Boards=[0-9]+ SocketsPerBoard=[0-9]+ CoresPerSocket=[0-9]+ ThreadsPerCore=[0-9]+')
  [ -n "$topo" ] || lab_fail "slurmd -C printed no topology"
  [ "${topo%% *}" = "CPUs=$(nproc --all)" ] || lab_log "note: slurmd -C says ${topo%% *}, nproc --all $(nproc --all)"
  mem=$(( $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) * 8 / 10 / nodes ))
  export SLURM_CONF=$LAB/etc/slurm.conf
  cat >"$SLURM_CONF" <<CONF
ClusterName=gilbench-lab
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
MpiDefault=pmix
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
EnforcePartLimits=ALL
ReturnToService=2
SlurmctldPort=$port
SlurmctldPidFile=$LAB/run/slurmctld.pid
SlurmdPidFile=$LAB/run/slurmd-%n.pid
StateSaveLocation=$LAB/state/ctld
SlurmdSpoolDir=$LAB/state/d-%n
TmpFS=$LAB/state/tmp-%n
SlurmctldLogFile=$LAB/log/slurmctld.log
SlurmdLogFile=$LAB/log/slurmd-%n.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LAB/jobcomp.txt
MailProg=/bin/true
InactiveLimit=0
KillWait=5
MinJobAge=5
CONF
  if [ "$nodes" = 1 ]; then
    names=$host
    echo "NodeName=$host NodeAddr=127.0.0.1 Port=$((port+1)) $topo RealMemory=$mem State=UNKNOWN" >>"$SLURM_CONF"
  else
    names=$(seq -f 'n%g' 1 "$nodes")
    for i in $(seq 1 "$nodes"); do
      echo "NodeName=n$i NodeHostname=$host NodeAddr=127.0.0.1 Port=$((port+i)) $topo RealMemory=$mem State=UNKNOWN" >>"$SLURM_CONF"
    done
  fi
  echo "PartitionName=lab Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >>"$SLURM_CONF"

  lab_start slurmctld slurmctld -D -c -i
  for n in $names; do
    mkdir -p "$LAB/state/d-$n" "$LAB/state/tmp-$n"
    lab_start "slurmd-$n" slurmd -D -N "$n"
  done
  for i in $(seq 150); do
    [ "$(sinfo -h -o %T 2>/dev/null | sort -u)" = idle ] && break
    sleep 0.2
  done
  [ "$(sinfo -h -o %T 2>/dev/null | sort -u)" = idle ] || lab_fail "nodes not idle: $(sinfo 2>&1)"
  LAB_CPUS=${topo%% *}; LAB_CPUS=${LAB_CPUS#CPUs=}   # CPUs per node
  LAB_HOST=$host LAB_NODES=$(echo $names)
  lab_log "up: $nodes node(s) [$LAB_NODES], $topo, SLURM_CONF=$SLURM_CONF"
  cd "$LAB/work" || lab_fail "no work dir"
}

lab_stop_pid() {  # TERM, wait up to 10 s, then KILL
  local p=$1 i
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null
  for i in $(seq 100); do kill -0 "$p" 2>/dev/null || { wait "$p" 2>/dev/null; return 0; }; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
}

# Processes started on our behalf that are not our children (slurmstepd, job tasks): they carry
# GILBENCH_LAB=$LAB in their environment.
# Where each gilbench process of the lab is (a hung job): rank, node and the backtrace of every
# thread (our frames and MPI/PMIx entry points), with gdb when it is installed.
lab_stacks() {
  local p env
  command -v gdb >/dev/null || { echo "(no gdb: no stacks of the job's processes)"; return 0; }
  for p in $(lab_leftovers); do
    grep -q gilbench "/proc/$p/comm" 2>/dev/null || continue
    env=$({ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -E '^(SLURM_JOB_ID|SLURM_STEP_ID|SLURM_PROCID|SLURMD_NODENAME)=' | tr '\n' ' ')
    echo "--- stacks of pid $p: $env"
    timeout 30 gdb -batch -p "$p" -ex "thread apply all bt 16" 2>/dev/null |
      grep -E '^Thread|gilbench::|PMPI_|PMIx_|ompi_mpi|main \(' | sed 's/ (.*) at / at /' | cut -c1-160
  done
}

# Processes of earlier labs whose test died without tearing its lab down: ctest kills a test
# that overruns its timeout without running its exit trap, and Slurm's job steps (slurmstepd,
# gilbench) are not descendants of the test, so they would run on and load the machine for the
# next tests. Found by their GILBENCH_LAB marker, when that lab's owner (the test's shell) is
# gone; killed by pid.
lab_reap() {
  local e p lab owner
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}; p=${p%/environ}
    lab=$({ tr '\0' '\n' <"$e"; } 2>/dev/null | sed -n 's/^GILBENCH_LAB=//p' | head -n 1)
    # slurmstepd does not inherit the marker; it keeps its node's log of the lab open
    [ -z "$lab" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = slurmstepd ] &&
      lab=$(ls -l "/proc/$p/fd" 2>/dev/null | grep -oE '/[^ ]*/gilbench-slurm-[A-Za-z0-9]+/log/' | head -n 1) &&
      lab=${lab%/log/}
    [ -n "$lab" ] && [ -d "$lab/run" ] || continue  # not a lab of this filesystem (a chroot's)
    owner=$(cat "$lab/run/owner.pid" 2>/dev/null)
    [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null && continue
    lab_log "reaping pid $p of an abandoned lab $lab: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-120)"
    kill -KILL "$p" 2>/dev/null
  done
  return 0
}

lab_leftovers() {
  local e p
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}; p=${p%/environ}
    [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
    { tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "GILBENCH_LAB=$LAB" && echo "$p"
  done
}

lab_down() {
  local rc=$? i p
  trap - EXIT INT TERM
  [ -n "${LAB:-}" ] || return "$rc"
  [ "$rc" != 0 ] && LAB_FAILED=1
  if [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
    scancel --user="$(id -un)" 2>/dev/null
    for i in $(seq 100); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  for (( i=${#LAB_PIDS[@]}-1; i>=0; i-- )); do lab_stop_pid "${LAB_PIDS[i]}"; done
  for p in $(lab_leftovers); do lab_log "killing leftover pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; kill -KILL "$p" 2>/dev/null; done
  for p in "${LAB_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && { echo "daemon pid $p still alive" >&2; rc=1; }; done
  if [ "$LAB_FAILED" = 0 ] && [ -z "${LAB_KEEP:-}" ]; then rm -rf "$LAB"; else lab_log "kept $LAB"; fi
  lab_log "down"
  exit "$rc"
}

# lab_sbatch ARGS... : submit and wait; JOB = job id; returns sbatch's exit code.
lab_sbatch() {
  local out rc
  out=$(timeout "$LAB_TIMEOUT" sbatch --parsable --wait "$@"); rc=$?
  JOB=${out%%;*}; JOB=$(echo "$JOB" | head -n 1)
  [ "$rc" = 124 ] && lab_fail "sbatch --wait $* did not end within ${LAB_TIMEOUT}s (job $JOB)"
  [[ "$JOB" =~ ^[0-9]+$ ]] || lab_fail "sbatch $* gave no job id: $out"
  lab_log "job $JOB ($*) ended, sbatch rc=$rc"
  return "$rc"
}

# Final record of a job (or array task) from the completion log, else its live record in
# slurmctld (running or pending jobs; finished ones until MinJobAge expires): KEY=VALUE words.
lab_record() {
  local rec
  rec=$(grep -E "^JobId=$1 " "$LAB/jobcomp.txt" 2>/dev/null | tail -n 1)
  [ -n "$rec" ] && { echo "$rec"; return 0; }
  scontrol -o show job "$1" 2>/dev/null | head -n 1
}
lab_field() { lab_record "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
lab_state() { lab_field "$1" JobState; }

lab_expect() {  # lab_expect JOBID STATE [EXITCODE]
  local st ec
  st=$(lab_state "$1"); ec=$(lab_field "$1" ExitCode)
  [ "$st" = "$2" ] || lab_fail "job $1: JobState=$st ExitCode=$ec, expected $2 $3"
  [ -z "${3:-}" ] || [ "$ec" = "$3" ] || lab_fail "job $1: ExitCode=$ec, expected $3"
  lab_log "job $1: JobState=$st ExitCode=$ec"
}

# The gilbench binary under test: $GILBENCH (ctest sets it), else a build in one of the usual places
# (so a lab test can also be run by hand).
lab_need_gilbench() {
  : "${GILBENCH:=}"
  [ -n "$GILBENCH" ] || for c in "$GILBENCH_SOURCE_DIR/build/bin/gilbench" /tmp/lead-build/bin/gilbench; do
    [ -x "$c" ] && { GILBENCH=$c; break; }; done
  [ -x "$GILBENCH" ] || lab_fail "no gilbench binary: set GILBENCH"
  export GILBENCH
}

# pow2 MAX -> "1 2 4 ... MAX": the sweeps the job scripts are documented to run
pow2() { local i=1; while [ "$i" -lt "$1" ]; do printf '%s ' "$i"; i=$((i * 2)); done; echo "$1"; }

# configs RANKS "THREADS..." "LOCKS..." -> R:T:L,... for check_results.py --configs
configs() { local t l out=""; for t in $2; do for l in $3; do out+="$1:$t:$l,"; done; done; echo "${out%,}"; }

# check FILE ARGS... : the results-file checks of check_results.py
check() { "$PY" "$HERE/check_results.py" "$@" || lab_fail "results check failed: $*"; }
