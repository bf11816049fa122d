#!/usr/bin/env bash
# A count that would take more than a day at this machine's rate is warned about before the
# sweep starts (one line on stderr); ordinary counts, and --count auto, are not.
source "$(dirname "$0")/common.sh"
pid=""
trap '[ -z "$pid" ] || kill -KILL $pid 2>/dev/null; rm -rf "$W"' EXIT  # never leave a 2^62 run behind
"$GB" --count 2^62 --repeat 1 --warmup 0 -q --output "$W/long.h5" >/dev/null 2>"$W/err" & pid=$!
for _ in $(seq 600); do grep -q "warning" "$W/err" && break; sleep 0.1; done
kill -KILL $pid; wait $pid 2>/dev/null || true; pid=""  # 2^62 iterations would never end
grep -qE "^gilbench: warning: --count 2\^62 x 1 run would take about [0-9.]+ years at this machine's rate \([0-9.]+[MG] iterations/s per worker; warned above 1 day\)" "$W/err" \
  || fail "no warning for --count 2^62 within 60 s: $(cat "$W/err")"
# weak scaling under mpirun: rank 0 warns once (mpiexec itself in the background: TERM ends its ranks)
"$MPIEXEC" -n 2 --oversubscribe --bind-to none -q "$GB" --count 2^50 --scaling weak --repeat 1 --warmup 0 -q --output "$W/weak.h5" >/dev/null 2>"$W/err" & pid=$!
for _ in $(seq 600); do grep -q "warning" "$W/err" && break; sleep 0.1; done
kill -TERM $pid; wait $pid 2>/dev/null || true; pid=""
[ "$(grep -c "would take about" "$W/err")" = 1 ] || fail "mpirun weak 2^50: not exactly one warning: $(cat "$W/err")"
grep -q -- "--count 2^50 per worker x 1 run" "$W/err" || fail "weak scaling not said: $(cat "$W/err")"
for args in "--count 1M" "--count auto:0.2"; do
  # shellcheck disable=SC2086
  "$GB" $args --repeat 1 --warmup 0 -q --output "$W/short.h5" >/dev/null 2>"$W/err" || fail "$args failed"
  ! grep -q "would take" "$W/err" || fail "$args warned: $(cat "$W/err")"
done
echo "long count ok"
