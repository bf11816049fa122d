#!/usr/bin/env bash
# Hostile results files and unlucky file systems: every refusal is exit 4 with one line naming
# the file or the cause, the file untouched, and nothing of gilbench's (.lock, .journal,
# .journal.new, a partial file, a core dump) left behind. Some cases need root (chown, mount,
# running as nobody): this suite runs as root in CI.
source "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || { echo "hostile files: skipped (needs root)"; exit 0; }
chmod 0711 "$W"  # nobody may pass through to the directories made for it below
run() { "$GB" --count 1M --repeat "${R:-1}" --warmup 0 -q "$@"; }  # R=N run ...: N rounds
fresh() { rm -f "$1"; run --output "$1" >/dev/null 2>&1 || fail "setup run for $1 failed"; }
launches() { "$PY" -c "import h5py,sys; print(h5py.File(sys.argv[1],'r')['launches'].shape[0])" "$1"; }
listing() { ls -A "$1" | grep -v -x -e out -e err || true; }  # a directory's names but the test's own logs
# refused DIR FILE PATTERN ARGS...: exit 4, one line matching PATTERN, FILE unchanged, DIR as before
refused() {
  local dir=$1 file=$2 pattern=$3; shift 3
  local before sum=absent
  before=$(listing "$dir")
  [ -e "$file" ] && sum=$(sha256sum <"$file")
  set +e; "$@" >"$W/out" 2>"$W/err"; local rc=$?; set -e
  [ "$rc" = 4 ] || fail "'$*' exited $rc, expected 4: $(cat "$W/err")"
  [ "$(wc -l <"$W/err")" = 1 ] || fail "'$*' printed $(wc -l <"$W/err") lines on stderr: $(cat "$W/err")"
  grep -q -- "$pattern" "$W/err" || fail "'$*' does not say '$pattern': $(cat "$W/err")"
  grep -q "MPI_ABORT" "$W/err" && fail "'$*': MPI_Abort banner"
  if [ "$sum" = absent ]; then [ ! -e "$file" ] || fail "'$*' left $file behind"
  else [ "$(sha256sum <"$file")" = "$sum" ] || fail "'$*' modified $file"; fi
  [ "$(listing "$dir")" = "$before" ] || fail "'$*' left files behind: $(listing "$dir")"
}

# --- 2. files that crash libhdf5 (flipped bytes in the object headers of a fresh file): the
# checks run in a child process, so the crash is one line naming the file. Recipes: offset,
# original byte, new byte (each SIGSEGV'd gilbench before, in H5T__bit_set or H5Dwrite). The
# exact member-type check now refuses these before the trial append that crashed runs; either
# way the answer is exit 4 naming the file (the crash path itself: Isolated.* unit tests).
fresh "$W/good.h5"
for recipe in 1213:2:253 1274:64:191 1402:64:191; do  # 1213: the second byte of /launches' compound size
  IFS=: read -r off orig new <<<"$recipe"
  cp "$W/good.h5" "$W/crash.h5"
  "$PY" - "$W/crash.h5" "$off" "$orig" "$new" <<'PY'
import sys
path, off, orig, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(path, "r+b") as f:
    f.seek(off)
    got = f.read(1)[0]
    if got != orig:
        sys.exit(f"recipe outdated: byte {off} of a fresh file is {got}, not {orig} (the layout changed)")
    f.seek(off)
    f.write(bytes([new]))
PY
  refused "$W" "$W/crash.h5" 'crash.h5: \(libhdf5 crashed reading it\|/.* is not of its declared type\)' run --output "$W/crash.h5"
done
# a sample of flips across the metadata: exit 0 (harmless) or 4 (one line, file untouched), never a signal
for off in 0 8 13 30 44 60 96 136 200 300 400 520 700 800 900 1000 1100 1150 1200 1213 1250 1272 1300 1350 1400 \
           1450 1500 1600 1800 2000 2400 2800 3200 3600 4000 4381 5000 6000 8000 12000; do
  cp "$W/good.h5" "$W/flip.h5"
  "$PY" -c "import sys; f=open(sys.argv[1],'r+b'); f.seek($off); b=f.read(1)[0]; f.seek($off); f.write(bytes([b^255]))" "$W/flip.h5"
  sum=$(sha256sum <"$W/flip.h5")
  set +e; run --output "$W/flip.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
  case $rc in
    0) ;;
    4) [ "$(wc -l <"$W/err")" = 1 ] && grep -q "flip.h5" "$W/err" || fail "flip at $off: not one line naming the file: $(cat "$W/err")"
       [ "$(sha256sum <"$W/flip.h5")" = "$sum" ] || fail "flip at $off: refused file modified";;
    *) fail "flip at $off: exit $rc: $(cat "$W/err")";;
  esac
  [ -z "$(ls -A "$W" | grep -E '\.(lock|journal)|core')" ] || fail "flip at $off left $(ls -A "$W")"
