#!/usr/bin/env bash
# --stop-grace: a run in flight when SIGTERM arrives may go on for the grace; past it, it stops at
# its workers' next poll (every policy, `none` included), is saved with runs.status = interrupted
# (valid stays 1: it is no INVALID run) and the launch exits 5 with everything before it saved.
source "$(dirname "$0")/common.sh"
# 200G iterations take a minute or more: a run that stops within seconds was cut short.
BIG=(--count 200G --repeat 1 --warmup 0)

# 1. --stop-grace 0, every policy, two threads: stops at once; an earlier launch's run is kept.
f="$W/zero.h5"
"$GB" --count 20M --repeat 1 --warmup 0 --output "$f" >/dev/null 2>"$W/err" || fail "first launch: $(tail -n 2 "$W/err")"
for lock in none gil legacy-gil; do
  rm -f "$W/err"  # started() must not see the previous launch's header
  "$GB" "${BIG[@]}" --threads 2 --lock "$lock" --stop-grace 0 --output "$f" >"$W/out" 2>"$W/err" & pid=$!
  started "$W/err"
  stop $pid TERM
  [ "$rc" = 5 ] || fail "$lock, --stop-grace 0: exit $rc after SIGTERM, expected 5: $(tail -n 2 "$W/err")"
  [ "$secs" -lt 20 ] || fail "$lock, --stop-grace 0: took ${secs}s to stop (the run was not cut short)"
  grep -q '1 run interrupted after --stop-grace' "$W/err" || fail "$lock: no interruption note: $(tail -n 2 "$W/err")"
  grep -q '^VALID: 0 runs' "$W/out" || fail "$lock: an interrupted run is neither VALID measurement nor INVALID: $(head -n 1 "$W/out")"
  id=$("$PY" -c "import h5py,sys; print(h5py.File(sys.argv[1],'r')['runs']['run_id'][-1])" "$f")
  h5check "$f" "runs.status[runs.run_id == $id].tolist() == ['interrupted']" \
    "runs.valid[runs.run_id == $id].tolist() == [1]" "runs.lock[runs.run_id == $id].tolist() == ['$lock']" \
    "len(samples[samples.run_id == $id]) == 2" "samples.iterations[samples.run_id == $id].sum() < 200e9" \
    "(samples.iterations[samples.run_id == $id] <= 100e9).all()" \
    "launches.exit_status.iloc[-1] == 'interrupted'" \
    "runs.status.iloc[0] == 'complete'" "runs['count'].iloc[0] == 20e6" "runs.valid.all()" \
    "samples.iterations[samples.run_id == runs.run_id.iloc[0]].sum() == 20e6"
done
h5check "$f" "len(runs) == 4" "len(launches) == 4" "(runs.status == 'interrupted').sum() == 3"

# 2. The default grace (30 s): a short run in flight finishes normally, then the launch stops.
f="$W/default.h5"
rm -f "$W/err"  # started() must not see the previous launch's header
"$GB" --count 2G --repeat 3 --warmup 0 --output "$f" >"$W/out" 2>"$W/err" & pid=$!
started "$W/err"
stop $pid TERM
[ "$rc" = 5 ] || fail "default grace: exit $rc, expected 5: $(tail -n 2 "$W/err")"
grep -q '^VALID: [1-9]' "$W/out" || fail "default grace: no VALID run: $(head -n 1 "$W/out")"
h5check "$f" "len(runs) >= 1" "(runs.status == 'complete').all()" "runs.valid.all()" \
  "samples.groupby('run_id').iterations.sum().eq(2e9).all()" "launches.exit_status[0] == 'interrupted'"

# 3. A grace shorter than the run: at least the grace, then stopped; a second signal: at once.
f="$W/grace.h5"
rm -f "$W/err"  # started() must not see the previous launch's header
"$GB" "${BIG[@]}" --lock gil --stop-grace 1s --output "$f" >/dev/null 2>"$W/err" & pid=$!
started "$W/err"
t0=$(date +%s%N)
stop $pid TERM
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 5 ] || fail "--stop-grace 1s: exit $rc: $(tail -n 2 "$W/err")"
[ "$ms" -ge 1000 ] || fail "--stop-grace 1s: stopped after ${ms} ms, before the grace was over"
h5check "$f" "runs.status.tolist() == ['interrupted']" "runs.valid.tolist() == [1]"
f="$W/twice.h5"
rm -f "$W/err"  # started() must not see the previous launch's header
"$GB" "${BIG[@]}" --output "$f" >/dev/null 2>"$W/err" & pid=$!
started "$W/err"
stop $pid TERM TERM
[ "$rc" = 5 ] || fail "two SIGTERMs: exit $rc: $(tail -n 2 "$W/err")"
h5check "$f" "runs.status.tolist() == ['interrupted']" "runs.valid.tolist() == [1]"

# 4. Many short runs, --stop-grace 0: every finished run saved and complete, at most the last cut.
f="$W/many.h5"
rm -f "$W/err"  # started() must not see the previous launch's header
"$GB" --count 50M --threads 1,2 --repeat 1000 --stop-grace 0 --output "$f" >"$W/out" 2>"$W/err" & pid=$!
n=0; for _ in $(seq 600); do n=$(rows "$f"); [ "$n" -ge 4 ] && break; sleep 0.1; done
[ "$n" -ge 4 ] || { kill -9 $pid; fail "many: no rounds written in 60 s"; }
stop $pid TERM
[ "$rc" = 5 ] || fail "many: exit $rc: $(tail -n 2 "$W/err")"
h5check "$f" "len(runs) >= 4" "runs.valid.all()" "(runs.status.iloc[:-1] == 'complete').all()" \
  "runs.status.iloc[-1] in ('complete', 'interrupted')" "set(samples.run_id) == set(runs.run_id)"

# 5. Through mpirun (USR1 reaches every rank), rank and job scope: every rank stops.
for scope in rank job; do
  f="$W/mpi-$scope.h5"
  rm -f "$W/err"  # started() must not see the previous launch's header
  "$MPIEXEC" -n 2 --oversubscribe --bind-to none "$GB" "${BIG[@]}" --lock gil --lock-scope $scope --stop-grace 0 \
    --output "$f" >"$W/out" 2>"$W/err" &
  pid=$!
  started "$W/err"
  stop $pid USR1
  [ "$rc" = 5 ] || fail "mpirun, $scope scope: exit $rc after USR1: $(tail -n 3 "$W/err")"
  [ "$secs" -lt 30 ] || fail "mpirun, $scope scope: took ${secs}s to stop"
  h5check "$f" "runs.status.tolist() == ['interrupted']" "runs.valid.tolist() == [1]" "len(samples) == 2" \
    "runs.ranks.tolist() == [2]"
done
echo "grace ok"
