#!/usr/bin/env bash
# --kernel python with the default interpreter (Debian's libpython3.11): every worker's Python
# loop counts its share (VALID sums), threads/ranks/hybrid, both kernels in one launch with their
# own N, the interpreter recorded, a Python exception is an INVALID run (never a hang), refusals.
source "$(dirname "$0")/common.sh"
"$GB" --kernel python --count 300k --threads 1,2 --repeat 1 --warmup 0 -o "$W/t.h5" >"$W/out" 2>"$W/err" \
  || fail "threads rc=$?: $(cat "$W/err")"
grep -q '^VALID' "$W/out" || fail "no VALID: $(cat "$W/out")"
grep -q '1x2 python 5ms' "$W/out" || fail "summary label: $(cat "$W/out")"
grep -q "| lock CPython's own GIL |" "$W/err" || fail "header's lock: $(head -n 2 "$W/err")"
h5check "$W/t.h5" "(runs.kernel == 'python').all()" "(runs.lock == 'cpython-gil').all()" "runs.valid.all()" \
  "list(runs['count']) == [300000, 300000]" "abs(runs.switch_interval_s - 0.005).max() < 1e-12" \
  "samples.groupby('run_id').iterations.sum().tolist() == [300000, 300000]" \
  "launches.python_version[0].startswith('3.11')" "launches.python_implementation[0] == 'CPython'" \
  "launches.python_library[0].endswith('libpython3.11.so.1.0')" "launches.os[0].startswith('Linux')" \
  "(samples.ctx_voluntary >= 0).all()"
# the real GIL's switches are not gilbench's to count: no lock columns (as for lock none alone)
! grep -q 'switches/s' "$W/out" || fail "python-only summary shows lock figures: $(cat "$W/out")"
# --bind applies to the interpreter's threads as to the native workers
"$GB" --kernel python --bind cores --count 300k --threads 2 --repeat 1 --warmup 0 -q -o "$W/b2.h5" >/dev/null 2>"$W/err" \
  || fail "--bind cores rc=$?: $(cat "$W/err")"
h5check "$W/b2.h5" "(samples.bound_cpu >= 0).all()" "samples.bound_cpu.nunique() == 2" "runs.bind[0] == 'cores'"
mpi 2 "$GB" --kernel python --count 200001 --threads 1,2 --repeat 1 --warmup 0 -q -o "$W/r.h5" >"$W/out" 2>"$W/err" \
  || fail "ranks rc=$?: $(cat "$W/err")"
h5check "$W/r.h5" "(runs.ranks == 2).all()" "runs.valid.all()" \
  "samples.groupby('run_id').iterations.sum().tolist() == [200001, 200001]" "len(samples) == 2 + 4"
# both kernels in one launch: python's N as given, native's scaled by the measured rates
"$GB" --kernel native,python --count 200k --threads 1 --lock none,gil --repeat 1 --warmup 0 -q -o "$W/b.h5" \
  >"$W/out" 2>"$W/err" || fail "native,python rc=$?: $(cat "$W/err")"
h5check "$W/b.h5" "sorted(set(runs.kernel)) == ['native', 'python']" "runs.valid.all()" \
  "(runs[runs.kernel == 'python']['count'] == 200000).all()" \
  "(runs[runs.kernel == 'native']['count'] > 5 * 200000).all()" \
  "launches.native_rate[0] > launches.python_rate[0] > 0" "launches.python_count[0] == 200000"
# beside an emulated gil the lock columns show, and the python rows have "-" in them
[ "$(awk '$3 == "python" {print $(NF-2), $(NF-1)}' "$W/out" | sort -u)" = "- -" ] \
  || fail "python rows' lock figures: $(cat "$W/out")"
grep -Eq 'gil 5ms .* [0-9.]+(s|ms|us) +yes$' "$W/out" || fail "the gil rows lost their lock figures: $(cat "$W/out")"
# --probe latency: the probe thread takes the real GIL per event; every event sent is in /latency
# once, with the same columns as the native probe's; behind a Python worker it waits (the GIL's
# 5 ms switch interval), alone it does not (a 1x1 run has one worker beside it)
"$GB" --kernel python --count 3M --threads 1,2 --probe latency:2ms --repeat 1 --warmup 0 -o "$W/p.h5" >"$W/out" \
  2>"$W/err" || fail "--probe rc=$?: $(cat "$W/err")"
grep -q 'lat mean  lat median  lat p99' "$W/out" || fail "python summary lacks the latency columns: $(cat "$W/out")"
h5check "$W/p.h5" "runs.valid.all()" "(runs.probe_period_s == 0.002).all()" "abs(runs.probe_work_s - 1.4e-6).max() < 1e-12" \
  "len(latency) > 0" "set(latency.run_id) == set(runs.run_id)" \
  "all(sorted(g.event) == list(range(len(g))) for _, g in latency.groupby(['run_id', 'rank']))" \
  "(latency.latency_s > 0).all()" "np.allclose(latency.eval('wake_s + queue_s - latency_s'), 0, atol=1e-9)" \
  "(latency.merge(runs, on='run_id').eval('acquired_s <= start_s + wall_s + 1')).all()" \
  "latency.merge(runs, on='run_id').groupby('threads').latency_s.median().min() > 1e-3" \
  "launches.python_rate[0] > 0"