done

# --- 8. links: a symlinked --output writes its target (lock next to the target), a dangling
# link creates its target, a loop is refused; hard links stay one file; owner, group and
# mode survive an append.
mkdir "$W/links" && cd "$W/links"
fresh target.h5
ln -s target.h5 link.h5
run --output link.h5 >/dev/null 2>"$W/err" || fail "append through a symlink failed: $(cat "$W/err")"
[ -L link.h5 ] || fail "the symlink was replaced"
[ "$(launches target.h5)" = 2 ] || fail "the target did not get the launch"
"$GB" --count 2G --repeat 20 --output "$W/links/link.h5" >/dev/null 2>&1 & pid=$!
for _ in $(seq 600); do [ -e target.h5.lock ] && break; sleep 0.05; done
[ -e target.h5.lock ] || fail "no lock next to the target in 30 s"
[ ! -e link.h5.lock ] || fail "the lock is next to the link"
kill -TERM $pid; wait $pid || true
ln -s "$W/links/new.h5" dangling.h5
run --output dangling.h5 >/dev/null 2>"$W/err" || fail "a dangling link: $(cat "$W/err")"
[ -L dangling.h5 ] && [ -f new.h5 ] && [ ! -L new.h5 ] || fail "a dangling link did not create its target"
[ "$(launches dangling.h5)" = 1 ] || fail "the dangling link's target lacks the launch"
ln -s loop-b.h5 loop-a.h5 && ln -s loop-a.h5 loop-b.h5
refused "$W/links" loop-a.h5 "symlink loop" run --output loop-a.h5
ln target.h5 hard.h5
run --output hard.h5 >/dev/null 2>"$W/err" || fail "append to a hard link failed: $(cat "$W/err")"
[ "$(stat -c %i hard.h5)" = "$(stat -c %i target.h5)" ] || fail "hard links diverged"
[ "$(launches target.h5)" = 4 ] || fail "the hard link's other name lacks the launch"  # +1 from the interrupted one
chown 65534:65534 target.h5 && chmod 0640 target.h5
run --output link.h5 >/dev/null 2>"$W/err" || fail "append to a nobody-owned file failed: $(cat "$W/err")"
[ "$(stat -c '%u:%g %a' target.h5)" = "65534:65534 640" ] || fail "owner/mode changed: $(stat -c '%u:%g %a' target.h5)"
cd "$W"

# --- 9. read-only for the user running gilbench (root ignores modes: run as nobody)
mkdir "$W/nobody" && cp "$W/good.h5" "$W/nobody/ro.h5" && chown -R 65534:65534 "$W/nobody" && chmod 0444 "$W/nobody/ro.h5"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$W/nobody" "$@"; }
# nobody may not reach the build tree (a checkout under /root is 0700): a copy of the binary in $W
install -m 0755 "$GB" "$W/gilbench-as-nobody"
refused "$W/nobody" "$W/nobody/ro.h5" "ro.h5: it is read-only for this user (mode 0444)" as_nobody "$W/gilbench-as-nobody" --count 1M --repeat 1 --warmup 0 --output "$W/nobody/ro.h5"
mkdir "$W/rodir" && chown 65534:65534 "$W/rodir" && chmod 0555 "$W/rodir"
refused "$W/rodir" "$W/rodir/new.h5" "directory $W/rodir is not writable" as_nobody "$W/gilbench-as-nobody" --count 1M --repeat 1 --warmup 0 --output "$W/rodir/new.h5"

