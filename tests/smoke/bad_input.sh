#!/usr/bin/env bash
# Bad input: one line on stderr, the documented exit code, the results file untouched; under
# mpirun too (no MPI_Abort banner, every rank exits with the code).
source "$(dirname "$0")/common.sh"
"$GB" --count 1M --repeat 1 --warmup 0 --output "$W/r.h5" >/dev/null 2>&1 || fail "setup run failed"
sum=$(sha256sum "$W/r.h5")
expect() {  # expect CODE ARGS...
  local want=$1; shift
  set +e; "$GB" "$@" >"$W/out" 2>"$W/err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want: $(cat "$W/err")"
  [ "$(wc -l <"$W/err")" = 1 ] || fail "'$*' printed $(wc -l <"$W/err") lines on stderr: $(cat "$W/err")"
  [ ! -s "$W/out" ] || fail "'$*' printed on stdout: $(cat "$W/out")"
}
for args in "--count 0" "--count 12Q" "--count -5" "--threads 0" "--threads 4097" "--repeat 0" "--no-such-flag" \
            "--lock bogus" "--switch-interval 0" "--switch-interval -5ms" "--switch-interval soon" "--check-interval 0" \
            "--warmup -1" "--format xml" "--scaling medium" "--lock-scope planet" "--job-lock carrier-pigeon" "--probe latency:100ns" \
            "--count 2^62 --scaling weak --threads 4"; do
  # shellcheck disable=SC2086
  expect 2 $args --output "$W/r.h5"
done
expect 2 --count 1M --output ''
grep -q -- "--output" "$W/err" || fail "an empty --output is not named: $(cat "$W/err")"
GILBENCH_TEST_THREAD_LEVEL=funneled expect 2 --lock gil --lock-scope job --output "$W/r.h5"
grep -q "MPI_THREAD_MULTIPLE" "$W/err" || fail "job scope refusal does not name the thread level: $(cat "$W/err")"
echo "not hdf5" >"$W/foreign.h5"
expect 4 --count 1M --output "$W/foreign.h5"
grep -qx "not hdf5" "$W/foreign.h5" || fail "foreign file modified"
expect 4 --count 1M --output /proc/nope/x.h5
expect 4 --count 1M --output "$W/no/such/dir/x.h5"
"$PY" -c "import h5py,sys; f=h5py.File(sys.argv[1],'w'); f.attrs['producer']='gilbench'; f.attrs['schema_version']=1" "$W/old.h5"
expect 4 --count 1M --output "$W/old.h5"
grep -q "schema version 1" "$W/err" || fail "old schema message unclear: $(cat "$W/err")"
"$PY" -c "import h5py,sys; h5py.File(sys.argv[1],'w').create_dataset('x', data=[1])" "$W/other.h5"
expect 4 --count 1M --output "$W/other.h5"
# a gilbench file missing a table it must have, or with a table of other columns: refused untouched
cp "$W/r.h5" "$W/noruns.h5" && "$PY" -c "import h5py,sys; del h5py.File(sys.argv[1],'a')['runs']" "$W/noruns.h5"
cp "$W/r.h5" "$W/renamed.h5" && "$PY" - "$W/renamed.h5" <<'PY'
import h5py, sys
with h5py.File(sys.argv[1], "a") as f:
    rows = f["samples"][()]
    rows.dtype.names = tuple("wall_x" if n == "wall_s" else n for n in rows.dtype.names)
    del f["samples"]
    f.create_dataset("samples", data=rows, maxshape=(None,), chunks=True)
PY
# same column names and kinds, one member's type differs in a detail (big-endian launch_id): refused
# like a damaged type (a flipped byte in such a detail crashed H5T__conv_i_i)
cp "$W/r.h5" "$W/retyped.h5" && "$PY" - "$W/retyped.h5" <<'PY'
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], "a") as f:
    rows = f["launches"][()]
    dt = np.dtype([(n, np.dtype(">i8") if n == "launch_id" else rows.dtype.fields[n][0])
                   for n in rows.dtype.names])
    del f["launches"]
    f.create_dataset("launches", data=rows.astype(dt), maxshape=(None,), chunks=True)
PY
for bad in noruns renamed retyped; do
  before=$(sha256sum "$W/$bad.h5")
  expect 4 --count 1M --output "$W/$bad.h5"
  grep -q "damaged" "$W/err" || fail "$bad: refusal does not say why: $(cat "$W/err")"
  [ "$bad" != renamed ] || grep -q "wall_x" "$W/err" || fail "a renamed column is not named: $(cat "$W/err")"
  [ "$bad" != retyped ] || grep -q "launch_id' is not of its declared type" "$W/err" ||
    fail "a retyped column is not named: $(cat "$W/err")"
  [ "$(sha256sum "$W/$bad.h5")" = "$before" ] || fail "$bad: a refused file was modified"
  [ ! -e "$W/$bad.h5.lock" ] && [ ! -e "$W/$bad.h5.journal" ] || fail "$bad: lock or journal left behind"
done
# a second writer while the first holds the lock
"$GB" --count 2G --repeat 20 --output "$W/busy.h5" >/dev/null 2>&1 & pid=$!
for _ in $(seq 600); do [ -e "$W/busy.h5.lock" ] && break; sleep 0.05; done
[ -e "$W/busy.h5.lock" ] || fail "the first writer took no lock in 30 s"
expect 4 --count 1M --output "$W/busy.h5"
grep -q "another gilbench" "$W/err" || fail "no clear message for a locked file: $(cat "$W/err")"
kill -TERM $pid; wait $pid || true
# under mpirun (-q: no launcher notes): every rank leaves with the code, one line, no abort banner
set +e; mpi 2 -q "$GB" --count 12Q --output "$W/r.h5" >"$W/out" 2>"$W/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "mpirun with a bad count exited $rc"
[ "$(grep -c . "$W/err")" = 1 ] || fail "mpirun bad input printed $(wc -l <"$W/err") lines: $(cat "$W/err")"
grep -q "MPI_ABORT" "$W/err" && fail "MPI_Abort banner on bad input"
[ "$(grep -c 'gilbench:' "$W/err")" = 1 ] || fail "error not printed exactly once: $(cat "$W/err")"
# weak scaling whose total overflows only once the ranks are known: refused before any work
set +e; mpi 2 -q "$GB" --count 2^62 --scaling weak --threads 2 --output "$W/r.h5" >"$W/out" 2>"$W/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "mpirun with an overflowing weak total exited $rc: $(cat "$W/err")"
grep -q "overflows 64 bits" "$W/err" || fail "overflowing weak total not explained: $(cat "$W/err")"
[ "$(sha256sum "$W/r.h5")" = "$sum" ] || fail "a rejected run changed the results file"
# --help outside a launcher answers without MPI; under mpirun every rank still starts MPI and
# only rank 0 prints it
"$GB" --help >"$W/out" || fail "--help exited $?"   # to a file: grep -q on a pipe would SIGPIPE it
grep -q -- "--count" "$W/out" || fail "--help lacks --count"
set +e; mpi 2 -q "$GB" --help >"$W/out" 2>"$W/err"; rc=$?; set -e
[ "$rc" = 0 ] || fail "mpirun gilbench --help exited $rc: $(cat "$W/err")"
[ "$(grep -c -- '-n,--count' "$W/out")" = 1 ] || fail "mpirun --help printed the help $(grep -c -- '-n,--count' "$W/out") times"
echo "bad input ok"
