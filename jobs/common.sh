# jobs/common.sh — settings and helpers shared by every gilbench job script. Sourced, not run.
#
# Edit here, or set in the environment before `sbatch` / `jobs/workstation.sh` (sbatch passes the
# submitting shell's environment to the job):
#   GILBENCH          the binary; default: this repository's build (<repo>/build/release/bin/gilbench,
#                     the preset build, else <repo>/build/bin/gilbench), else `gilbench` on PATH, else
#                     <prefix>/bin for the installed copy (the same order as GILBENCH_REPORT)
#   GILBENCH_SRUN_MPI the srun --mpi plugin of each step (default: pmix when `srun --mpi=list` lists
#                     it, else none: no --mpi option, the site's default); "none" passes no option
#   GILBENCH_ARGS     appended to every gilbench call, e.g. "--count 2G --repeat 10" (default
#                     --repeat 6 when it has no --repeat; tests use a
#                     small --count this way); do not repeat options the script sets itself
#   GILBENCH_LOCKS    lock policies of the scans (default none,gil,legacy-gil)
#   GILBENCH_KERNELS  --kernel of every call (default: gilbench's, native); native,python adds the
#                     real interpreter beside the emulation (python alone refuses the scans' --lock)
#   GILBENCH_REPORT   the analysis entry point (default analysis/gilbench-report)
#   GILBENCH_RESULTS  results directory (default: results/ under the submit/current directory)
#   GILBENCH_MIN_LEFT a job of several steps (ranks-scan) starts no further step with fewer
#                     seconds left than this (default 150: --signal=TERM@90 may come 30 s early)
#   GILBENCH_SIGNAL_MARGIN  seconds between Slurm's warning signal and the time limit (default:
#                     N of the script's `#SBATCH --signal=TERM@N`; set it when sbatch's command
#                     line overrides --signal)
#   GILBENCH_WRITE_RESERVE  seconds of that margin kept for saving the run in flight and exiting
#                     (default 30): gilbench gets --stop-grace MARGIN-RESERVE (60s for TERM@90),
#                     unless GILBENCH_ARGS sets --stop-grace itself
# Account and partition: the #SBATCH lines of each script, or SBATCH_ACCOUNT / SBATCH_PARTITION.
#
# Binding everywhere (see docs/jobs.md): one task per MPI rank, `srun --cpus-per-task` given
# explicitly (Slurm >= 22.05 does not pass sbatch's -c on to srun), `--cpu-bind=cores`,
# OMP_NUM_THREADS = the step's cpus per task, OMP_PLACES=cores, OMP_PROC_BIND=close.

GB_JOBS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GB_REPO=$(dirname "$GB_JOBS")
GILBENCH_LOCKS=${GILBENCH_LOCKS:-none,gil,legacy-gil}
GILBENCH_RESULTS=${GILBENCH_RESULTS:-results}
GILBENCH_MIN_LEFT=${GILBENCH_MIN_LEFT:-150}
read -r -a GB_ARGS <<<"${GILBENCH_ARGS:-}"
# Six repetitions unless GILBENCH_ARGS says otherwise: the median's 95 % order-statistic
# interval needs n >= 6 (analysis/README.md, "How to read the statistics").
case " ${GB_ARGS[*]} " in *" --repeat "* | *" --repeat="*) ;; *) GB_ARGS=(--repeat 6 "${GB_ARGS[@]}") ;; esac
[ -z "${GILBENCH_KERNELS:-}" ] || GB_ARGS=(--kernel "$GILBENCH_KERNELS" "${GB_ARGS[@]}")
GB_SRUN=()
GB_STEPS=0
export OMP_PLACES=cores OMP_PROC_BIND=close

mkdir -p "$GILBENCH_RESULTS"

