#!/usr/bin/env bash
# The python kernel (README "Real interpreter", issue 14 "Performance"), three figures in one run:
#   (a) harness overhead: 1x1 `--kernel python` wall time / the same interpreter executable
#       running the same countdown (gilbench's own kernel source) in its own process, same N,
#       interleaved, medians of 5; target <= 1.03;
#   (b) 2 threads under the real GIL: gilbench's 1x2/1x1 ratio beside the standalone
#       interpreter's (threading module, same N, same interval), 3.11 at 5 ms and 1 ms, 2.7 at
#       check 100; target |difference| <= 0.08;
#   (c) emulated vs real from one `--kernel native,python` launch (analysis/gilbench-fidelity):
#       3.11 at 2 and 4 threads x 5 ms, 1 ms, 200 us, target |difference| <= 0.10; 2.7 legacy-gil
#       at check 10, 100, 1000: same ordering of the check intervals on both sides, and both
#       above 1.3x at check 100.
# Not a test: it measures. Run on an idle machine:
#   bash benchmarks/python_kernel.sh [path/to/gilbench]      (N=20M R=5 by default)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
GB=${1:-${GILBENCH:-$HERE/../build/release/bin/gilbench}}
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
PY311=${PY311:-$PYENV_ROOT/versions/3.11.7/bin/python3.11}
PY27=${PY27:-$PYENV_ROOT/versions/2.7.18/bin/python2.7}
N=${N:-20M}; R=${R:-5}
W=$(mktemp -d /tmp/gilbench-pykernel-XXXXXX); trap 'rm -rf "$W"' EXIT
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for exe in "$GB" "$PY311" "$PY27"; do [ -x "$exe" ] || { echo "python_kernel.sh: $exe: not an executable" >&2; exit 2; }; done
NN=$(/usr/bin/python3 -c "import sys; t=sys.argv[1]; f={'k':1e3,'M':1e6,'G':1e9}; print(int(float(t[:-1])*f[t[-1]]) if t[-1] in f else int(t))" "$N")
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg)"
# The host's speed at the start and the end (a VM's host can change it under you): the native
# countdown's time per iteration, median of 3 runs of 1G.
host_speed() {
  "$GB" -q --count 1G --repeat 3 --warmup 0 --format csv --output "$W/host.h5" 2>/dev/null |
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "median_s") c = i } NR == 2 { printf "%.3f ns/iteration", $c }'
  rm -f "$W/host.h5"
}
echo "host: native countdown $(host_speed) at the start"

# The standalone countdown: gilbench's kernel (src/python/interpreter.hpp kCountdownSource),
# sequential, or split over T threads (threading), timed around the loop only. Python 2 and 3.
cat > "$W/standalone.py" <<'PY'
import os, sys, threading, time
clock = getattr(time, "perf_counter", time.time)
# Compiled afresh for every repetition, as gilbench renews its kernel before every run: CPython
# 3.11 quickens a code object on its 8th call, the book's script calls it once.
SOURCE = """
def countdown(n):
    k = n
    while n > 0:
        n -= 1
    return k - n
"""
def fresh_countdown():
    g = {}
    exec(SOURCE, g)
    return g["countdown"]
n, threads, interval, reps = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
pin = len(sys.argv) > 5 and sys.argv[5] == "pin"
if pin:  # ctypes only when pinning: on 2.7 importing it initialises the GIL (PyEval_InitThreads)
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.sysconf("SC_NPROCESSORS_ONLN")))
def pinned(t, fn):
    """Thread t on the t-th allowed CPU, as gilbench --bind auto pins worker t (sched_setaffinity(0): this thread)."""
    def run(*a):
        if pin:
            mask = ctypes.c_ulong(1 << allowed[t % len(allowed)])
            libc.sched_setaffinity(0, ctypes.sizeof(mask), ctypes.byref(mask))
        return fn(*a)
    return run
if interval.endswith("t"):
    sys.setcheckinterval(int(interval[:-1]))
elif interval != "-":
    sys.setswitchinterval(float(interval))
