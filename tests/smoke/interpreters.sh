#!/usr/bin/env bash
# --interpreters K: threads dealt round robin over K locks; never two holders of one
# interpreter's lock, while threads of different interpreters do hold at the same time (checked
# on the lock-event trace); recorded per run and per sample; bad input refused.
source "$(dirname "$0")/common.sh"
"$GB" --count 400M --threads 4 --lock gil --switch-interval 1ms --interpreters 2 --trace --repeat 1 --warmup 0 \
  --output "$W/i.h5" >"$W/out" 2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
grep -q 'gil/2i' "$W/out" || fail "summary does not label interpreters: $(cat "$W/out")"
h5check "$W/i.h5" "(runs.interpreters == 2).all()" "list(samples.interpreter) == [0, 1, 0, 1]" "runs.valid.all()"
"$PY" - "$W/i.h5" <<'PY' || fail "trace check failed"
import sys, h5py, numpy as np, pandas as pd
f = h5py.File(sys.argv[1], "r")
t = pd.DataFrame(f["trace"][()])
names = {v: k for k, v in h5py.check_enum_dtype(f["trace"].dtype["event"]).items()}
t["kind"] = t.event.map(names)
t["interp"] = t.thread % 2
intervals = {0: [], 1: []}
for (interp, thread), g in t.sort_values("t_s").groupby(["interp", "thread"]):
    start = None
    for _, e in g.iterrows():
        if e.kind == "acquire": start = e.t_s
        elif e.kind == "release" and start is not None:
            intervals[interp].append((start, e.t_s, thread)); start = None
for interp, iv in intervals.items():
    iv.sort()
    assert len(iv) > 2, f"interpreter {interp}: only {len(iv)} hold intervals"
    for (a0, a1, ta), (b0, b1, tb) in zip(iv, iv[1:]):
        assert b0 >= a1 - 1e-9, f"interpreter {interp}: threads {ta} and {tb} held its lock together"
overlap = sum(max(0.0, min(a1, b1) - max(a0, b0)) for a0, a1, _ in intervals[0] for b0, b1, _ in intervals[1])
assert overlap > 0, "threads of different interpreters never held their locks at the same time"
print(f"interpreters: {sum(map(len, intervals.values()))} hold intervals, cross-interpreter overlap {overlap:.3f}s")
PY
for args in "--interpreters 0" "--interpreters 3 --threads 2" "--interpreters -1" "--interpreters 2 --threads 1,2"; do
  set +e; "$GB" $args --output "$W/x.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
  [ $rc = 2 ] || fail "'$args' exited $rc"
  [ "$(wc -l <"$W/err")" = 1 ] || fail "'$args': $(cat "$W/err")"
done
echo "interpreters ok"
