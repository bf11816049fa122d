#!/usr/bin/env bash
# gilbench's own FILE.h5.lock: a lock held by another process is "another gilbench is writing …
# (lock … is held)", exit 4, the held lock file left alone; GILBENCH_LOCKING=none writes without
# it (warned); a bad GILBENCH_LOCKING is exit 4 naming the variable. (The "flock unsupported"
# errnos are injected in the unit tests: tests/unit/file_lock_test.cpp.)
source "$(dirname "$0")/common.sh"
RUN=(--count 1M --repeat 1 --warmup 0 -q)
exec 9>"$W/r.h5.lock"
flock -x 9
set +e; "$GB" "${RUN[@]}" -o "$W/r.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
[ "$rc" = 4 ] || fail "held lock: exit $rc, expected 4: $(cat "$W/err")"
grep -q "another gilbench is writing $W/r.h5 (lock $W/r.h5.lock is held)" "$W/err" || fail "held lock message: $(cat "$W/err")"
[ -e "$W/r.h5.lock" ] || fail "the held lock file was removed"
grep -qi "support" "$W/err" && fail "a held lock called unsupported: $(cat "$W/err")"
GILBENCH_LOCKING=none "$GB" "${RUN[@]}" -o "$W/n.h5" >/dev/null 2>"$W/err" || fail "GILBENCH_LOCKING=none failed: $(cat "$W/err")"
grep -q "warning: GILBENCH_LOCKING=none" "$W/err" || fail "GILBENCH_LOCKING=none without a warning: $(cat "$W/err")"
h5check "$W/n.h5" "len(runs) == 1" "runs.valid.all()"
set +e; GILBENCH_LOCKING=posix "$GB" "${RUN[@]}" -o "$W/p.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
[ "$rc" = 4 ] && grep -q "GILBENCH_LOCKING=posix" "$W/err" || fail "bad GILBENCH_LOCKING: exit $rc: $(cat "$W/err")"
echo "held lock: exit 4, named; GILBENCH_LOCKING=none writes with a warning; a bad value refused"