# The binary: $GILBENCH, else this repository's build, else gilbench on PATH, else (for the
# installed copy in <prefix>/share/gilbench/jobs) <prefix>/bin: the order of gb_report.
gb_binary() {
  local c
  if [ -z "${GILBENCH:-}" ]; then
    for c in "$GB_REPO/build/release/bin/gilbench" "$GB_REPO/build/bin/gilbench" "$(command -v gilbench)" \
             "$GB_REPO/../../bin/gilbench"; do
      [ -n "$c" ] && [ -x "$c" ] && { GILBENCH=$c; break; }
    done
  fi
  [ -x "${GILBENCH:-}" ] || { echo "gilbench not found: set GILBENCH, put it on PATH or build $GB_REPO/build" >&2; exit 6; }
}

# The analysis entry point: $GILBENCH_REPORT, else analysis/gilbench-report of this
# repository, else gilbench-report on PATH or in <prefix>/bin. Empty when there is none.
gb_report() {
  local c
  for c in "${GILBENCH_REPORT:-}" "$GB_REPO/analysis/gilbench-report" "$(command -v gilbench-report)" \
           "$GB_REPO/../../bin/gilbench-report"; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
  done
}

# The srun --mpi option (as array GB_SRUN_MPI): --mpi=$GILBENCH_SRUN_MPI, none for "none";
# unset: --mpi=pmix when `srun --mpi=list` lists pmix, else none (the site's default plugin).
gb_srun_mpi() {
  local m=${GILBENCH_SRUN_MPI-}
  if [ -z "${GILBENCH_SRUN_MPI+set}" ]; then
    if srun --mpi=list 2>&1 | grep -qw pmix; then m=pmix; else m=none; fi
  fi
  GB_SRUN_MPI=()
  [ -n "$m" ] && [ "$m" != none ] && GB_SRUN_MPI=("--mpi=$m")
  return 0
}

# gb_list MAX -> 1,2,4,...,MAX (powers of two, MAX itself last)
gb_list() {
  local i=1 l=""
  while [ "$i" -lt "$1" ]; do l+="$i,"; i=$((i * 2)); done
  echo "$l$1"
}

# gb_output NAME -> results/NAME-<jobid>.h5, or results/NAME-<arrayjobid>_<index>.h5 in an array
# gb_pin_count FILE: after a script's first launch into FILE, a `--count auto[:S]` of
# GILBENCH_ARGS becomes that launch's N, so that every later launch/step of the job does the
# same work (one N per file: the 1x1 baseline then serves every configuration). Read with
# /usr/bin/python3's h5py; where that fails, the later launches calibrate their own N (said).
gb_pin_count() {
  local i next=0 n
  for i in "${!GB_ARGS[@]}"; do
    if [ "$next" = 1 ] || [[ "${GB_ARGS[$i]}" == --count=auto* ]]; then
      [[ "${GB_ARGS[$i]}" == *auto* ]] || { next=0; continue; }
      if n=$(/usr/bin/python3 -c "import h5py,sys; print(int(h5py.File(sys.argv[1],'r')['runs']['count'][-1]))" "$1" 2>/dev/null); then
        if [ "$next" = 1 ]; then GB_ARGS[$i]=$n; else GB_ARGS[$i]=--count=$n; fi
        echo "+ N = $n (calibrated by the first launch) for every later launch" >&2
      else
        echo "gb_pin_count: cannot read N from $1: each launch calibrates its own --count auto" >&2
      fi
      next=0; continue
    fi
    [ "${GB_ARGS[$i]}" = --count ] && next=1
  done
  return 0
}

