#!/usr/bin/env bash
# 16 oversubscribed ranks x 2 threads: still valid, every worker sampled, the warning given once.
source "$(dirname "$0")/common.sh"
mpi 16 "$GB" --count 32M --threads 2 --repeat 2 --output "$W/s.h5" >"$W/out" 2>"$W/err" || fail "rc=$?: $(tail -n 3 "$W/err")"
grep -q '^VALID' "$W/out" || fail "not VALID"
[ "$(grep -c 'oversubscribed' "$W/err")" = 1 ] || fail "oversubscription warning not given exactly once: $(cat "$W/err")"
h5check "$W/s.h5" "len(runs) == 3" "len(samples) == 3 * 32" "runs.oversubscribed.all()" "launches.oversubscribed[0] == 1" \
  "samples.groupby('run_id').iterations.sum().eq(32_000_000).all()" "samples.groupby('run_id')['rank'].nunique().eq(16).all()"
echo "scale ok"
