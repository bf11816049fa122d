"""gilbench-fidelity: the real CPython next to gilbench's emulation, in one run. Three sections
(all by default; --throughput, --latency, --interpreters select):

throughput   (throughput.py) For CPython 3.x (new GIL, compared with --lock gil) and CPython 2.7
             (old GIL, compared with --lock legacy-gil), interleaved and repeated: the sequential
             countdown, T threads sharing it at several switch intervals (3.x) or check intervals
             (2.7), P processes sharing it; gilbench with the matching policy and parameters, its
             count chosen so that its sequential run takes the same TIME as CPython's. Time ratios
             to the sequential run and switch rates (CPython 3's own gil->switch_number; for 2.7,
             voluntary context switches per second).
latency      (latency.py) An event every PERIOD from a forked helper process over a socketpair;
             CPython's I/O thread blocks in recv() and must take the GIL back to handle each
             event, while 0, 1, 2 CPU-bound threads count down — against gilbench --probe
             latency:PERIOD. Mean / median / p99 latency and CPU seconds per wall second.
interpreters (interpreters.py) CPython 3.12 / 3.13 isolated subinterpreters (a GIL each, PEP 684)
             against threads of one interpreter and the sequential run — against gilbench
             --interpreters 2 / 1 and --threads 1. Time ratios.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

from .common import Gilbench, count, find_gilbench, find_python, gb_exe_missing, loadavg

PROG = "gilbench-fidelity"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_GILBENCH = 0, 1, 2, 3


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """One line on stderr for a bad option (exit 2), not the whole usage."""

    def error(self, message):
        raise UsageError(message)


def floats(text, what, positive=True):
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError("%s: not a list of numbers: %r" % (what, text))
    if positive and any(v <= 0 for v in values):
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
        description="Run the real CPython and gilbench's emulation with matching parameters side by side: "
                    "throughput (threads, processes, switch/check intervals), latency of an I/O thread behind "
                    "CPU-bound threads, and per-interpreter GILs (PEP 684). All three sections unless some are "
                    "selected.",
        epilog="Interpreters: CPython 3 = the newest pyenv 3.11 (--python3; else /usr/bin/python3); CPython 2.7 = "
               "pyenv 2.7 (--python2); subinterpreters: the newest pyenv 3.12 and 3.13 (--python312, "
               "--python313). An absent interpreter is reported and its comparison skipped. gilbench: "
               "--gilbench, $GILBENCH, this checkout's build/release/bin/gilbench (the preset build), build/bin/gilbench, "
               "`gilbench` on PATH, the installed PREFIX/bin/gilbench, else the newest build*/bin/gilbench. "
               "Exit status: 0 ok, 1 a comparison failed or no interpreter was found, 2 bad options, "
               "3 no gilbench binary.")
    sel = p.add_argument_group("sections (all when none is given)")
    sel.add_argument("--throughput", action="store_true", help="threads and processes vs sequential")
    sel.add_argument("--latency", action="store_true", help="I/O-thread latency behind CPU-bound threads")
    sel.add_argument("--interpreters", action="store_true", help="isolated subinterpreters (PEP 684)")
    p.add_argument("--quick", action="store_true",
                   help="fewer configurations, one repetition, smaller N, 1 s latency runs (~1 min in all)")
    p.add_argument("--repeat", type=int, default=None, help="repetitions per configuration (default 3; 1 with --quick)")
    p.add_argument("-n", "--count", type=count, default=None,
                   help="CPython countdown iterations for the sequential run, throughput and interpreters sections "
                        "(default 20M; 6M with --quick)")
    t = p.add_argument_group("throughput")
    t.add_argument("--threads", default="2,4", help="thread counts (default 2,4)")
    t.add_argument("--processes", default="2,4", help="process counts (default 2,4; empty: none)")
    t.add_argument("--switch-intervals", default=None,
                   help="CPython 3 switch intervals in seconds (default 0.005,0.001,0.0002; --quick 0.005,0.001)")
    t.add_argument("--check-intervals", default=None,
                   help="CPython 2.7 check intervals in ticks (default 100,10,1000; --quick 100,10)")
    lat = p.add_argument_group("latency")
    lat.add_argument("--latency-threads", default="0,1,2",
                     help="CPU-bound background threads (default 0,1,2; 0 = the I/O thread alone)")
    lat.add_argument("--latency-intervals", default="0.001,0.005,0.01",
                     help="CPython 3 switch intervals in seconds (default 0.001,0.005,0.01)")
    lat.add_argument("--latency-check-interval", type=int, default=100,
                     help="CPython 2.7 check interval (default 100, its default)")
    lat.add_argument("--period", type=float, default=0.01, help="seconds between events (default 0.01)")
    lat.add_argument("--duration", type=float, default=None,
                     help="seconds of countdown per latency run (default 3; 1 with --quick)")
    p.add_argument("--python3", default=None, help="CPython 3 interpreter (throughput, latency)")
    p.add_argument("--python2", default=None, help="CPython 2.7 interpreter (throughput, latency)")
    p.add_argument("--no-python2", action="store_true", help="skip the old-GIL comparisons")
    p.add_argument("--python312", default=None, help="CPython 3.12 interpreter (interpreters)")
    p.add_argument("--python313", default=None, help="CPython 3.13 interpreter (interpreters)")
    p.add_argument("--gilbench", default=None, help="gilbench executable")
    p.add_argument("--mpirun", default=None, help="MPI launcher for gilbench processes (default mpirun on PATH)")
    p.add_argument("--json", default=None, help="also write every measurement to this JSON file")
    args = p.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        raise UsageError("--repeat must be >= 1")
    if args.duration is not None and not args.duration > 0:
        raise UsageError("--duration must be > 0")
    if not (args.throughput or args.latency or args.interpreters):
        args.throughput = args.latency = args.interpreters = True
    if args.quick:
        args.count = args.count or 6_000_000
        args.repeat = args.repeat or 1
        args.switch_intervals = args.switch_intervals or "0.005,0.001"
        args.check_intervals = args.check_intervals or "100,10"
        args.duration = args.duration or 1.0
    args.count = int(args.count or 20_000_000)
    args.repeat = args.repeat or 3
    args.duration = args.duration or 3.0
    args.switch_intervals = floats(args.switch_intervals or "0.005,0.001,0.0002", "--switch-intervals")
    args.check_intervals = ints(args.check_intervals or "100,10,1000", "--check-intervals", 1)
    args.threads = ints(args.threads, "--threads", 1)
    args.processes = ints(args.processes, "--processes", 1)
    args.latency_threads = sorted(set(ints(args.latency_threads, "--latency-threads", 0)))
    args.latency_intervals = floats(args.latency_intervals, "--latency-intervals")
    if args.latency_check_interval < 1:
        raise UsageError("--latency-check-interval must be >= 1")
    if not args.period > 0:
        raise UsageError("--period must be > 0")
    if args.latency and not args.latency_threads:
        raise UsageError("--latency-threads: empty")
    args.calibration_count = 3_000_000 if args.quick else 6_000_000
    return args


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
    from .interpreters import compare_interpreters
    from .latency import compare_latency
    from .throughput import compare

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
        ", ".join(sections), cpus, gb_exe or "NOT FOUND", mpirun or "not found"))
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
              "process ratios, latencies and CPU rates here are not what an idle machine gives" % (load, cpus))
    sys.stdout.flush()
    report = {"cpus": cpus, "gilbench": gb_exe, "loadavg_start": load, "sections": sections}
    failures = []
    ran = 0

    def attempt(what, fn, *fargs):
        nonlocal ran
        try:
            fn(*fargs)
            ran += 1
        except RuntimeError as e:
            failures.append(what)
            print("\n%s: %s failed: %s" % (PROG, what, e))
            sys.stdout.flush()

    with tempfile.TemporaryDirectory(prefix="gilbench-fidelity-") as work:
        gb = Gilbench(gb_exe, mpirun, work, progress) if gb_exe else None
        if args.throughput:
            if py3:
                attempt("throughput, CPython 3", compare, "cpython3", py3, "gil", args, gb, cpus, progress, report)
            if py2:
                attempt("throughput, CPython 2.7", compare, "cpython2", py2, "legacy-gil", args, gb, cpus, progress,
                        report)
        if args.latency:
            if py3:
                attempt("latency, CPython 3", compare_latency, "cpython3", py3, "gil", args, gb, progress, report)
            if py2:
                attempt("latency, CPython 2.7", compare_latency, "cpython2", py2, "legacy-gil", args, gb, progress,
                        report)
        if args.interpreters:
            for name, exe in (("cpython3.12", py312), ("cpython3.13", py313)):
                if exe:
                    attempt("interpreters, %s" % name, compare_interpreters, name, exe, args, gb, progress, report)
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