# both kernels probed: the pairing shows the latency of both sides
"$GB" --kernel native,python --lock gil --count 1M --threads 1,2 --probe latency:2ms --repeat 1 --warmup 0 \
  -o "$W/pb.h5" >"$W/out" 2>"$W/err" || fail "native,python --probe rc=$?: $(cat "$W/err")"
h5check "$W/pb.h5" "runs.valid.all()" "set(latency.merge(runs, on='run_id').kernel) == {'native', 'python'}"
pairs=$(sed -n '/^emulated vs real/,$p' "$W/out")
grep -Eq 'lat median emu +real +lat p99 emu +real' <<<"$pairs" || fail "pairing lacks the latency columns: $pairs"
# diff, then both medians (the p99s need 100 events a side: "-" in runs this short)
[ "$(grep -cE '^1x[12] gil 5ms +1x[12] python 5ms .* [+-][0-9.]+ +[0-9.]+(s|ms|us) +[0-9.]+(s|ms|us) ' <<<"$pairs")" = 2 ] \
  || fail "pairing rows lack a side's latency median: $pairs"
# ... and gilbench-report's pairing of the same file likewise
rpairs=$("$HERE/../../analysis/gilbench-report" summary "$W/pb.h5" 2>/dev/null | sed -n '/^emulated vs real/,/^$/p')
grep -q 'latency median (emulated) latency median (real)' <<<"$rpairs" || fail "report pairing lacks latency: $rpairs"
[ "$(grep -cE '^ *1x[12] gil 5ms +1x[12] python 5ms .* [+-][0-9.]+ +[0-9.]+ (s|ms|us|µs) +[0-9.]+ (s|ms|us|µs)' <<<"$rpairs")" = 2 ] \
  || fail "report pairing rows lack a side's latency median: $rpairs"
# a Python exception in the kernel: INVALID (exit 3) with the message, nothing hangs
set +e
GILBENCH_TEST_PYTHON_KERNEL=$'def countdown(n):\n    raise ValueError("test hook")\n' timeout 60 \
  "$GB" --kernel python --count 1000 --threads 2 --repeat 1 --warmup 0 -q -o "$W/e.h5" >"$W/out" 2>"$W/err"
rc=$?; set -e
[ $rc = 3 ] || fail "raising kernel: exit $rc: $(cat "$W/err")"
grep -q "ValueError'>: test hook" "$W/err" || fail "raising kernel: no message: $(cat "$W/err")"
grep -q '^INVALID' "$W/out" || fail "raising kernel: no INVALID: $(cat "$W/out")"
# the probe's Python handler raising (the hook defines it before gilbench would): INVALID too
probe_raises=$'def countdown(n):\n    k = n\n    while n > 0:\n        n -= 1\n    return k - n\ndef gilbench_probe_handler(n):\n    raise ValueError("probe hook")\n'
set +e
GILBENCH_TEST_PYTHON_KERNEL=$probe_raises timeout 60 "$GB" --kernel python --count 2M --threads 1 --probe latency:1ms \
  --repeat 1 --warmup 0 -q -o "$W/ph.h5" >"$W/out" 2>"$W/err"
rc=$?; set -e
[ $rc = 3 ] || fail "raising probe handler: exit $rc: $(cat "$W/err")"
grep -q "the latency probe's handler: .*probe hook" "$W/err" || fail "raising probe handler: no message: $(cat "$W/err")"
h5check "$W/ph.h5" "(runs.valid == 0).all()" "(runs.status == 'complete').all()"
# every run (and every chunk of the rate measurement) calls a freshly compiled countdown, as the
# book's script calls its one: CPython 3.11 quickens a code object on its 8th call
fresh=$'def countdown(n, _calls=[]):\n    _calls.append(1)\n    if len(_calls) > 2:\n        raise RuntimeError("countdown reused")\n    k = n\n    while n > 0:\n        n -= 1\n    return k - n\n'
GILBENCH_TEST_PYTHON_KERNEL=$fresh timeout 120 "$GB" --kernel native,python --count 100k --threads 1,2 --repeat 3 \
  --warmup 1 -q -o "$W/f.h5" >"$W/out" 2>"$W/err" || fail "fresh kernel per run: rc=$?: $(cat "$W/err")"
h5check "$W/f.h5" "runs.valid.all()" "(runs.kernel == 'python').sum() == 8"
# refusals: one line, exit 2, no file
for args in "--lock gil" "--lock-scope job" "--trace" "--check-interval 50" "--python /bin/ls" \
  "--python /nonexistent/libpython3.11.so" "--kernel cobol" "--interpreters 2 --threads 2"; do
  set +e; timeout 60 "$GB" --kernel python $args --count 1000 --output "$W/x.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
  [ $rc = 2 ] || fail "'$args' exited $rc: $(cat "$W/err")"
  [ "$(wc -l <"$W/err")" = 1 ] || fail "'$args': $(cat "$W/err")"
  [ ! -e "$W/x.h5" ] || fail "'$args' wrote a file"
done
# --interpreters 2 names the loaded version: Debian's 3.11 has no GIL per interpreter
set +e; "$GB" --kernel python --interpreters 2 --threads 2 --count 1000 -o "$W/x.h5" >/dev/null 2>"$W/err"; set -e
grep -Eq -- '^gilbench: --interpreters 2: .*3\.12 or later, not CPython 3\.11\.[0-9]+$' "$W/err" \
  || fail "--interpreters 2 on 3.11: $(cat "$W/err")"
echo "python kernel ok"
