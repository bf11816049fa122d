#!/usr/bin/env bash
# 2 ranks x 1 thread (processes): rank 0 alone prints; samples of both ranks reach the file.
source "$(dirname "$0")/common.sh"
mpi 2 "$GB" --count 20M --repeat 2 --output "$W/r.h5" >"$W/out" 2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
[ "$(grep -c '^VALID' "$W/out")" = 1 ] || fail "expected one VALID line (rank 0 only): $(cat "$W/out")"
grep -q 'processes' "$W/out" || fail "summary lacks processes mode"
h5check "$W/r.h5" "(runs.ranks == 2).all()" "len(runs) == 3" "set(samples['rank']) == {0, 1}" \
  "samples.groupby('run_id').iterations.sum().eq(20_000_000).all()" "launches.ranks[0] == 2" "runs.valid.all()"
echo "ranks smoke ok"
