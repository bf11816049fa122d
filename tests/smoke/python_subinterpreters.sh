#!/usr/bin/env bash
# --interpreters K with --kernel python on a CPython 3.12+ ($1: a python executable or
# libpython*.so): the main interpreter and K-1 subinterpreters with their own GIL, thread t in
# interpreter t % K; VALID sums, the interpreter recorded per run and per sample; both kernels in
# one launch (native: K emulated locks). That they run bytecode at the same time is proven by the
# rendezvous tests (tests/python/rendezvous_test.cpp), not here: no timing is asserted.
source "$(dirname "$0")/common.sh"
P=${1:?usage: python_subinterpreters.sh PYTHON}
"$GB" --kernel python --python "$P" --count 300001 --threads 2 --interpreters 2 --repeat 2 --warmup 1 \
  -o "$W/s.h5" >"$W/out" 2>"$W/err" || fail "threads 2 rc=$?: $(cat "$W/err")"
grep -q '^VALID' "$W/out" || fail "no VALID: $(cat "$W/out")"
h5check "$W/s.h5" "(runs.kernel == 'python').all()" "(runs.interpreters == 2).all()" "runs.valid.all()" \
  "len(runs) == 3" "(samples.groupby('run_id').iterations.sum() == 300001).all()" \
  "samples.groupby('run_id').interpreter.apply(list).tolist() == [[0, 1]] * 3" \
  "abs(runs.switch_interval_s - 0.005).max() < 1e-12"
# 4 threads over 3 interpreters (thread 3 shares the main one's GIL), a switch interval list
"$GB" --kernel python --python "$P" --count 200k --threads 3,4 --interpreters 3 --switch-interval 1ms,5ms \
  --repeat 1 --warmup 0 -q -o "$W/t.h5" >"$W/out" 2>"$W/err" || fail "threads 3,4 rc=$?: $(cat "$W/err")"
h5check "$W/t.h5" "runs.valid.all()" "len(runs) == 4" "(runs.interpreters == 3).all()" \
  "(samples.groupby('run_id').iterations.sum() == 200000).all()" \
  "(samples.interpreter == samples.thread % 3).all()" \
  "sorted(round(v * 1e3, 6) for v in runs.switch_interval_s) == [1, 1, 5, 5]"
# both kernels: native runs on 2 emulated locks, python runs on 2 real GILs
"$GB" --kernel native,python --python "$P" --lock gil --count 200k --threads 2 --interpreters 2 --repeat 1 \
  --warmup 0 -q -o "$W/b.h5" >"$W/out" 2>"$W/err" || fail "native,python rc=$?: $(cat "$W/err")"
h5check "$W/b.h5" "sorted(set(runs.kernel)) == ['native', 'python']" "runs.valid.all()" \
  "(runs.interpreters == 2).all()" "list(samples.interpreter) == [0, 1, 0, 1]" \
  "(runs[runs.kernel == 'python']['count'] == 200000).all()"
# ranks: each rank its own interpreters
mpi 2 "$GB" --kernel python --python "$P" --count 100001 --threads 2 --interpreters 2 --repeat 1 --warmup 0 -q \
  -o "$W/r.h5" >"$W/out" 2>"$W/err" || fail "ranks rc=$?: $(cat "$W/err")"
h5check "$W/r.h5" "runs.valid.all()" "(runs.ranks == 2).all()" "samples.iterations.sum() == 100001" \
  "sorted(zip(samples['rank'], samples.interpreter)) == [(0, 0), (0, 1), (1, 0), (1, 1)]"
# --probe: one more thread of interpreter 0 (the main one), as in the emulation; every event
# handled under the main interpreter's GIL, the run valid
"$GB" --kernel python --python "$P" --count 2M --threads 2 --interpreters 2 --probe latency:2ms --repeat 1 \
  --warmup 0 -q -o "$W/p.h5" >"$W/out" 2>"$W/err" || fail "--probe rc=$?: $(cat "$W/err")"
h5check "$W/p.h5" "runs.valid.all()" "(runs.interpreters == 2).all()" "len(latency) > 0" \
  "sorted(latency.event) == list(range(len(latency)))" "(latency.latency_s > 0).all()"
echo "python subinterpreters $P ok"
