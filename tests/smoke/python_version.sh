#!/usr/bin/env bash
# --kernel python with one pyenv CPython ($1: a python executable or libpython*.so): VALID sums
# on 1 and 2 threads, the version and its interval recorded; version-specific refusals (2.7:
# --switch-interval and --interpreters 2; 3.x: --check-interval).
source "$(dirname "$0")/common.sh"
P=${1:?usage: python_version.sh PYTHON}
"$GB" --kernel python --python "$P" --count 300k --threads 1,2 --repeat 1 --warmup 0 -o "$W/v.h5" >"$W/out" \
  2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
grep -q '^VALID' "$W/out" || fail "no VALID: $(cat "$W/out")"
major=$("$PY" -c 'import h5py,sys; print(h5py.File(sys.argv[1])["launches"]["python_version"][0].decode()[0])' "$W/v.h5")
h5check "$W/v.h5" "runs.valid.all()" "samples.groupby('run_id').iterations.sum().tolist() == [300000, 300000]"
if [ "$major" = 2 ]; then
  h5check "$W/v.h5" "(runs.check_interval == 100).all()" "(runs.switch_interval_s == 0).all()"
  bad="--switch-interval 1ms"
  # a 2.7 in the launch: the legacy-gil emulation's tick is CPython's measured one (3 ticks an iteration)
  "$GB" --kernel native,python --python "$P" --lock legacy-gil --count 300k --threads 1 --repeat 1 --warmup 0 \
    -o "$W/t.h5" >"$W/out" 2>"$W/err" || fail "native,python rc=$?: $(cat "$W/err")"
  grep -q 'per CPython tick (measured 2.7)' "$W/err" || fail "header lacks the measured tick: $(cat "$W/err")"
  h5check "$W/t.h5" "list(launches.tick_source) == ['measured 2.7']" "launches.python_rate.iloc[0] > 0" \
    "abs(launches.tick_s.iloc[0] * 3 * launches.python_rate.iloc[0] - 1) < 1e-12" \
    "launches.tick_iterations.iloc[0] == max(1, round(launches.tick_s.iloc[0] * launches.native_rate.iloc[0]))" \
    "set(runs[runs.kernel == 'native'].tick_iterations) == {launches.tick_iterations.iloc[0]}"
else
  h5check "$W/v.h5" "abs(runs.switch_interval_s - 0.005).max() < 1e-12" "(runs.check_interval == 0).all()"
  bad="--check-interval 50"
fi
# --probe latency: the probe thread takes this version's real GIL per event (2.7: PyEval_RestoreThread
# of its old GIL), every event sent in /latency once
"$GB" --kernel python --python "$P" --count 2M --threads 1,2 --probe latency:2ms --repeat 1 --warmup 0 -o "$W/p.h5" \
  >"$W/out" 2>"$W/err" || fail "--probe rc=$?: $(cat "$W/err")"
h5check "$W/p.h5" "runs.valid.all()" "len(latency) > 0" "set(latency.run_id) == set(runs.run_id)" \
  "all(sorted(g.event) == list(range(len(g))) for _, g in latency.groupby(['run_id', 'rank']))" \
  "(latency.latency_s > 0).all()"
refusals=("$bad")
# before 3.12 no interpreter has a GIL of its own: --interpreters > 1 is refused, naming the version
[ "$major" = 2 ] && refusals+=("--interpreters 2 --threads 2")
for args in "${refusals[@]}"; do
  set +e; "$GB" --kernel python --python "$P" $args --count 1000 -o "$W/x.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
  [ $rc = 2 ] && [ "$(wc -l <"$W/err")" = 1 ] && [ ! -e "$W/x.h5" ] || fail "'$args' on $P: exit $rc: $(cat "$W/err")"
  [[ "$args" != --interpreters* ]] || grep -q -- '--interpreters 2: .* not CPython 2\.7' "$W/err" \
    || fail "'$args' on $P: $(cat "$W/err")"
done
echo "python $P ok"