# gb_pin_ticks FILE: after a script's first launch into FILE, the legacy-gil tick mapping that
# launch measured (/launches tick_iterations, docs/gil.md) becomes `--tick-iterations N` of
# GILBENCH_ARGS, so every later launch/step emulates the same legacy GIL and the first launch's
# 1x1 legacy-gil runs are their baseline (the later launches record it as an override).
# Nothing when GILBENCH_ARGS already has --tick-iterations or the launch emulated no legacy-gil.
gb_pin_ticks() {
  local a n
  for a in "${GB_ARGS[@]}"; do [[ "$a" == --tick-iterations* ]] && return 0; done
  n=$(/usr/bin/python3 -c "
import h5py, sys
la = h5py.File(sys.argv[1], 'r')['launches']
if 'tick_source' in la.dtype.names:
    s = la['tick_source'][-1]
    s = s.decode() if isinstance(s, bytes) else s
    n = int(la['tick_iterations'][-1])
    print(n if n > 0 and s in ('reference', 'measured 2.7') else '')" "$1" 2>/dev/null) || n=
  [ -n "$n" ] || return 0
  GB_ARGS+=(--tick-iterations "$n")
  echo "+ --tick-iterations $n (the legacy-gil tick mapping the first launch measured) for every later launch" >&2
}

gb_output() {
  local id=${SLURM_JOB_ID:-$(date +%Y%m%d-%H%M%S)}
  [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && id=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
  echo "$GILBENCH_RESULTS/$1-$id.h5"
}

# Seconds left in this job (empty when unlimited or unknown).
gb_seconds_left() {
  local l d=0 s=0 x p
  l=$(squeue -h -j "$SLURM_JOB_ID" -o %L 2>/dev/null)
  case $l in *[0-9]:[0-9]*) ;; *) return 0 ;; esac
  if [[ $l == *-* ]]; then d=${l%%-*}; l=${l#*-}; fi
  IFS=: read -r -a p <<<"$l"
  for x in "${p[@]}"; do s=$((s * 60 + 10#$x)); done
  echo $((d * 86400 + s))
}

# --stop-grace for gilbench: the signal margin (GILBENCH_SIGNAL_MARGIN, else the @N of this job
# script's `#SBATCH --signal=` line, else 90) less GILBENCH_WRITE_RESERVE, at least 0. Slurm
# runs a copy of the job script as $0, #SBATCH lines included. Empty when GILBENCH_ARGS has one.
gb_stop_grace() {
  local margin=${GILBENCH_SIGNAL_MARGIN:-} reserve=${GILBENCH_WRITE_RESERVE:-30} a
  for a in "${GB_ARGS[@]}"; do [[ $a == --stop-grace* ]] && return 0; done
  if [ -z "$margin" ] && [ -r "$0" ]; then
    margin=$(sed -n 's/^#SBATCH[[:space:]]*--signal=[^@]*@\([0-9][0-9]*\).*/\1/p' "$0" | head -n 1)
  fi
  margin=${margin:-90}
  echo "--stop-grace=$((margin > reserve ? margin - reserve : 0))s"
}

# gb_step TASKS CPUS_PER_TASK GILBENCH_ARGS... : one srun step, bound to cores (extra srun
# options, e.g. the node layout, in the array GB_SRUN).
# gilbench exits 5 when Slurm's --signal=TERM@… (or scancel --signal=TERM) stopped it: the
# finished rounds are in the file; the script then stops too and exits 5.
gb_step() {
  local n=$1 c=$2 rc left; shift 2
  gb_binary
  # A step started after Slurm's warning signal would not get it: a later step needs time left.
  if [ "$GB_STEPS" -gt 0 ]; then
    left=$(gb_seconds_left)
    if [ -n "$left" ] && [ "$left" -lt "$GILBENCH_MIN_LEFT" ]; then
      echo "gilbench job: only ${left}s left, not starting: $*" >&2; exit 5
    fi
  fi
  GB_STEPS=$((GB_STEPS + 1))
  local grace; grace=$(gb_stop_grace)
  gb_srun_mpi
  echo "+ srun ${GB_SRUN_MPI[*]} ${GB_SRUN[*]} -n $n --cpus-per-task=$c --cpu-bind=cores gilbench $* $grace ${GB_ARGS[*]}" >&2
  OMP_NUM_THREADS=$c srun "${GB_SRUN_MPI[@]}" "${GB_SRUN[@]}" --ntasks="$n" --cpus-per-task="$c" --cpu-bind=cores \
    "$GILBENCH" "$@" ${grace:+"$grace"} "${GB_ARGS[@]}"
  rc=$?
  case $rc in
    0) ;;
    5) echo "gilbench job: interrupted (SIGTERM); finished rounds are saved" >&2; exit 5 ;;
    *) echo "gilbench job: step failed with exit code $rc" >&2; exit "$rc" ;;
  esac
}
