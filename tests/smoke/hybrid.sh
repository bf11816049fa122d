#!/usr/bin/env bash
# 2 ranks x 2 threads (hybrid), strong and weak scaling.
source "$(dirname "$0")/common.sh"
mpi 2 "$GB" --count 20000003 --threads 2 --repeat 2 --output "$W/h.h5" >"$W/out" 2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
grep -q '^VALID' "$W/out" && grep -q 'hybrid' "$W/out" || fail "$(cat "$W/out")"
h5check "$W/h.h5" "len(samples) == 3 * 4" "set(zip(samples['rank'], samples.thread)) == {(0,0),(0,1),(1,0),(1,1)}" \
  "samples.groupby('run_id').iterations.sum().eq(20000003).all()" "runs.valid.all()"
mpi 2 "$GB" --count 1M --threads 2 --scaling weak --repeat 1 --warmup 0 --output "$W/w.h5" >"$W/out" 2>"$W/err" \
  || fail "weak rc=$?: $(cat "$W/err")"
h5check "$W/w.h5" "(samples.iterations == 1_000_000).all()" "(runs['count'] == 4_000_000).all()" "(runs.scaling == 'weak').all()"
echo "hybrid smoke ok"
