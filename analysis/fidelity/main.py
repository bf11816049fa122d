"""gilbench-fidelity: the real CPython countdown next to gilbench's emulation, in one run.

For each interpreter found — CPython 3.x (new GIL, compared with --lock gil) and CPython 2.7
(old GIL, compared with --lock legacy-gil) — it measures, interleaved and repeated:
  sequential   N iterations in the main thread
  T threads    the same N shared by T threads, for several switch intervals (3.x,
               sys.setswitchinterval) or check intervals (2.7, sys.setcheckinterval)
  P processes  the same N shared by P processes
and runs gilbench with the matching policy and parameters, its count chosen so that its
sequential run takes the same TIME as CPython's (the switch interval is a time; the tick
mapping, --tick-iterations, is a time too). It prints, side by side, the time ratio to the
sequential run (threads: ~1 = no speed-up; processes: ~1/P on free cores) and switch rates.
Switch rates for CPython 3.x come from the interpreter's own GIL switch counter
(gil->switch_number, found in its memory); CPython 2.7 has none, so its column shows voluntary
context switches per second of the worker threads instead (ctx/s), with gilbench's beside it.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the project checkout (analysis/fidelity/main.py)
CHILD = HERE / "child.py"


# --------------------------------------------------------------------------------------------
# Finding things

def pyenv_root():
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    exe = shutil.which("pyenv")
    if exe:
        try:
            return Path(subprocess.run([exe, "root"], capture_output=True, text=True, check=True).stdout.strip())
        except (OSError, subprocess.CalledProcessError):
            pass
    return Path.home() / ".pyenv"


def version_key(path):
    return tuple(int(x) for x in re.findall(r"\d+", path.parent.parent.name)[:3])


def find_python(prefix, fallbacks):
    """Newest pyenv version starting with `prefix`, else the first working fallback."""
    versions = pyenv_root() / "versions"
    found = sorted(versions.glob(prefix + "*/bin/python"), key=version_key) if versions.is_dir() else []
    found = [p for p in found if not p.parent.parent.name.endswith("t")]  # not free-threaded builds
    for cand in ([str(found[-1])] if found else []) + fallbacks:
        exe = shutil.which(cand) if not os.path.isabs(cand) else (cand if os.access(cand, os.X_OK) else None)
        if exe:
            return exe
    return None


def python_version(exe):
    out = subprocess.run([exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def gb_exe_missing(explicit):
    return bool(explicit) and not (os.path.isfile(explicit) and os.access(explicit, os.X_OK))


def find_gilbench(explicit):
    if explicit:
        return explicit
    if os.environ.get("GILBENCH"):
        return os.environ["GILBENCH"]
    exe = shutil.which("gilbench")
    if exe:
        return exe
    cands = [p for pattern in ("build*/bin/gilbench", "build*/gilbench", "build*/src/gilbench")
             for p in ROOT.glob(pattern) if os.access(p, os.X_OK)]
    if cands:
        return str(max(cands, key=lambda p: p.stat().st_mtime))
    return None


# --------------------------------------------------------------------------------------------
# Running

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


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


class Gilbench:
    def __init__(self, exe, mpirun, workdir, progress):
        self.exe, self.mpirun, self.workdir, self.progress = exe, mpirun, workdir, progress
        self.env = dict(os.environ)
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root without these
            self.env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            self.env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        self.env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
        self.env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        self.n_files = 0

    def run(self, args, ranks=1):
        self.n_files += 1
        h5 = os.path.join(self.workdir, "run%d.h5" % self.n_files)
        cmd = [self.exe] + args + ["--format", "json", "--quiet", "--output", h5]
        if ranks > 1:
            cmd = [self.mpirun, "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] + cmd
        self.progress("  " + " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd)))
        out = subprocess.run(cmd, capture_output=True, text=True, env=self.env)
        if out.returncode != 0:
            raise RuntimeError("gilbench failed (exit %d): %s" % (out.returncode, (out.stderr or out.stdout).strip()[-400:]))
        return json.loads(out.stdout)["configurations"], h5

    def rate(self, repeat):
        """Countdown iterations per second of gilbench's sequential run here."""
        confs, _ = self.run(["--count", "1G", "--threads", "1", "--lock", "none", "--repeat", str(repeat),
                             "--warmup", "1"])
        return 1e9 / confs[0]["median_s"]


def ctx_rates(h5):
    """{(threads, lock, switch_interval_s, check_interval): median voluntary ctx switches/s}, or {}
    without h5py."""
    try:
        import h5py
        import numpy as np
    except ImportError:
        return {}
    try:
        with h5py.File(h5, "r") as f:
            runs, samples = f["runs"][()], f["samples"][()]
    except (OSError, KeyError):
        return {}
    if "ctx_voluntary" not in samples.dtype.names:
        return {}

    def text(row, col):
        v = row[col]
        enum = h5py.check_enum_dtype(runs.dtype[col])
        if enum:
            return {k2: k for k, k2 in enum.items()}[int(v)]
        return v.decode() if isinstance(v, bytes) else str(v)

    rates = {}
    for row in runs:
        if bool(row["warmup"]) or float(row["wall_s"]) <= 0:
            continue
        key = (int(row["threads"]), text(row, "lock"), round(float(row["switch_interval_s"]), 9), int(row["check_interval"]))
        s = samples[samples["run_id"] == row["run_id"]]
        rates.setdefault(key, []).append(float(np.sum(s["ctx_voluntary"])) / float(row["wall_s"]))
    return {k: statistics.median(v) for k, v in rates.items()}


