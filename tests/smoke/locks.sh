#!/usr/bin/env bash
# Lock policies through the real binary: every policy validates, counters land in /samples,
# the trace is bounded, run columns record the parameters; job scope across 2 ranks.
source "$(dirname "$0")/common.sh"
"$GB" --count 200M --threads 1,2 --lock none,gil,legacy-gil --switch-interval 1ms,5ms --check-interval 100 \
  --trace --trace-events 500 --repeat 1 --output "$W/g.h5" >"$W/out" 2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
grep -q 'switches/s' "$W/out" || fail "summary lacks lock columns"
h5check "$W/g.h5" "runs.valid.all()" "set(runs.lock) == {'none', 'gil', 'legacy-gil'}" \
  "set(runs[runs.lock == 'gil'].switch_interval_s) == {0.001, 0.005}" \
  "(runs[runs.lock == 'legacy-gil'].check_interval == 100).all()" "(runs[runs.lock == 'legacy-gil'].tick_iterations > 0).all()" \
  "(runs.lock_scope == 'rank').all()" \
  "(samples.merge(runs, on='run_id').query('lock == \"none\"')[['acquisitions','switches','checks']] == 0).all().all()" \
  "(samples.merge(runs, on='run_id').query('lock != \"none\"').acquisitions > 0).all()" \
  "(lambda s: (s.checks.astype('int64') == s.self_reacquires.astype('int64') + s.handoffs.astype('int64')).all())(samples.merge(runs, on='run_id').query('lock == \"legacy-gil\"'))" \
  "(samples.merge(runs, on='run_id').query('lock == \"gil\" and threads == 2').groupby('run_id').switches.sum() > 0).all()" \
  "len(trace) > 0" "trace.groupby(['run_id', 'thread']).size().max() <= 500" "(trace.t_s >= 0).all()" \
  "list(launches.tick_source) == ['reference']" "abs(launches.tick_s.iloc[0] - 7.5e-9) < 1e-20" "launches.native_rate.iloc[0] > 0" \
  "launches.tick_iterations.iloc[0] == max(1, round(7.5e-9 * launches.native_rate.iloc[0]))" \
  "set(runs[runs.lock == 'legacy-gil'].tick_iterations) == {launches.tick_iterations.iloc[0]}"
grep -q 'legacy-gil: .* iterations per tick: 7.5ns per CPython tick (reference)' "$W/err" \
  || fail "header lacks the tick mapping: $(cat "$W/err")"
# --tick-iterations: the override is in force and recorded as such; no legacy-gil: no mapping
"$GB" --count 20M --threads 1 --lock none,legacy-gil --tick-iterations 7 --repeat 1 --warmup 0 --output "$W/o.h5" \
  >"$W/out" 2>"$W/err" || fail "override rc=$?: $(cat "$W/err")"
"$GB" --count 20M --threads 1 --lock gil --repeat 1 --warmup 0 --output "$W/o.h5" >"$W/out" 2>"$W/err" \
  || fail "gil rc=$?: $(cat "$W/err")"
h5check "$W/o.h5" "list(launches.tick_source) == ['--tick-iterations override', '']" \
  "list(launches.tick_iterations) == [7, 0]" "list(launches.tick_s) == [0.0, 0.0]" "launches.native_rate.iloc[1] == 0" \
  "set(runs[runs.lock == 'legacy-gil'].tick_iterations) == {7}"
# a short switch interval: the poll batch comes from the kernel speed measured at start-up
"$GB" --count 20M --threads 2 --lock gil --switch-interval 50us,5ms --repeat 1 --warmup 0 --output "$W/s.h5" \
  >"$W/out" 2>"$W/err" || fail "short interval rc=$?: $(cat "$W/err")"
batch=$(sed -n 's/.*drop request polled every \([0-9]*\) iterations at 50us (.* per native iteration, measured).*/\1/p' "$W/err")
[ -n "$batch" ] || fail "header lacks the measured poll batch: $(cat "$W/err")"
grep -q 'at 5ms' "$W/err" && fail "a 5ms interval has the capped batch; the header lists it: $(cat "$W/err")"
h5check "$W/s.h5" "runs.valid.all()" "launches.native_rate.iloc[0] > 0" \
  "min(4096, max(1, int(50e-6 * launches.native_rate.iloc[0] / 100))) == $batch"
mpi 2 "$GB" --count 100M --threads 2 --lock gil,legacy-gil --lock-scope job --repeat 1 --warmup 0 --output "$W/j.h5" \
  >"$W/out" 2>"$W/err" || fail "job scope rc=$?: $(cat "$W/err")"
h5check "$W/j.h5" "runs.valid.all()" "(runs.lock_scope == 'job').all()" "list(launches.tick_source) == ['reference']" \
  "set(runs[runs.lock == 'legacy-gil'].tick_iterations) == {launches.tick_iterations.iloc[0]}" \
  "(runs.lock_transport == 'shm').all()" \
  "(samples.merge(runs, on='run_id').groupby('run_id').switches.sum() > 0).all()"
# the message path, forced (as across nodes)
mpi 2 "$GB" --count 100M --threads 2 --lock gil,legacy-gil --lock-scope job --job-lock messages --repeat 1 \
  --warmup 0 --output "$W/m.h5" >"$W/out" 2>"$W/err" || fail "job scope messages rc=$?: $(cat "$W/err")"
h5check "$W/m.h5" "runs.valid.all()" "(runs.lock_transport == 'messages').all()" \
  "(samples.merge(runs, on='run_id').groupby('run_id').switches.sum() > 0).all()"
echo "locks ok"
