"""Latency: CPython's I/O thread waiting for the GIL behind CPU-bound threads (the convoy
effect, bpo-7946) next to gilbench's latency probe (--probe latency:PERIOD), same design on both
sides: an event every PERIOD from another process (CPython: a forked helper writing into a
socketpair) or thread (gilbench: a sender thread writing into a pipe); the I/O thread blocks
without the lock, and on each event must take the lock back to handle it; latency = handled
(holding the lock) - sent, per event.

CPython 3.x (new GIL) is compared with --lock gil for each switch interval, CPython 2.7 (old GIL)
with --lock legacy-gil at its check interval; 0, 1, 2 ... CPU-bound threads in the background."""
import re
import subprocess
import sys

from .common import HERE, fmt, fmt_dur, latency_stats, loadavg, median, pick, python_version, read_runs, si_label
from .throughput import run_child

LATENCY_CHILD = HERE / "latency_child.py"


def cpython_rate(python, n):
    """CPython's countdown iterations per second here (median of two sequential runs of n)."""
    return n / median([run_child(python, "sequential", 1, n)["wall"] for _ in range(2)])


def run_latency_child(python, workers, n, period, switch_interval, check_interval, duration):
    cmd = [python, str(LATENCY_CHILD), str(workers), str(n), repr(period), repr(switch_interval),
           str(check_interval), repr(duration)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=max(120.0, 30 * duration))
    except subprocess.TimeoutExpired:
        raise RuntimeError("%s latency_child.py %d threads: no result within %.0f s" %
                           (python, workers, max(120.0, 30 * duration)))
    m = re.search(r"RESULT wall=(\S+) cpu=(\S+) events=(\d+) complete=(\d)", out.stdout)
    lat = re.search(r"^LATENCY(.*)$", out.stdout, re.M)
    if out.returncode != 0 or not m or not lat:
        raise RuntimeError("%s latency_child.py failed: %s" % (python, (out.stderr or out.stdout).strip()[-400:]))
    latencies = [float(x) for x in lat.group(1).split()]
    if m.group(4) != "1" or len(latencies) != int(m.group(3)):
        raise RuntimeError("%s latency_child.py: events lost or duplicated (%s events)" % (python, m.group(3)))
    return {"wall": float(m.group(1)), "cpu": float(m.group(2)), "latency": latencies}


def _label(threads, iv, new_gil):
    if threads == 0:
        return "0 CPU threads"
    what = "%d CPU thread%s" % (threads, "" if threads == 1 else "s")
    return "%s, %s" % (what, si_label(iv) if new_gil else "check %d" % iv)


