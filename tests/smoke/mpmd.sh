#!/usr/bin/env bash
# Ranks that disagree on what to run (MPMD launches, a different OMP_NUM_THREADS per node, a bad
# argument on one rank only) leave with exit 2 and one line naming the setting and the ranks,
# before any work and with nothing written; an MPI error mid-run is one line and exit 6; a
# signal sent to one rank names the signal and that rank. timeout: a hang fails, never blocks.
source "$(dirname "$0")/common.sh"
# mpmd WANT A... : B...: run both halves, one rank each; check the exit code, keep err/out
mpmd() {
  local want=$1; shift
  set +e
  timeout 60 "$MPIEXEC" -q --oversubscribe --bind-to none "$@" >"$W/out" 2>"$W/err"
  local rc=$?
  set -e
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$W/err")"
}
# one_line TEXT...: stderr is exactly one line, holding every TEXT
one_line() {
  [ "$(grep -c . "$W/err")" = 1 ] || fail "expected one line on stderr, got: $(cat "$W/err")"
  for t in "$@"; do grep -qF -- "$t" "$W/err" || fail "stderr lacks '$t': $(cat "$W/err")"; done
  grep -q "MPI_ABORT" "$W/err" && fail "MPI_Abort banner for bad input"
  [ ! -s "$W/out" ] || fail "stdout not empty: $(cat "$W/out")"
  [ ! -e "$W/r.h5" ] && [ ! -e "$W/r.h5.lock" ] || fail "a refused launch created the results file"
}
run=(--count 4M --warmup 0 --output "$W/r.h5")
mpmd 2 -n 1 -x OMP_NUM_THREADS=1 "$GB" "${run[@]}" : -n 1 -x OMP_NUM_THREADS=2 "$GB" "${run[@]}"
one_line "gilbench: ranks disagree on --threads: rank 0 has 1, rank 1 has 2" "OMP_NUM_THREADS"
mpmd 2 -n 1 "$GB" "${run[@]}" --repeat 2 : -n 2 "$GB" "${run[@]}" --repeat 3
one_line "gilbench: ranks disagree on --repeat: rank 0 has 2, ranks 1,2 have 3"
mpmd 2 -n 1 "$GB" "${run[@]}" --lock gil : -n 1 "$GB" "${run[@]}" --lock none
one_line "gilbench: ranks disagree on --lock: rank 0 has gil, rank 1 has none"
mpmd 2 -n 1 "$GB" "${run[@]}" : -n 1 "$GB" "${run[@]}" --threads 0
one_line "gilbench: rank 1: --threads: 0"
mpmd 2 -n 1 "$GB" "${run[@]}" : -n 1 "$GB" "${run[@]}" --help
one_line "rank 1 asked for --help"
# --help on rank 0: printed once, exit 0
mpmd 0 -n 1 "$GB" --help : -n 1 "$GB" --help
[ "$(grep -c -- '-n,--count' "$W/out")" = 1 ] || fail "MPMD --help printed $(grep -c -- '-n,--count' "$W/out") times"
# spelled differently, resolved alike: runs
mpmd 0 -n 1 -x OMP_NUM_THREADS=2 "$GB" "${run[@]}" --repeat 1 : -n 1 "$GB" -n 4000000 --threads 2 --repeat 1 \
  --warmup 0 --output "$W/r.h5"
h5check "$W/r.h5" "len(runs) == 1" "(runs.threads == 2).all()" "runs.valid.all()"
rm -f "$W/r.h5"

