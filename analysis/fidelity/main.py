"""gilbench-fidelity: the real CPython and gilbench's emulation measured by the same harness, in
one launch each: ``gilbench --kernel native,python --python PY`` runs the emulated configuration
(native kernel, ``--lock gil`` / ``legacy-gil``) and its real counterpart (python kernel, the
interpreter's own GIL) round robin, and the pairing (gilbench_analysis.pairing, the rule of
gilbench's summary) gives both time ratios against their own kernel's 1×1 and their difference.

throughput    CPython 3.x, --lock gil at several switch intervals and thread counts; CPython 2.7,
              --lock legacy-gil at several check intervals; processes: mpirun -n P launches into
              the same file (their 1×1 from the threads launch, README "Speedup").
latency       --probe latency:PERIOD beside 1, 2 CPU-bound threads at several switch intervals
              (and 2.7 at one check interval): latency median / p99 of both sides.
interpreters  CPython 3.12 / 3.13: --interpreters 2 (real subinterpreters with a GIL each, PEP 684)
              against threads of one interpreter.
A section the gilbench binary refuses (exit 2: e.g. python-kernel --interpreters not
supported by this gilbench) is printed as skipped with gilbench's reason.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

from .common import Gilbench, count, find_gilbench, find_python, gb_exe_missing, loadavg, python_version, si_label

PROG = "gilbench-fidelity"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_GILBENCH = 0, 1, 2, 3


class UsageError(Exception):
    pass


class Skipped(Exception):
    """gilbench refused the section's options (exit 2): this gilbench does not support it."""


class Parser(argparse.ArgumentParser):
    """One line on stderr for a bad option (exit 2), not the whole usage."""

    def error(self, message):
        raise UsageError(message)


def floats(text, what):
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError("%s: not a list of numbers: %r" % (what, text))
    if any(v <= 0 for v in values):
        raise UsageError("%s: values must be > 0: %r" % (what, text))
    return values


def ints(text, what, minimum):
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError("%s: not a list of integers: %r" % (what, text))
    if any(v < minimum for v in values):
        raise UsageError("%s: values must be >= %d: %r" % (what, minimum, text))
    return values


