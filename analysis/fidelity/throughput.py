"""Throughput: the real CPython countdown (threads, processes, switch/check intervals) next to
gilbench's emulation with matching parameters."""
import os
import re
import statistics
import subprocess
import sys

from .common import HERE, fmt, median, pick, python_version, read_file, si_label

CHILD = HERE / "child.py"


def run_child(python, mode, workers, n, switch_interval=0.0, check_interval=0):
    out = subprocess.run([python, str(CHILD), mode, str(workers), str(n), repr(switch_interval), str(check_interval)],
                         capture_output=True, text=True)
    m = re.search(r"RESULT wall=(\S+) switches=(\S+) ctxv=(\S+) ctxi=(\S+)", out.stdout)
    if out.returncode != 0 or not m:
        raise RuntimeError("%s %s failed: %s" % (python, mode, (out.stderr or out.stdout).strip()[-400:]))
    wall, sw, cv = float(m.group(1)), int(m.group(2)), int(m.group(3))
    return {"wall": wall, "switches": sw if sw >= 0 else None, "ctxv": cv}


def run_cpython_once(python, configs, n, rep, repeat, progress):
    """One repetition of every configuration: {key: {"wall", "switches", "ctxv"}}.
    configs: list of (key, mode, workers, switch_interval, check_interval)."""
    out = {}
    for key, mode, workers, si, ci in configs:
        progress("  %s: %s (%d/%d)" % (os.path.basename(python), key, rep + 1, repeat))
        out[key] = run_child(python, mode, workers, n, si, ci)
    return out



def ctx_rates(h5):
    """{(threads, lock, switch_interval_s, check_interval): median voluntary ctx switches/s}, or {}
    without h5py (or in files older than the context-switch counters)."""
    from gilbench_analysis import schema

    got = read_file(h5)
    if got is None or got.version < schema.column("samples", "ctx_voluntary")["since"]:
        return {}
    runs, samples = got.tables["runs"], got.tables["samples"]

    rates = {}
    for i in range(len(runs["run_id"])):
        wall = float(runs["wall_s"][i])
        if runs["warmup"][i] or wall <= 0:
            continue
        key = (int(runs["threads"][i]), runs["lock"][i], round(float(runs["switch_interval_s"][i]), 9),
               int(runs["check_interval"][i]))
        mine = samples["run_id"] == runs["run_id"][i]
        rates.setdefault(key, []).append(float(samples["ctx_voluntary"][mine].sum()) / wall)
    return {k: statistics.median(v) for k, v in rates.items()}


def print_table(title, seq, rows, rate_label, note):
    """rows: (label, cp_time, cp_ratio, cp_rate, gb_time, gb_ratio, gb_rate)."""
    cp_seq, gb_seq = seq
    print()
    print(title)
    print("  sequential (median): CPython %s s, gilbench %s s" % (fmt(cp_seq, ".3f"), fmt(gb_seq, ".3f")))
    w = max([len(r[0]) for r in rows] + [13])
    print("  %-*s | %-26s | %-26s" % (w, "", "CPython".center(26), "gilbench".center(26)))
    print("  %-*s | %8s %7s %9s | %8s %7s %9s" % (w, "configuration", "time s", "ratio", rate_label,
                                                   "time s", "ratio", rate_label))
    print("  " + "-" * (w + 58))
    for label, cp_t, cp_ratio, cp_r, gb_t, gb_ratio, gb_r in rows:
        print("  %-*s | %8s %7s %9s | %8s %7s %9s" % (w, label, fmt(cp_t, ".3f"), fmt(cp_ratio, ".2f"), fmt(cp_r, ".0f"),
                                                       fmt(gb_t, ".3f"), fmt(gb_ratio, ".2f"), fmt(gb_r, ".0f")))
    for line in note:
        print("  " + line)



