#!/usr/bin/env bash
# kill -9 at every fault point of an append (GILBENCH_FAULT, no sleeps; see
# src/results/undo_journal.hpp): every round before is kept, at most the one in flight is lost,
# and the next open rolls the file back by itself, whoever opens it: the next gilbench, a
# gilbench-report command, or `gilbench-report recover` (then plain h5py and h5dump). Nothing of
# the append (journal, temporary) is left; FILE.lock goes with the next clean launch. An append
# that fails (an HDF5 error) leaves the file byte for byte as it was.
source "$(dirname "$0")/common.sh"
REPORT="$HERE/../../analysis/gilbench-report"
leftovers() { ls -a "$W" | grep -E "^\.?$(basename "$1")\.(journal|tmp)" || true; }
for point in written journaled applying applied committed; do
  for opener in gilbench summary recover; do
    f="$W/k-$point-$opener.h5"
    set +e
    GILBENCH_FAULT="$point:3" "$GB" --count 1M --threads 1,2 --repeat 4 --warmup 0 --output "$f" >/dev/null 2>&1
    rc=$?
    set -e
    [ "$rc" = 137 ] || fail "$point: expected death by SIGKILL (137), got $rc"
    want=4; [ "$point" = committed ] && want=6   # 2 configurations a round
    if [ "$point" = committed ]; then
      [ -z "$(leftovers "$f")" ] || fail "$point: $(leftovers "$f") left after a complete append"
    else
      [ -e "$f.journal" ] || fail "$point: no journal of the interrupted append"
    fi
    case $opener in
      gilbench)
        "$GB" --count 1M --repeat 1 --warmup 0 --output "$f" >/dev/null 2>&1 || fail "$point: cannot append after the crash"
        want=$((want + 1))
        [ ! -e "$f.lock" ] || fail "$point: lock file left after a clean launch" ;;
      summary)
        "$REPORT" summary "$f" >/dev/null || fail "$point: gilbench-report cannot read the file after the crash" ;;
      recover)
        "$REPORT" recover "$f" >/dev/null || fail "$point: gilbench-report recover failed" ;;
    esac
    [ -z "$(leftovers "$f")" ] || fail "$point/$opener: $(leftovers "$f") left after the recovery"
    h5dump -H "$f" >/dev/null || fail "$point/$opener: h5dump cannot open the recovered file"
    h5check "$f" "len(runs) == $want" "runs.valid.all()" "set(samples.run_id) == set(runs.run_id)" \
      "len(launches) == (2 if '$opener' == 'gilbench' else 1)"
  done
done
# the first append killed: no file at all once recovered (nothing finished was lost)
set +e; GILBENCH_FAULT="written:1" "$GB" --count 1M --repeat 1 --warmup 0 --output "$W/first.h5" >/dev/null 2>&1; set -e
"$REPORT" recover "$W/first.h5" >/dev/null || fail "cannot recover a killed first append"
[ ! -e "$W/first.h5" ] || fail "first-append crash left a file"
[ -z "$(leftovers "$W/first.h5")" ] || fail "first-append crash left $(leftovers "$W/first.h5")"
# a clean end leaves a plain file and nothing else
"$GB" --count 1M --threads 1,2 --repeat 2 --warmup 0 --output "$W/clean.h5" >/dev/null 2>&1 || fail "clean launch"
[ "$(ls -a "$W" | grep -c '^clean\.h5')" = 1 ] || fail "a clean launch left $(ls -a "$W" | grep '^clean\.h5')"
h5dump -H "$W/clean.h5" >/dev/null || fail "h5dump cannot open a cleanly closed file"
h5check "$W/clean.h5" "len(runs) == 4"
# an append that fails half-way (here: /trace is not a table of lock events) leaves the file as it was
"$PY" -c "import h5py, numpy; h5py.File('$W/clean.h5', 'a').create_dataset('trace', data=numpy.zeros(3))"
before=$(md5sum <"$W/clean.h5")
set +e; "$GB" --count 100M --threads 2 --lock gil --trace --repeat 1 --warmup 0 -q --output "$W/clean.h5" >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 4 ] || fail "an append into a broken /trace: exit $rc, expected 4"
[ "$(md5sum <"$W/clean.h5")" = "$before" ] || fail "a failed append changed the file"
[ ! -e "$W/clean.h5.journal" ] || fail "a failed append left its journal"
echo "kill -9 ok"