def parse_args(argv):
    p = Parser(
        prog=PROG,
        description="Run gilbench with both kernels (--kernel native,python): the emulated GIL and the real "
                    "CPython's, in one launch, paired configuration by configuration: throughput (threads, "
                    "processes, switch/check intervals), latency (--probe latency), per-interpreter GILs "
                    "(--interpreters 2). All three sections unless some are selected.",
        epilog="Interpreters: CPython 3 = the newest pyenv 3.11 (--python3; else /usr/bin/python3); CPython 2.7 = "
               "pyenv 2.7 (--python2); subinterpreters: the newest pyenv 3.12 and 3.13 (--python312, "
               "--python313); each is passed to gilbench --python. An absent interpreter is reported and its "
               "comparison skipped. gilbench: --gilbench, $GILBENCH, this checkout's build/release/bin/gilbench, "
               "build/bin/gilbench, `gilbench` on PATH, the installed PREFIX/bin/gilbench, else the newest "
               "build*/bin/gilbench. Exit status: 0 ok (skipped sections included), 1 a comparison failed or "
               "none ran, 2 bad options, 3 no gilbench binary.")
    sel = p.add_argument_group("sections (all when none is given)")
    sel.add_argument("--throughput", action="store_true", help="threads and processes vs sequential")
    sel.add_argument("--latency", action="store_true", help="latency probe behind CPU-bound threads")
    sel.add_argument("--interpreters", action="store_true",
                     help="interpreters with a GIL each (PEP 684): the main one and a subinterpreter")
    p.add_argument("--quick", action="store_true",
                   help="fewer configurations, 3 repetitions, smaller N, 1 s latency runs (~1 min in all)")
    p.add_argument("--repeat", type=int, default=None, help="repetitions per configuration (default 5; 3 with --quick)")
    p.add_argument("-n", "--count", type=count, default=None,
                   help="python kernel's N for the throughput and interpreters sections; native's is scaled by "
                        "gilbench to the same time (default 20M; 4M with --quick)")
    t = p.add_argument_group("throughput")
    t.add_argument("--threads", default="2,4", help="thread counts (default 2,4)")
    t.add_argument("--processes", default="2,4", help="process counts, mpirun -n P (default 2,4; empty: none)")
    t.add_argument("--switch-intervals", default=None,
                   help="CPython 3 switch intervals in seconds (default 0.005,0.001,0.0002; --quick 0.005,0.001)")
    t.add_argument("--check-intervals", default=None,
                   help="CPython 2.7 check intervals in ticks (default 10,100,1000; --quick 100,10)")
    lat = p.add_argument_group("latency")
    lat.add_argument("--latency-threads", default="1,2", help="CPU-bound threads beside the probe (default 1,2)")
    lat.add_argument("--latency-intervals", default="0.001,0.005,0.01",
                     help="CPython 3 switch intervals in seconds (default 0.001,0.005,0.01)")
    lat.add_argument("--latency-check-interval", type=int, default=100,
                     help="CPython 2.7 check interval (default 100, its default)")
    lat.add_argument("--period", type=float, default=0.01, help="seconds between probe events (default 0.01)")
    lat.add_argument("--duration", type=float, default=None,
                     help="seconds of the python kernel's 1x1 run in the latency section (default 3; 1 with --quick)")
    p.add_argument("--python3", default=None, help="CPython 3 interpreter (throughput, latency)")
    p.add_argument("--python2", default=None, help="CPython 2.7 interpreter (throughput, latency)")
    p.add_argument("--no-python2", action="store_true", help="skip the old-GIL comparisons")
    p.add_argument("--python312", default=None, help="CPython 3.12 interpreter (interpreters)")
    p.add_argument("--python313", default=None, help="CPython 3.13 interpreter (interpreters)")
    p.add_argument("--gilbench", default=None, help="gilbench executable")
    p.add_argument("--mpirun", default=None, help="MPI launcher for gilbench processes (default mpirun on PATH)")
    p.add_argument("--json", default=None, help="also write every pairing to this JSON file")
    args = p.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        raise UsageError("--repeat must be >= 1")
    if args.duration is not None and not args.duration > 0:
        raise UsageError("--duration must be > 0")
    if not (args.throughput or args.latency or args.interpreters):
        args.throughput = args.latency = args.interpreters = True
    if args.quick:
        args.count = args.count or 4_000_000
        args.repeat = args.repeat or 3
        args.switch_intervals = args.switch_intervals or "0.005,0.001"
        args.check_intervals = args.check_intervals or "100,10"
        args.duration = args.duration or 1.0
    args.count = int(args.count or 20_000_000)
    args.repeat = args.repeat or 5
    args.duration = args.duration or 3.0
    args.switch_intervals = floats(args.switch_intervals or "0.005,0.001,0.0002", "--switch-intervals")
    args.check_intervals = ints(args.check_intervals or "10,100,1000", "--check-intervals", 1)
    args.threads = ints(args.threads, "--threads", 1)
    args.processes = ints(args.processes, "--processes", 1)
    args.latency_threads = sorted(set(ints(args.latency_threads, "--latency-threads", 1)))
    args.latency_intervals = floats(args.latency_intervals, "--latency-intervals")
    if args.latency_check_interval < 1:
        raise UsageError("--latency-check-interval must be >= 1")
    if not args.period > 0:
        raise UsageError("--period must be > 0")
    if args.latency and not args.latency_threads:
        raise UsageError("--latency-threads: empty")
    return args


# ------------------------------------------------------------------------------ running

def _launch(gb, args, h5, ranks=1):
    """One gilbench launch into ``h5``; Skipped when gilbench refuses its options (exit 2)."""
    rc, out, err = gb.run(args, h5, ranks)
    if rc == 2:
        raise Skipped((err.strip().splitlines() or ["exit 2"])[-1])
    if rc != 0:
        raise RuntimeError("gilbench failed (exit %d): %s" % (rc, (err or out).strip()[-400:]))
    return json.loads(out)


def _native_count(h5):
    """N of the native configurations of the file's native,python launch (/launches.native_count)
    and its legacy-gil tick mapping (/launches.tick_iterations; 0 when it emulated none)."""
    import h5py

    with h5py.File(h5, "r") as f:
        launches = f["launches"]
        return int(max(launches["native_count"])), int(max(launches["tick_iterations"]))