# An MPI error on rank 1 in the third run (test hook: an MPI_Send to a rank that does not exist):
# one line from that rank, exit 6 through mpirun, the first round (2 runs) kept.
mpmd 6 -n 2 -x GILBENCH_TEST_MPI_ERROR=1:3 "$GB" --count 4M --threads 1,2 --repeat 3 --warmup 0 -q --output "$W/e.h5"
[ "$(grep -c 'MPI error' "$W/err")" = 1 ] || fail "MPI error: expected one line about it: $(cat "$W/err")"
grep -q '^gilbench: rank 1: MPI error: MPI_ERR_RANK' "$W/err" || fail "MPI error not named: $(cat "$W/err")"
h5check "$W/e.h5" "len(runs) == 2" "runs.valid.all()" "set(samples.run_id) == set(runs.run_id)"

# SIGTERM to rank 1 only: every rank stops after the run in flight, exit 5, the line names both.
# two_rounds_written PID FILE: wait (up to 60 s) until FILE holds 2 rounds; prints rank 1's pid (a read
# during an append may fail: the loop remembers it has seen them)
two_rounds_written() {
  local seen=0 r1
  for _ in $(seq 600); do [ "$(rows "$2")" -ge 2 ] && seen=1 && break; sleep 0.1; done
  r1=$(rank_pid "$1" 1)
  [ "$seen" = 1 ] && [ -n "$r1" ] || { kill -9 $(descendants "$1") "$1"; fail "no rank 1 process or no rounds written in 60 s"; }
  echo "$r1"
}
descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done; }
# reap PID: wait at most 60 s for the launch to end; a hang is killed (with its ranks) and fails
reap() {
  timeout 60 tail --pid="$1" -f /dev/null || true
  if kill -0 "$1" 2>/dev/null; then
    kill -9 $(descendants "$1") "$1"
    fail "the launch still runs 60 s after the signal (a hang): $(tail -n 3 "$W/err")"
  fi
}
rank_pid() {  # rank_pid MPIEXEC_PID RANK: the gilbench process of that rank
  local p
  for p in $(descendants "$1"); do
    [ "$(cat "/proc/$p/comm" 2>/dev/null)" = gilbench ] || continue
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && echo "$p"
  done
  return 0
}
f="$W/s.h5"
"$MPIEXEC" --oversubscribe --bind-to none -n 2 "$GB" --count 20M --repeat 1000 -q --output "$f" >"$W/out" 2>"$W/err" &
pid=$!
r1=$(two_rounds_written $pid "$f")
kill -TERM "$r1"
reap $pid; set +e; wait $pid; rc=$?; set -e
[ "$rc" = 5 ] || fail "SIGTERM to rank 1: exit $rc, expected 5: $(cat "$W/err")"
grep -q "^gilbench: interrupted by SIGTERM on rank 1: [0-9]* of 1001 runs saved in $f" "$W/err" ||
  fail "the interruption does not name the signal and the rank: $(cat "$W/err")"
h5check "$f" "len(runs) >= 2" "launches.exit_status[0] == 'interrupted'" "runs.valid.all()"

# kill -9 of rank 1 is no MPI error gilbench sees: mpirun ends the job (137 measured with Open MPI
# 4.1), never 15 or a hang, and every round written before is kept (recover: rank 0 may have
# been killed during an append).
f="$W/k.h5"
"$MPIEXEC" --oversubscribe --bind-to none -n 2 "$GB" --count 20M --repeat 1000 -q --output "$f" >"$W/out" 2>"$W/err" &
pid=$!
r1=$(two_rounds_written $pid "$f")
kill -9 "$r1"
reap $pid; set +e; wait $pid; rc=$?; set -e
case $rc in 0 | 15 | 124) fail "kill -9 of rank 1: exit $rc (0, MPI's 15, or a hang): $(cat "$W/err")" ;; esac
grep -q "rank 1 .*signal 9" "$W/err" || fail "mpirun does not name the killed rank: $(cat "$W/err")"
"$HERE/../../analysis/gilbench-report" recover "$f" >/dev/null || fail "kill -9 of rank 1: cannot recover the file"
h5check "$f" "len(runs) >= 2" "runs.valid.all()" "set(samples.run_id) == set(runs.run_id)"
echo "mpmd ok"