for _ in range(reps):
    countdown = fresh_countdown()
    # 64 live ints during the call, as gilbench holds (src/python/interpreter.cpp,
    # kAllocatorSlack): the loop's ints then do not cycle through a pool without a spare block
    slack = [1000003 + i for i in range(64)]
    if threads == 1:
        pinned(0, lambda: None)()
        t0 = clock(); countdown(n); t = clock() - t0
    else:
        ws = [threading.Thread(target=pinned(i, countdown), args=(n // threads,)) for i in range(threads)]
        t0 = clock()
        for w in ws: w.start()
        for w in ws: w.join()
        t = clock() - t0
    print("%.6f" % t)
PY

# (a) overhead, interleaved: one standalone run, one gilbench launch (1 warm-up + 1 run), x R;
# like for like: gilbench pins its worker (--bind auto) and the standalone pins its thread the same
# way; the unpinned pair (--bind none, no pinning) is printed beside it.
for i in $(seq "$R"); do
  "$PY311" "$W/standalone.py" "$NN" 1 - 1 pin >> "$W/a-standalone.txt"
  "$GB" -q --kernel python --python "$PY311" --count "$N" --threads 1 --repeat 1 --warmup 1 --output "$W/a.h5" >/dev/null
  "$PY311" "$W/standalone.py" "$NN" 1 - 1 >> "$W/a-standalone-free.txt"
  "$GB" -q --kernel python --python "$PY311" --count "$N" --threads 1 --repeat 1 --warmup 1 --bind none \
    --output "$W/a-free.h5" >/dev/null
done
# (b) 2 threads: the standalone interpreter beside gilbench, pinned alike (thread t on the t-th
# allowed CPU) and, as a second row, unpinned alike; interleaved: each of the R rounds runs one
# standalone 1-thread and one 2-thread process per interval and one gilbench launch (1 warm-up
# + 1 run of each configuration, appended to one file), so drift of the machine lands on both
# sides and on both thread counts alike.
for i in $(seq "$R"); do
  for b in pin free; do
    for si in 0.005 0.001; do
      "$PY311" "$W/standalone.py" "$NN" 1 "$si" 1 "$b" >> "$W/b-311-$si-$b-1.txt"
      "$PY311" "$W/standalone.py" "$NN" 2 "$si" 1 "$b" >> "$W/b-311-$si-$b-2.txt"
    done
    "$PY27" "$W/standalone.py" "$NN" 1 100t 1 "$b" >> "$W/b-27-$b-1.txt"
    "$PY27" "$W/standalone.py" "$NN" 2 100t 1 "$b" >> "$W/b-27-$b-2.txt"
  done
  for b in auto none; do
    "$GB" -q --kernel python --python "$PY311" --count "$N" --threads 1,2 --switch-interval 5ms,1ms --repeat 1 \
      --bind "$b" --output "$W/b-311-$b.h5" >/dev/null
    "$GB" -q --kernel python --python "$PY27" --count "$N" --threads 1,2 --check-interval 100 --repeat 1 \
      --bind "$b" --output "$W/b-27-$b.h5" >/dev/null
  done
done
# (c) emulated vs real, one native,python launch per interpreter (the fidelity tool).
/usr/bin/python3 "$HERE/../analysis/gilbench-fidelity" --throughput --gilbench "$GB" --python3 "$PY311" \
  --python2 "$PY27" --count "$N" --repeat "$R" --threads 2,4 --processes= --switch-intervals 0.005,0.001,0.0002 \
  --check-intervals 10,100,1000 --json "$W/c.json" > "$W/c.txt" 2> "$W/c.err" || { cat "$W/c.txt" "$W/c.err"; exit 1; }

echo "host: native countdown $(host_speed) at the end"
/usr/bin/python3 - "$W" "$HERE/../analysis" <<'PY'
import json, os, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from gilbench_analysis import metrics
from gilbench_analysis.load import load
w = sys.argv[1]
med = lambda path: float(np.median(np.loadtxt(os.path.join(w, path), ndmin=1)))
def runs(name):
    ds = load([os.path.join(w, name)], progress=False)
    r = ds.runs[(ds.runs["warmup"] == 0) & (ds.runs["valid"] == 1)]
    return r
rows = []
def row(what, value, target, ok, detail):
    rows.append((what, value, target, "yes" if ok else "NO", detail))
for h5, txt, how in (("a.h5", "a-standalone.txt", "pinned alike"), ("a-free.h5", "a-standalone-free.txt", "unpinned")):
    a = runs(h5)["wall_s"].to_numpy(float)
    ratio = float(np.median(a)) / med(txt)
    row(f"(a) harness overhead, 3.11.7 1x1, {how}", f"{ratio:.3f}", "<= 1.03", ratio <= 1.03,
        f"gilbench {np.median(a):.3f}s / standalone {med(txt):.3f}s, medians of {a.size}")
def gb_ratio(name, **want):
    r = runs(name)
    for k, v in want.items():
        r = r[np.isclose(r[k], v)] if isinstance(v, float) else r[r[k] == v]
    return float(np.median(r[r.threads == 2].wall_s)) / float(np.median(r[r.threads == 1].wall_s))
for b, sb, how in (("auto", "pin", "pinned alike"), ("none", "free", "unpinned")):
    for label, name, want, files in (("3.11.7, 5 ms", f"b-311-{b}.h5", dict(switch_interval_s=0.005), f"b-311-0.005-{sb}"),
                                     ("3.11.7, 1 ms", f"b-311-{b}.h5", dict(switch_interval_s=0.001), f"b-311-0.001-{sb}"),
                                     ("2.7.18, check 100", f"b-27-{b}.h5", dict(check_interval=100), f"b-27-{sb}")):
        g = gb_ratio(name, **want)
        s = med(f"{files}-2.txt") / med(f"{files}-1.txt")
        row(f"(b) 2 threads, {label}, {how}", f"{g - s:+.3f}", "|diff| <= 0.08", abs(g - s) <= 0.08,
            f"gilbench 1x2/1x1 {g:.3f}, standalone {s:.3f}")
c = json.load(open(os.path.join(w, "c.json")))["throughput"]
for version, pairs in c.items():
    by = {p["emulated"]: p for p in pairs if p["emulated"]}
    if version.startswith("3"):
        for t in (2, 4):
            for si, text in ((0.005, "5ms"), (0.001, "1ms"), (0.0002, "200us")):
                p = by.get(f"1x{t} gil {text}")
                d = None if p is None else p["difference"]
                row(f"(c) {version} 1x{t} gil {text}", "-" if d is None else f"{d:+.3f}", "|diff| <= 0.10",
                    d is not None and abs(d) <= 0.10,
                    "-" if d is None else f"emulated {p['emulated_ratio']:.3f}, real {p['real_ratio']:.3f}")
    else:
        for t in (2, 4):
            got = {c: by.get(f"1x{t} legacy-gil {c}t") for c in (10, 100, 1000)}
            if any(p is None or p["difference"] is None for p in got.values()):
                row(f"(c) {version} 1x{t} legacy-gil", "-", "ordering", False, "a configuration is missing")
                continue
            emu = sorted(got, key=lambda c: got[c]["emulated_ratio"])
            real = sorted(got, key=lambda c: got[c]["real_ratio"])
            e100, r100 = got[100]["emulated_ratio"], got[100]["real_ratio"]
            row(f"(c) {version} 1x{t} legacy-gil ordering", "same" if emu == real else "differs",
                "same ordering", emu == real,
                "emulated " + ", ".join(f"{c}t {got[c]['emulated_ratio']:.2f}" for c in (10, 100, 1000))
                + "; real " + ", ".join(f"{c}t {got[c]['real_ratio']:.2f}" for c in (10, 100, 1000)))
            if t == 2:
                row(f"(c) {version} 1x2 legacy-gil 100t", f"{e100:.2f} / {r100:.2f}", "both > 1.3", e100 > 1.3 and r100 > 1.3,
                    "emulated / real time ratio")
width = [max(len(str(r[i])) for r in rows + [("figure", "value", "target", "met", "")]) for i in range(4)]
print("| figure | value | target | met | detail |\n|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(str(x) for x in r) + " |")
PY
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