def _pairs(h5):
    """The pairing of every launch in ``h5`` (gilbench_analysis.pairing, the summary's rule)."""
    from gilbench_analysis import metrics, pairing
    from gilbench_analysis.load import load

    ds = load([h5], progress=False)
    runs = metrics.measured_runs(ds)
    table = metrics.config_table(ds, runs=runs)
    return pairing.pairs(table, metrics.latency_table(ds, runs=runs))


def _find(pairs, emulated):
    for p in pairs:
        if p["emulated"] == emulated:
            return p
    return None


def _ratio(x, lo, hi):
    if x is None:
        return "-"
    return "%.2f" % x + (" [%.2f, %.2f]" % (lo, hi) if lo is not None and hi is not None else "")


def _dur(s):
    if s is None:
        return "-"
    return "%.0fus" % (s * 1e6) if s < 1e-3 else "%.2fms" % (s * 1e3) if s < 1 else "%.2fs" % s


def _table(title, head, lines):
    """A Markdown table (README's "Fidelity" shape) on stdout."""
    print("\n| %s | %s |" % (title, " | ".join(head)))
    print("|---" * (len(head) + 1) + "|")
    for name, cells in lines:
        print("| %s | %s |" % (name, " | ".join(cells)))
    sys.stdout.flush()


def _ratio_lines(pairs, rows):
    """(name, [real ratio, emulated ratio, difference, note]) for (name, emulated label) rows."""
    out = []
    for name, label in rows:
        p = _find(pairs, label)
        if p is None:
            out.append((name, ["-", "-", "-", "not measured"]))
            continue
        diff = "-" if p["difference"] is None else "%+.2f" % p["difference"]
        out.append((name, [_ratio(p["real_ratio"], p["real_lo"], p["real_hi"]),
                           _ratio(p["emulated_ratio"], p["emulated_lo"], p["emulated_hi"]), diff, p["note"]]))
    return out


RATIO_HEAD = ["CPython ratio", "gilbench ratio", "difference", ""]


def _label(ranks, threads, lock, interval=None, check=None, interpreters=1):
    text = "%dx%d %s" % (ranks, threads, lock) + ("/%di" % interpreters if interpreters > 1 else "")
    if lock == "gil":
        from gilbench_analysis.configs import duration_text
        text += " " + duration_text(interval)
    if lock == "legacy-gil":
        text += " %dt" % check
    return text


def throughput(gb, py, version, legacy, args, work, report):
    """Threads at every interval in one launch, processes in mpirun launches into the same file."""
    h5 = os.path.join(work, "throughput-%s.h5" % version)
    common = ["--kernel", "native,python", "--python", py, "--count", str(args.count), "--repeat", str(args.repeat)]
    lock = "legacy-gil" if legacy else "gil"
    params = (["--check-interval", ",".join(map(str, args.check_intervals))] if legacy else
              ["--switch-interval", ",".join("%g" % s for s in args.switch_intervals)])
    _launch(gb, common + ["--lock", lock, "--threads", ",".join(map(str, [1] + args.threads))] + params, h5)
    default = ["--check-interval", "100"] if legacy else ["--switch-interval", "0.005"]
    native_n, ticks = _native_count(h5)
    for procs in args.processes if gb.mpirun else []:
        # Each kernel on its own, with the threads launch's Ns (and tick mapping: without a 2.7 in
        # the launch native would map ticks from the reference), so that its 1x1 runs are the
        # baseline (the same N; a native,python launch would scale native's N anew).
        base = ["--repeat", str(args.repeat), "--threads", "1"] + default
        _launch(gb, ["--kernel", "python", "--python", py, "--count", str(args.count)] + base, h5, ranks=procs)
        mapping = ["--tick-iterations", str(ticks)] if legacy and ticks > 0 else []
        _launch(gb, ["--kernel", "native", "--lock", lock, "--count", str(native_n)] + base + mapping, h5,
                ranks=procs)
    pairs = _pairs(h5)
    rows = []
    for t in args.threads:
        for v in (args.check_intervals if legacy else args.switch_intervals):
            rows.append(("%d threads, %s" % (t, ("check %d" % v) if legacy else si_label(v)),
                         _label(1, t, lock, interval=v, check=v)))
    for procs in args.processes if gb.mpirun else []:
        rows.append(("%d processes" % procs, _label(procs, 1, lock, interval=0.005, check=100)))
    _table("CPython %s vs `--lock %s`" % (version, lock), RATIO_HEAD, _ratio_lines(pairs, rows))
    if args.processes and not gb.mpirun:
        print("processes: skipped (no mpirun; --mpirun PATH)")
    report.setdefault("throughput", {})[version] = pairs


