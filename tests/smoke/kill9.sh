#!/usr/bin/env bash
# kill -9 at every risky point of an append (fault injection, no sleeps): the file always opens
# and holds every round finished before the last write.
source "$(dirname "$0")/common.sh"
for point in copied written closed renamed; do
  f="$W/k-$point.h5"
  set +e
  GILBENCH_FAULT="$point:3" "$GB" --count 1M --threads 1,2 --repeat 4 --warmup 0 --output "$f" >/dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" = 137 ] || fail "$point: expected death by SIGKILL (137), got $rc"
  h5dump -H "$f" >/dev/null || fail "$point: h5dump cannot open the file after kill -9"
  want=4; [ "$point" = renamed ] && want=6   # 2 configurations per round
  h5check "$f" "len(runs) == $want" "runs.valid.all()" "len(samples) == ($want // 2) * 3"
  # the next launch cleans up and appends
  "$GB" --count 1M --repeat 1 --warmup 0 --output "$f" >/dev/null 2>&1 || fail "$point: cannot append after the crash"
  h5check "$f" "len(runs) == $want + 1" "len(launches) == 2"
  ls -a "$W" | grep -q "^\.k-$point.h5.tmp" && fail "$point: temporary left behind"
done
# first append killed before the rename: no file at all (nothing finished was lost)
set +e; GILBENCH_FAULT="written:1" "$GB" --count 1M --repeat 1 --warmup 0 --output "$W/first.h5" >/dev/null 2>&1; set -e
[ ! -e "$W/first.h5" ] || h5dump -H "$W/first.h5" >/dev/null || fail "first-append crash left a broken file"
echo "kill -9 ok"
