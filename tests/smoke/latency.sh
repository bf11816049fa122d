#!/usr/bin/env bash
# --probe latency: one probe per rank; every event sent is in /latency exactly once; latency
# positive and bounded by the run; per policy and with 2 ranks; bad probe input refused.
source "$(dirname "$0")/common.sh"
"$GB" --count 300M --threads 1 --lock none,gil,legacy-gil --switch-interval 2ms --probe latency:3ms --repeat 2 \
  --output "$W/l.h5" >"$W/out" 2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
grep -q 'lat mean  lat median  lat p99' "$W/out" || fail "summary lacks the latency columns: $(cat "$W/out")"
h5check "$W/l.h5" "f.attrs['schema_version'] >= 3" "len(f['latency']) > 0" "runs.valid.all()" \
  "(runs.probe_period_s == 0.003).all()" \
  "all(sorted(g.event) == list(range(len(g))) for _, g in pd.DataFrame(f['latency'][()]).groupby(['run_id','rank']))" \
  "(pd.DataFrame(f['latency'][()]).latency_s > 0).all()" \
  "(pd.DataFrame(f['latency'][()]).merge(runs, on='run_id').eval('acquired_s <= start_s + wall_s + 1')).all()" \
  "np.allclose(pd.DataFrame(f['latency'][()]).eval('wake_s + queue_s - latency_s'), 0, atol=1e-9)" \
  "(runs.cpu_s > 0).all()"
mpi 2 "$GB" --count 100M --threads 1 --lock gil --probe latency:5ms --repeat 1 --warmup 0 --output "$W/m.h5" >/dev/null 2>"$W/err" \
  || fail "2 ranks: $(cat "$W/err")"
h5check "$W/m.h5" "set(latency['rank']) == {0, 1}"
for args in "--probe latency:0" "--probe latency:-1ms" "--probe latency:" "--probe lag" "--probe latency --lock-scope job"; do
  set +e; "$GB" $args --output "$W/l.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
  [ $rc = 2 ] || fail "'$args' exited $rc"
  [ "$(wc -l <"$W/err")" = 1 ] || fail "'$args': $(cat "$W/err")"
done
echo "latency ok"
