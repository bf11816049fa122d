#!/usr/bin/env bash
# SIGTERM during a sweep: the repetition in flight finishes, what is done is written, exit 5.
# Directly with SIGTERM; through mpirun with SIGUSR1 (mpirun forwards USR1 to every rank, while
# it turns TERM into a kill of the job after 1 s); and mpirun + TERM must still leave a good file.
source "$(dirname "$0")/common.sh"
for launcher in direct mpirun mpirun-term; do
  f="$W/$launcher.h5"
  if [ $launcher = direct ]; then
    "$GB" --count 50M --threads 1,2 --repeat 1000 --output "$f" >"$W/out" 2>"$W/err" & pid=$!
  else
    # mpiexec itself in the background (not a shell function: its subshell would take the signal)
    "$MPIEXEC" -n 2 --oversubscribe --bind-to none "$GB" --count 50M --repeat 1000 --output "$f" >"$W/out" 2>"$W/err" &
    pid=$!
  fi
  n=0; for _ in $(seq 600); do n=$(rows "$f"); [ "$n" -ge 4 ] && break; sleep 0.1; done
  [ "$n" -ge 4 ] || { kill -9 $pid; fail "$launcher: no rounds written in 60 s"; }
  if [ $launcher = mpirun ]; then kill -USR1 $pid; else kill -TERM $pid; fi
  set +e; wait $pid; rc=$?; set -e
  # every rank exits 5; mpirun itself reports its own code for a signalled job (non-zero)
  if [ $launcher = mpirun-term ]; then want="[1-9]*"; else want=5; fi
  # shellcheck disable=SC2053
  [[ "$rc" == $want ]] || fail "$launcher: exit code $rc after SIGTERM, expected $want: $(tail -n 3 "$W/err")"
  if [ $launcher = mpirun-term ]; then  # killed by mpirun (maybe mid-append): recovered, every round before kept
    "$HERE/../../analysis/gilbench-report" recover "$f" >/dev/null || fail "$launcher: cannot recover the file"
    h5check "$f" "len(runs) >= 4" "runs.valid.all()" "set(samples.run_id) == set(runs.run_id)"
    continue
  fi
  grep -q "interrupted" "$W/err" || fail "$launcher: no interruption message"
  grep -q '^VALID' "$W/out" || fail "$launcher: no VALID line for the saved runs"
  h5check "$f" "len(runs) >= 4" "len(runs) < 2000" "runs.valid.all()" "launches.exit_status[0] == 'interrupted'" \
    "set(samples.run_id) == set(runs.run_id)"
  # closed and plain: h5dump opens it as is, no journal of an append left
  h5dump -H "$f" >/dev/null || fail "$launcher: h5dump cannot open the file after the signal"
  [ ! -e "$f.journal" ] || fail "$launcher: journal left after the signal"
done

# A signal during start-up (parsing, MPI_Init: the first ~0.3 s) is not fatal either: the first
# run is saved and the exit is 5, never the default action's 143. The signal goes the moment the
# process catches SIGTERM (its first statement; before it only the loader runs, which a loaded
# machine can stretch past any fixed delay), or 0.15 s later, in the middle of MPI_Init.
catches_term() { local m; m=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
                 [ -n "$m" ] && (( (16#$m >> 14) & 1 )); }
for delay in 0 0.15; do
  f="$W/early-$delay.h5"
  "$GB" --count 20M --repeat 1000 --output "$f" >"$W/out" 2>"$W/err" & pid=$!
  for _ in $(seq 2000); do catches_term $pid && break; sleep 0.005; done
  sleep "$delay"; kill -TERM $pid
  set +e; wait $pid; rc=$?; set -e
  [ "$rc" = 5 ] || fail "SIGTERM ${delay}s after the handler was installed: exit $rc, expected 5: $(tail -n 2 "$W/err")"
  h5check "$f" "len(runs) >= 1" "launches.exit_status[0] == 'interrupted'"
done
echo "sigterm ok"