def latency(gb, py, version, legacy, args, work, report):
    """--probe latency beside 1, 2 CPU-bound threads: latency median / p99 of both sides."""
    h5 = os.path.join(work, "latency-%s.h5" % version)
    lock = "legacy-gil" if legacy else "gil"
    threads = ",".join(str(t) for t in args.latency_threads)
    params = (["--check-interval", str(args.latency_check_interval)] if legacy else
              ["--switch-interval", ",".join("%g" % s for s in args.latency_intervals)])
    _launch(gb, ["--kernel", "native,python", "--python", py, "--count", "auto:%g" % args.duration, "--repeat",
                 str(args.repeat), "--lock", lock, "--threads", threads, "--probe", "latency:%g" % args.period]
            + params, h5)
    pairs = _pairs(h5)
    lines = []
    for t in args.latency_threads:
        for v in ([args.latency_check_interval] if legacy else args.latency_intervals):
            name = "%d CPU thread%s, %s" % (t, "" if t == 1 else "s", ("check %d" % v) if legacy else si_label(v))
            p = _find(pairs, _label(1, t, lock, interval=v, check=v))
            if p is None:
                lines.append((name, ["-", "-", "not measured"]))
                continue
            lines.append((name, ["%s / %s" % (_dur(p["real_latency_median_s"]), _dur(p["real_latency_p99_s"])),
                                 "%s / %s" % (_dur(p["emulated_latency_median_s"]), _dur(p["emulated_latency_p99_s"])),
                                 p["note"]]))
    _table("CPython %s vs `--lock %s`, probe every %s" % (version, lock, si_label(args.period)),
           ["CPython median / p99", "gilbench median / p99", ""], lines)
    report.setdefault("latency", {})[version] = pairs


def interpreters(gb, py, version, args, work, report):
    """--interpreters 2 (a GIL each) against threads of one interpreter, both kernels."""
    h5 = os.path.join(work, "interpreters-%s.h5" % version)
    common = ["--kernel", "native,python", "--python", py, "--count", str(args.count), "--repeat", str(args.repeat),
              "--lock", "gil", "--switch-interval", "0.005"]
    # 2 threads in 2 interpreters, each kernel on its own with the native,python launch's N (whose
    # 1x1 is the baseline); the python one first, so that a gilbench without python-kernel
    # subinterpreters refuses it at once.
    base = ["--repeat", str(args.repeat), "--threads", "2", "--interpreters", "2", "--switch-interval", "0.005"]
    _launch(gb, ["--kernel", "python", "--python", py, "--count", str(args.count)] + base, h5)
    _launch(gb, common + ["--threads", "1,2"], h5)
    _launch(gb, ["--kernel", "native", "--lock", "gil", "--count", str(_native_count(h5)[0])] + base, h5)
    pairs = _pairs(h5)
    rows = [("2 threads, one interpreter", _label(1, 2, "gil", interval=0.005)),
            ("2 interpreters, a GIL each (`--interpreters 2`)", _label(1, 2, "gil", interval=0.005, interpreters=2))]
    _table("CPython %s vs `--lock gil`" % version, RATIO_HEAD, _ratio_lines(pairs, rows))
    report.setdefault("interpreters", {})[version] = pairs


# ------------------------------------------------------------------------------ main