def pick(confs, **want):
    for c in confs:
        if all((abs(c.get(k, 0) - v) < 1e-9 if isinstance(v, float) else c.get(k) == v) for k, v in want.items()):
            return c
    return None


# --------------------------------------------------------------------------------------------
# Printing

def fmt(x, spec):
    return "-" if x is None else format(x, spec)


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


# --------------------------------------------------------------------------------------------

def count(text):
    """50000000, 50M, 5e7, 1G (k M G decimal)."""
    m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgG]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError("not a count: %r" % text)
    value = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2).lower()]
    if value < 1:
        raise argparse.ArgumentTypeError("count must be >= 1: %r" % text)
    return int(value)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="gilbench-fidelity",
        description="Run the real CPython countdown (threads, processes, switch/check intervals) and gilbench's "
                    "emulation with matching parameters side by side; print ratio tables and switch rates.",
        epilog="Interpreters: the newest pyenv 3.x (--python3; default the newest pyenv 3.11, else "
               "/usr/bin/python3) and pyenv 2.7 (--python2; skipped with a note when absent). "
               "gilbench: --gilbench, $GILBENCH, `gilbench` on PATH, else the newest build*/bin/gilbench "
               "of this checkout. Processes of gilbench run under mpirun (--mpirun).")
    p.add_argument("-n", "--count", type=count, default=None,
                   help="CPython countdown iterations for the sequential run (default 20M; 6M with --quick)")
    p.add_argument("--quick", action="store_true", help="fewer configurations, one repetition, smaller N")
    p.add_argument("--repeat", type=int, default=None, help="repetitions per configuration (default 3; 1 with --quick)")
    p.add_argument("--threads", default="2,4", help="thread counts (default 2,4)")
    p.add_argument("--processes", default="2,4", help="process counts (default 2,4; empty: none)")
    p.add_argument("--switch-intervals", default=None,
                   help="CPython 3 switch intervals in seconds (default 0.005,0.001,0.0002; --quick 0.005,0.001)")
    p.add_argument("--check-intervals", default=None,
                   help="CPython 2.7 check intervals in ticks (default 100,10,1000; --quick 100,10)")
    p.add_argument("--python3", default=None, help="CPython 3 interpreter")
    p.add_argument("--python2", default=None, help="CPython 2.7 interpreter")
    p.add_argument("--no-python2", action="store_true", help="skip the old-GIL comparison")
    p.add_argument("--gilbench", default=None, help="gilbench executable")
    p.add_argument("--mpirun", default=None, help="MPI launcher for gilbench processes (default mpirun on PATH)")
    p.add_argument("--json", default=None, help="also write every measurement to this JSON file")
    args = p.parse_args(argv)
    if args.quick:
        args.count = args.count or 6_000_000
        args.repeat = args.repeat or 1
        args.switch_intervals = args.switch_intervals or "0.005,0.001"
        args.check_intervals = args.check_intervals or "100,10"
    args.count = int(args.count or 20_000_000)
    args.repeat = args.repeat or 3
    args.switch_intervals = [float(x) for x in (args.switch_intervals or "0.005,0.001,0.0002").split(",") if x]
    args.check_intervals = [int(x) for x in (args.check_intervals or "100,10,1000").split(",") if x]
    args.threads = [int(x) for x in args.threads.split(",") if x]
    args.processes = [int(x) for x in args.processes.split(",") if x]
    if args.count < 1 or args.repeat < 1 or any(t < 1 for t in args.threads + args.processes):
        p.error("counts must be positive")
    if any(s <= 0 for s in args.switch_intervals) or any(c <= 0 for c in args.check_intervals):
        p.error("intervals must be > 0")
    return args


def si_label(s):
    return ("%g ms" % (s * 1e3)) if s >= 1e-3 else ("%g us" % (s * 1e6))


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


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)

    def progress(msg):
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    def usable(exe):
        return exe if exe and (shutil.which(exe) or (os.path.isfile(exe) and os.access(exe, os.X_OK))) else None

    py3 = usable(args.python3) if args.python3 else find_python("3.11", ["/usr/bin/python3", "python3"])
    if not args.no_python2:
        py2 = usable(args.python2) if args.python2 else find_python("2.7", ["python2.7", "python2"])
    else:
        py2 = None
    if gb_exe_missing(args.gilbench):
        print("gilbench: %s is not an executable" % args.gilbench)
        return 2
    gb_exe = find_gilbench(args.gilbench)
    mpirun = args.mpirun or shutil.which("mpirun") or shutil.which("mpiexec")
    print("gilbench-fidelity: %d CPUs available; gilbench: %s; mpirun: %s" % (cpus, gb_exe or "NOT FOUND", mpirun or "not found"))
    print("CPython 3: %s" % (py3 or "NOT FOUND"))
    if py2:
        print("CPython 2.7: %s" % py2)
    else:
        print("CPython 2.7: %s — the old-GIL comparison is skipped" %
              ("skipped (--no-python2)" if args.no_python2 else "not found on this machine (pyenv install 2.7.18)"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    if load > 0.5 * cpus:
        print("warning: load average %.1f on %d CPUs: other processes compete for the CPUs, so thread and "
              "process ratios here are not what an idle machine gives" % (load, cpus))
    report = {"cpus": cpus, "gilbench": gb_exe, "loadavg_start": load}
    with tempfile.TemporaryDirectory(prefix="gilbench-fidelity-") as work:
        gb = Gilbench(gb_exe, mpirun, work, progress) if gb_exe else None
        if py3:
            compare("cpython3", py3, "gil", args, gb, cpus, progress, report)
        if py2:
            compare("cpython2", py2, "legacy-gil", args, gb, cpus, progress, report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
    return 0 if py3 or py2 else 1