# --- 11. held open for writing by another HDF5 process (h5py 'a' takes HDF5's file lock)
cp "$W/good.h5" "$W/held.h5"
"$PY" -c "import h5py,sys,time; f=h5py.File(sys.argv[1],'a'); open(sys.argv[2],'w').close(); time.sleep(60)" "$W/held.h5" "$W/held.ready" & holder=$!
for _ in $(seq 600); do [ -e "$W/held.ready" ] && break; sleep 0.05; done
rm -f "$W/held.ready"
refused "$W" "$W/held.h5" "held.h5 is in use by another process (open for writing elsewhere)" run --output "$W/held.h5"
kill $holder; wait $holder 2>/dev/null || true

# --- 15. attributes and tables of the wrong kind
cp "$W/good.h5" "$W/strver.h5" && "$PY" -c "import h5py,sys; f=h5py.File(sys.argv[1],'a'); v=f.attrs['schema_version']; f.attrs['schema_version']=str(v)" "$W/strver.h5"
refused "$W" "$W/strver.h5" "strver.h5: attribute schema_version is a string, not an integer" run --output "$W/strver.h5"
for v in current 1; do
  cp "$W/good.h5" "$W/flat.h5"
  "$PY" - "$W/flat.h5" "$v" <<'PY'
import h5py, sys
with h5py.File(sys.argv[1], "a") as f:
    del f["runs"]
    f.create_dataset("runs", data=[1, 2, 3])
    if sys.argv[2] != "current":
        f.attrs["schema_version"] = int(sys.argv[2])
PY
  refused "$W" "$W/flat.h5" "flat.h5: /runs is not a table of records (compound)" run --output "$W/flat.h5"
done

# --- 10. a full file system: one line naming it, every round before intact, nothing left on it
full="$W/full"
mkdir "$full" && mount -t tmpfs -o size=2m tmpfs "$full"
trap 'umount "$full" 2>/dev/null; rm -rf "$W"' EXIT
fill() {  # leaves about $1 kB free on $full
  rm -f "$full/filler"
  dd if=/dev/zero of="$full/filler" bs=4k >/dev/null 2>&1 || true
  truncate -s "-$1K" "$full/filler"
}
fresh "$full/r.h5"
fill 8
R=200 refused "$full" "$full/new.h5" "no space left on $full" run --output "$full/new.h5"  # a new file: removed
fill 48
check_full() {  # the file opens, its last launch kept every round it wrote
  "$PY" - "$full/r.h5" "$1" <<'PY' || fail "after a full disk: $(cat "$W/err")"
import h5py, sys
with h5py.File(sys.argv[1], "r") as f:
    launches, runs = f["launches"][()], f["runs"][()]
    last = launches[-1]
    assert len(launches) == int(sys.argv[2]), (len(launches), sys.argv[2])
    n = (runs["launch_id"] == last["launch_id"]).sum()
    assert last["rounds_written"] >= 1 and n == last["rounds_written"], (n, last["rounds_written"])
    assert last["exit_status"] == b"incomplete", last["exit_status"]
PY
}
set +e; R=200 run --output "$full/r.h5" >"$W/out" 2>"$W/err"; rc=$?; set -e
[ "$rc" = 4 ] || fail "a sweep overflowing the disk exited $rc: $(cat "$W/err")"
[ "$(wc -l <"$W/err")" = 1 ] && grep -q "no space left on $full" "$W/err" || fail "full disk not said in one line: $(cat "$W/err")"
check_full 2
[ "$(ls -A "$full" | sort | tr '\n' ' ')" = "filler r.h5 " ] || fail "left on the full disk: $(ls -A "$full")"
fill 48
set +e; mpi 2 -q "$GB" --count 1M --repeat 200 --warmup 0 -q --output "$full/r.h5" >"$W/out" 2>"$W/err"; rc=$?; set -e
[ "$rc" = 4 ] || fail "mpirun: a sweep overflowing the disk exited $rc: $(cat "$W/err")"
grep -q "MPI_ABORT" "$W/err" && fail "mpirun: MPI_Abort banner on a full disk: $(cat "$W/err")"
# (two ranks on a small machine may add the shared-CPU warning)
[ "$(grep -v "gilbench: warning:" "$W/err" | grep -c .)" = 1 ] && grep -q "no space left on $full" "$W/err" ||
  fail "mpirun: full disk not said in one line: $(cat "$W/err")"
check_full 3
[ "$(ls -A "$full" | sort | tr '\n' ' ')" = "filler r.h5 " ] || fail "mpirun: left on the full disk: $(ls -A "$full")"
echo "hostile files ok"