def main(argv=None):
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        if gb_exe_missing(args.gilbench):
            raise UsageError("--gilbench: %s is not an executable" % args.gilbench)
        if not args.gilbench and gb_exe_missing(os.environ.get("GILBENCH")):
            raise UsageError("GILBENCH=%s is not an executable" % os.environ["GILBENCH"])
    except UsageError as e:
        sys.stderr.write("%s: error: %s (see --help)\n" % (PROG, e))
        return EXIT_USAGE

    def progress(msg):
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    def usable(exe):
        return exe if exe and (shutil.which(exe) or (os.path.isfile(exe) and os.access(exe, os.X_OK))) else None

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    py3 = py2 = py312 = py313 = None
    if args.throughput or args.latency:
        py3 = usable(args.python3) if args.python3 else find_python("3.11", ["/usr/bin/python3", "python3"])
        if not args.no_python2:
            py2 = usable(args.python2) if args.python2 else find_python("2.7", ["python2.7", "python2"])
    if args.interpreters:
        py312 = usable(args.python312) if args.python312 else find_python("3.12", [])
        py313 = usable(args.python313) if args.python313 else find_python("3.13", [])
    gb_exe = find_gilbench(args.gilbench)
    if gb_exe is None:
        sys.stderr.write("%s: no gilbench binary: pass --gilbench PATH, set GILBENCH, or build it "
                         "(cmake --workflow --preset release gives build/release/bin/gilbench)\n" % PROG)
        return EXIT_NO_GILBENCH
    mpirun = args.mpirun or shutil.which("mpirun") or shutil.which("mpiexec")
    sections = [s for s in ("throughput", "latency", "interpreters") if getattr(args, s)]
    print("gilbench-fidelity: %s; %d CPUs available; gilbench: %s; mpirun: %s" % (
        ", ".join(sections), cpus, gb_exe, mpirun or "not found"))
    if args.throughput or args.latency:
        print("CPython 3: %s" % (py3 or "NOT FOUND"))
        if py2:
            print("CPython 2.7: %s" % py2)
        else:
            print("CPython 2.7: %s — the old-GIL comparisons are skipped" %
                  ("skipped (--no-python2)" if args.no_python2 else "not found on this machine (pyenv install 2.7.18)"))
    if args.interpreters:
        for label, exe, hint in (("3.12", py312, "pyenv install 3.12"), ("3.13", py313, "pyenv install 3.13")):
            print("CPython %s (subinterpreters): %s" % (label, exe or "not found on this machine (%s) — skipped" % hint))
    load = loadavg()
    print("load average: %s on %d CPUs" % ("-" if load is None else "%.2f" % load, cpus))
    if load is not None and load > 0.5 * cpus:
        print("warning: load average %.1f on %d CPUs: other processes compete for the CPUs, so thread and "
              "process ratios and latencies here are not what an idle machine gives" % (load, cpus))
    print("ratio = time / the same kernel's 1x1 (median of %d, 95%% interval in brackets when there are 5 runs "
          "or more); difference = gilbench - CPython" % args.repeat)
    sys.stdout.flush()
    report = {"cpus": cpus, "gilbench": gb_exe, "loadavg_start": load, "sections": sections, "skipped": {}}
    failures, ran = [], 0

    def attempt(what, fn, *fargs):
        nonlocal ran
        print("\n## %s" % what)
        sys.stdout.flush()
        try:
            fn(*fargs)
            ran += 1
        except Skipped as e:
            ran += 1
            report["skipped"][what] = str(e)
            print("skipped: not supported by this gilbench: %s" % e)
        except RuntimeError as e:
            failures.append(what)
            print("%s: %s failed: %s" % (PROG, what, e))
        sys.stdout.flush()

    with tempfile.TemporaryDirectory(prefix="gilbench-fidelity-") as work:
        gb = Gilbench(gb_exe, mpirun, progress)
        v3 = python_version(py3) if py3 else None
        v2 = python_version(py2) if py2 else None
        if args.throughput:
            if py3:
                attempt("throughput, CPython %s" % v3, throughput, gb, py3, v3, False, args, work, report)
            if py2:
                attempt("throughput, CPython %s" % v2, throughput, gb, py2, v2, True, args, work, report)
        if args.latency:
            if py3:
                attempt("latency, CPython %s" % v3, latency, gb, py3, v3, False, args, work, report)
            if py2:
                attempt("latency, CPython %s" % v2, latency, gb, py2, v2, True, args, work, report)
        if args.interpreters:
            for exe in (py312, py313):
                if exe:
                    v = python_version(exe)
                    attempt("interpreters, CPython %s" % v, interpreters, gb, exe, v, args, work, report)
    load_end = loadavg()
    report["loadavg_end"] = load_end
    print("\nload average at the end: %s" % ("-" if load_end is None else "%.2f" % load_end))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=str)
    if failures:
        print("%s: %d comparison%s failed: %s" % (PROG, len(failures), "s" if len(failures) > 1 else "",
                                                 "; ".join(failures)))
        return EXIT_FAILED
    return EXIT_OK if ran else EXIT_FAILED