def compare(name, python, policy, args, gb, cpus, progress, report):
    """One interpreter against one gilbench policy. policy: 'gil' (3.x) or 'legacy-gil' (2.7).

    Repetitions are interleaved (CPython's configurations, then gilbench's, then the next
    repetition) and every ratio is taken against the sequential run of the same repetition,
    then the median over repetitions is printed: drift in the machine's load hits both sides
    and both terms of each ratio alike."""
    version = python_version(python)
    new_gil = policy == "gil"
    intervals = args.switch_intervals if new_gil else args.check_intervals
    progress("%s %s (%s)" % (name, version, python))
    configs = [("seq", "sequential", 1, 0.0, 0)]
    for t in args.threads:
        for iv in intervals:
            configs.append((("t", t, iv), "threads", t, iv if new_gil else 0.0, 0 if new_gil else iv))
    for pcount in args.processes:
        configs.append((("p", pcount), "processes", pcount, 0.0, 0))
    keys = [c[0] for c in configs]

    # gilbench's count: the iterations its sequential run does in CPython's sequential time
    gb_count = None
    if gb:
        cp_seq0 = median([run_child(python, "sequential", 1, args.count)["wall"] for _ in range(2)])
        gb_count = max(1, int(round(cp_seq0 * gb.rate(1))))

    cp_runs = {k: [] for k in keys}   # per repetition: (wall, switches/s or None, ctx/s or None)
    gb_runs = {k: [] for k in keys}
    for rep in range(args.repeat):
        for key, r in run_cpython_once(python, configs, args.count, rep, args.repeat, progress).items():
            cp_runs[key].append((r["wall"], r["switches"] / r["wall"] if r["switches"] is not None else None,
                                 r["ctxv"] / r["wall"] if r["ctxv"] else None))
        if not gb:
            continue
        sweep = ["--count", str(gb_count), "--threads", ",".join(str(t) for t in [1] + args.threads),
                 "--lock", "none," + policy, "--repeat", "1", "--warmup", "1" if rep == 0 else "0"]
        if new_gil:
            sweep += ["--switch-interval", ",".join(repr(s) for s in intervals)]
        else:
            sweep += ["--check-interval", ",".join(str(c) for c in intervals)]
        confs, h5 = gb.run(sweep)
        ctx = ctx_rates(h5)
        seq = pick(confs, threads=1, ranks=1, lock="none")
        gb_runs["seq"].append((seq["median_s"], None, None) if seq else (None, None, None))
        for t in args.threads:
            for iv in intervals:
                sel = {"switch_interval_s": float(iv)} if new_gil else {"check_interval": iv}
                c = pick(confs, threads=t, ranks=1, lock=policy, **sel)
                ckey = (t, policy, round(float(iv), 9) if new_gil else 0.0, 0 if new_gil else iv)
                gb_runs[("t", t, iv)].append((c["median_s"], c["switches_per_s"], ctx.get(ckey)) if c else (None, None, None))
        for pcount in args.processes:
            if not gb.mpirun:
                continue
            pconfs, _ = gb.run(["--count", str(gb_count), "--threads", "1", "--lock", policy, "--repeat", "1",
                                "--warmup", "0"], ranks=pcount)
            c = pick(pconfs, ranks=pcount, threads=1, lock=policy)
            gb_runs[("p", pcount)].append((c["median_s"], None, None) if c else (None, None, None))

    def summarize(runs):
        out = {}
        seqs = [r[0] for r in runs["seq"]]
        for k in keys:
            rs = runs[k]
            ratios = [r[0] / s for r, s in zip(rs, seqs) if r[0] and s]
            out[k] = {"time": median([r[0] for r in rs]), "ratio": median(ratios),
                      "switch_rate": median([r[1] for r in rs]), "ctx_rate": median([r[2] for r in rs]),
                      "times": [r[0] for r in rs]}
        return out

    cp = summarize(cp_runs)
    gbs = summarize(gb_runs) if gb else None
    rows = []
    for k in keys[1:]:
        if k[0] == "t":
            label = "%d threads, %s" % (k[1], si_label(k[2]) if new_gil else "check %d" % k[2])
        else:
            label = "%d processes%s" % (k[1], " (%d cores)" % cpus if k[1] > cpus else "")
        g = gbs[k] if gbs else {}
        rate = "switch_rate" if new_gil else "ctx_rate"
        rows.append((label, cp[k]["time"], cp[k]["ratio"], cp[k][rate] if k[0] == "t" else None,
                     g.get("time"), g.get("ratio"), g.get(rate) if k[0] == "t" else None))

    note = ["ratio = time / sequential time of the same repetition (median over repetitions): threads ~1 = no",
            "speed-up (a GIL); processes ~1/P while cores are free."]
    if new_gil:
        note.append("switch/s: GIL holder changes per second (CPython: its gil->switch_number; gilbench: switches).")
    else:
        note.append("ctx/s: voluntary context switches of the worker threads per second (CPython 2.7 has no switch")
        note.append("counter; gilbench's come from its results file%s)." %
                    ("" if any(r[2] for r in gb_runs[keys[1]]) else " and need h5py: not available"))
    if gb:
        note.append("gilbench: --count %d (its sequential run takes CPython's sequential time here), --lock %s, %s"
                    % (gb_count, policy, "--switch-interval as listed" if new_gil else
                       "--check-interval as listed, --tick-iterations default"))
        if args.processes and not gb.mpirun:
            note.append("gilbench processes: mpirun not found, not run.")
    else:
        note.append("gilbench: not found (use --gilbench PATH): CPython side only.")
    title = "== %s: CPython %s vs gilbench --lock %s  (N = %d, %d repetition%s) ==" % (
        "New GIL (3.2+, switch interval)" if new_gil else "Old GIL (<= 3.1, check interval)", version, policy,
        args.count, args.repeat, "s" if args.repeat > 1 else "")
    print_table(title, (cp["seq"]["time"], gbs["seq"]["time"] if gbs else None), rows,
                "switch/s" if new_gil else "ctx/s", note)
    sys.stdout.flush()
    report[name] = {"python": python, "version": version, "policy": policy, "count": args.count,
                    "gilbench_count": gb_count, "cpython": {str(k): v for k, v in cp.items()},
                    "gilbench": {str(k): v for k, v in gbs.items()} if gbs else None}


