# Sourced by the smoke tests: the real binary ($GILBENCH), mpiexec ($MPIEXEC) and a scratch dir.
set -euo pipefail
GB=${GILBENCH:?GILBENCH must point to the gilbench binary}
MPIEXEC=${MPIEXEC:-mpiexec}
PY=${GILBENCH_TEST_PYTHON:-/usr/bin/python3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=$(mktemp -d /tmp/gilbench-smoke-XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# mpi N ARGS...: N ranks, threads free to use every core (the test machine may have fewer cores)
mpi() { local n=$1; shift; "$MPIEXEC" -n "$n" --oversubscribe --bind-to none "$@"; }
# rows FILE: rows in FILE's /runs now, 0 while it cannot be read (a writer holds it mid-append)
rows() { local n; n=$("$PY" -c "import h5py,sys; print(len(h5py.File(sys.argv[1],'r')['runs']))" "$1" 2>/dev/null) || n=0
         [[ "$n" =~ ^[0-9]+$ ]] || n=0; echo "$n"; }
# h5check FILE EXPR...: python assertions on the file (see h5check.py)
h5check() { "$PY" "$HERE/h5check.py" "$@"; }
# started ERRFILE [SETTLE]: wait until the header is out (the sweep is about to start), then SETTLE s more (0.5)
started() {
  for _ in $(seq 300); do grep -q 'results ->' "$1" 2>/dev/null && break; sleep 0.1; done
  grep -q 'results ->' "$1" || fail "no header on stderr in 30 s: $(tail -n 3 "$1")"
  sleep "${2:-0.5}"
}
# stop PID SIGNAL...: send the signals, wait; sets rc, ms and secs (from the first signal to the exit)
stop() {
  local pid=$1 t0 s; shift
  t0=$(date +%s%N)
  for s in "$@"; do kill -"$s" "$pid"; sleep 0.2; done
  set +e; wait "$pid"; rc=$?; set -e
  ms=$((($(date +%s%N) - t0) / 1000000))
  secs=$((ms / 1000))
}