def compare_latency(name, python, policy, args, gb, progress, report):
    """One interpreter against one gilbench policy ('gil' for 3.x, 'legacy-gil' for 2.7).
    Repetitions interleave CPython's configurations and gilbench's; latencies are pooled over
    repetitions, CPU/s is the median over repetitions."""
    version = python_version(python)
    new_gil = policy == "gil"
    period, duration = args.period, args.duration
    progress("latency: %s %s (%s)" % (name, version, python))
    load0 = loadavg()
    configs = []  # (key, workers, switch interval for CPython, check interval for CPython)
    for t in args.latency_threads:
        if t == 0:
            configs.append(((0, None), 0, 0.0, 0))
        elif new_gil:
            configs.extend(((t, si), t, si, 0) for si in args.latency_intervals)
        else:
            configs.append(((t, args.latency_check_interval), t, 0.0, args.latency_check_interval))
    keys = [c[0] for c in configs]

    # Equal durations: CPython's CPU threads count down what takes it `duration` sequentially,
    # gilbench's what takes it `duration` (under one lock, T threads take about as long).
    n_cp = max(1, int(cpython_rate(python, args.calibration_count) * duration))
    gb_count = max(1, int(gb.rate(1) * duration)) if gb else None

    cp = {k: {"latency": [], "cpu_rate": []} for k in keys}
    gbr = {k: {"latency": [], "cpu_rate": [], "rep_stats": [], "pooled": True} for k in keys}
    for rep in range(args.repeat):
        for key, workers, si, ci in configs:
            progress("  %s latency: %s (%d/%d)" % (name, _label(key[0], key[1], new_gil), rep + 1, args.repeat))
            r = run_latency_child(python, workers, n_cp, period, si, ci, duration)
            cp[key]["latency"].extend(r["latency"])
            cp[key]["cpu_rate"].append(r["cpu"] / r["wall"] if r["wall"] > 0 else None)
        if not gb:
            continue
        common = ["--count", str(gb_count), "--probe", "latency:%r" % period, "--repeat", "1", "--warmup", "0"]
        launches = []
        if 0 in args.latency_threads:
            launches.append((True, common + ["--threads", "1", "--lock", "none"]))
        busy = [t for t in args.latency_threads if t > 0]
        if busy:
            sweep = common + ["--threads", ",".join(str(t) for t in busy), "--lock", policy]
            if new_gil:
                sweep += ["--switch-interval", ",".join(repr(s) for s in args.latency_intervals)]
            else:
                sweep += ["--check-interval", str(args.latency_check_interval)]
            launches.append((False, sweep))
        for idle, launch in launches:
            confs, h5 = gb.run(launch)
            runs = read_runs(h5)
            for key in keys:
                t, iv = key
                if (t == 0) != idle:
                    continue
                lock = "none" if t == 0 else policy
                threads = 1 if t == 0 else t

                def match(r):
                    if r["threads"] != threads or r["lock"] != lock:
                        return False
                    if t == 0:
                        return True
                    return abs(r["switch_interval_s"] - iv) < 1e-9 if new_gil else r["check_interval"] == iv

                if runs is not None:
                    for r in filter(match, runs):
                        gbr[key]["latency"].extend(r["latency"])
                        cpu = r["cpu_s"] - r["worker_cpu_s"] if t == 0 else r["cpu_s"]
                        gbr[key]["cpu_rate"].append(cpu / r["wall_s"] if r["wall_s"] > 0 else None)
                else:  # no h5py: the summary's statistics per launch, medians over repetitions
                    sel = {"switch_interval_s": float(iv)} if (t > 0 and new_gil) else (
                        {"check_interval": iv} if t > 0 else {})
                    c = pick(confs, threads=threads, lock=lock, **sel)
                    if c:
                        gbr[key]["pooled"] = False
                        gbr[key]["rep_stats"].append({"events": c["latency_events"], "mean": c["latency_mean_s"],
                                                      "median": c["latency_median_s"], "p99": c["latency_p99_s"]})
                        gbr[key]["cpu_rate"].append(None if t == 0 else c["cpu_s"] / c["median_s"])
    load1 = loadavg()

    def summary(side, key):
        d = side[key]
        if d.get("pooled", True):
            s = latency_stats(d["latency"])
        else:
            reps = d["rep_stats"]
            s = {"events": sum(x["events"] for x in reps)}
            s.update({k: median([x[k] for x in reps]) for k in ("mean", "median", "p99")})
        s["cpu_per_s"] = median(d["cpu_rate"])
        return s

    cps = {k: summary(cp, k) for k in keys}
    gbs = {k: summary(gbr, k) for k in keys} if gb else {}
    print()
    print("== Latency (an event every %s): CPython %s vs gilbench --lock %s  (%.3g s runs, %d repetition%s; "
          "load average %s -> %s) ==" % (si_label(period), version, policy, duration, args.repeat,
                                         "s" if args.repeat > 1 else "", fmt(load0, ".1f"), fmt(load1, ".1f")))
    w = max([len(_label(k[0], k[1], new_gil)) for k in keys] + [14])
    cols = "%6s %8s %8s %8s %6s"
    print("  %-*s | %-39s | %-39s" % (w, "", "CPython".center(39), "gilbench".center(39)))
    print("  %-*s | " % (w, "configuration") + cols % ("events", "mean", "median", "p99", "CPU/s") + " | " +
          cols % ("events", "mean", "median", "p99", "CPU/s"))
    print("  " + "-" * (w + 84))
    for k in keys:
        row = []
        for s in (cps[k], gbs.get(k)):
            row.append(cols % ("-", "-", "-", "-", "-") if not s else
                       cols % (s["events"], fmt_dur(s["mean"]), fmt_dur(s["median"]), fmt_dur(s["p99"]),
                               fmt(s["cpu_per_s"], ".2f")))
        print("  %-*s | %s | %s" % (w, _label(k[0], k[1], new_gil), row[0], row[1]))
    note = ["latency = event sent -> being handled while holding the lock (CPython: now - sent once recv() has",
            "returned, which needs the GIL back; gilbench: /latency.latency_s), pooled over repetitions.",
            "CPU/s = CPU seconds per wall second: CPython's whole process (I/O thread + CPU threads, not the",
            "sender process); gilbench's /runs.cpu_s (CPU threads + probe thread, not the sender thread)."]
    if 0 in args.latency_threads:
        note += ["0 CPU threads: CPython's I/O thread has the GIL to itself (its only other thread sleeps). gilbench",
                 "needs a CPU thread for a run to last, so it runs --threads 1 --lock none: the probe takes no",
                 "lock, the CPU thread counts lock-free on another core, and CPU/s counts the probe thread only",
                 "(/runs.cpu_s - sum of /samples.cpu_s)."]
    if gb:
        note.append("gilbench: --count %d (%.3g s of its countdown here) --probe latency:%r, --lock %s %s" % (
            gb_count, duration, period, policy,
            "--switch-interval as listed" if new_gil else "--check-interval %d" % args.latency_check_interval))
        if any(not gbr[k].get("pooled", True) for k in keys):
            note.append("gilbench statistics: no h5py, so medians over repetitions of each launch's summary, and no "
                        "probe-only CPU/s for 0 CPU threads.")
    else:
        note.append("gilbench: not found (use --gilbench PATH): CPython side only.")
    note.append("CPython: %d countdown iterations shared by the CPU threads (%.3g s of its sequential countdown)."
                % (n_cp, duration))
    for line in note:
        print("  " + line)
    sys.stdout.flush()
    report.setdefault("latency", {})[name] = {
        "python": python, "version": version, "policy": policy, "period_s": period, "duration_s": duration,
        "cpython_count": n_cp, "gilbench_count": gb_count, "loadavg": [load0, load1],
        "cpython": {_label(k[0], k[1], new_gil): v for k, v in cps.items()},
        "gilbench": {_label(k[0], k[1], new_gil): v for k, v in gbs.items()} if gb else None}
