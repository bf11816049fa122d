"""Per-interpreter GIL (PEP 684): CPython 3.12 / 3.13 isolated subinterpreters, each with its
own GIL and driven by a thread of its own, against threads of one interpreter and the
sequential run — next to gilbench's --interpreters K (threads dealt round robin over K locks)."""
import re
import subprocess
import sys

from .common import HERE, fmt, loadavg, median, pick, python_version

INTERP_CHILD = HERE / "interp_child.py"
WORKERS = 2


def run_interp_child(python, mode, workers, n):
    try:
        out = subprocess.run([python, str(INTERP_CHILD), mode, str(workers), str(n)], capture_output=True, text=True,
                             timeout=1800)
    except subprocess.TimeoutExpired:
        raise RuntimeError("%s interp_child.py %s: no result within 30 min" % (python, mode))
    m = re.search(r"RESULT wall=(\S+) cpu=(\S+) gil=(\S+)", out.stdout)
    if out.returncode != 0 or not m:
        raise RuntimeError("%s interp_child.py %s failed: %s" % (python, mode, (out.stderr or out.stdout).strip()[-400:]))
    return {"wall": float(m.group(1)), "cpu": float(m.group(2)), "gil": m.group(3)}


def compare_interpreters(name, python, args, gb, progress, report):
    version = python_version(python)
    progress("interpreters: CPython %s (%s)" % (version, python))
    load0 = loadavg()
    k = WORKERS
    rows = [("seq", "sequential", 1, "sequential", ["--threads", "1"]),
            ("threads", "threads", k, "%d threads, one interpreter (one GIL)" % k,
             ["--threads", str(k), "--interpreters", "1"]),
            ("sub", "subinterpreters", k, "%d isolated subinterpreters (a GIL each)" % k,
             ["--threads", str(k), "--interpreters", str(k)])]
    keys = [r[0] for r in rows]

    gb_count = None
    if gb:  # gilbench's sequential run takes CPython's sequential time
        cp_seq0 = median([run_interp_child(python, "sequential", 1, args.count)["wall"] for _ in range(2)])
        gb_count = max(1, int(round(cp_seq0 * gb.rate(1))))

    cp = {key: [] for key in keys}  # per repetition: (wall, cpu)
    gbr = {key: [] for key in keys}
    gils = set()
    for rep in range(args.repeat):
        for key, mode, workers, label, _ in rows:
            progress("  %s: %s (%d/%d)" % (name, mode, rep + 1, args.repeat))
            r = run_interp_child(python, mode, workers, args.count)
            if mode == "subinterpreters":
                gils.add(r["gil"])
            cp[key].append((r["wall"], r["cpu"]))
        if not gb:
            continue
        base = ["--count", str(gb_count), "--lock", "gil", "--repeat", "1"]
        confs, _ = gb.run(base + ["--threads", "1,%d" % k, "--warmup", "1" if rep == 0 else "0"])
        sub_confs, _ = gb.run(base + ["--threads", str(k), "--interpreters", str(k), "--warmup", "0"])
        for key, c in (("seq", pick(confs, threads=1, lock="gil")), ("threads", pick(confs, threads=k, interpreters=1)),
                       ("sub", pick(sub_confs, threads=k, interpreters=k))):
            gbr[key].append((c["median_s"], c["cpu_s"]) if c else (None, None))
    load1 = loadavg()

    def summarize(runs):
        seqs = [r[0] for r in runs["seq"]]
        out = {}
        for key in keys:
            rs = runs[key]
            out[key] = {"time": median([r[0] for r in rs]),
                        "ratio": median([r[0] / s for r, s in zip(rs, seqs) if r[0] and s]),
                        "cpu_per_s": median([r[1] / r[0] for r in rs if r[0] and r[1] is not None]),
                        "times": [r[0] for r in rs]}
        return out

    cps = summarize(cp)
    gbs = summarize(gbr) if gb else None
    print()
    print("== Per-interpreter GIL (PEP 684): CPython %s vs gilbench --lock gil --interpreters  (N = %d, %d repetition%s;"
          " load average %s -> %s) ==" % (version, args.count, args.repeat, "s" if args.repeat > 1 else "",
                                         fmt(load0, ".1f"), fmt(load1, ".1f")))
    w = max(len(r[3]) for r in rows)
    print("  %-*s | %-23s | %-23s | %s" % (w, "", "CPython".center(23), "gilbench".center(23), ""))
    print("  %-*s | %8s %6s %7s | %8s %6s %7s | %s" % (w, "configuration", "time s", "ratio", "CPU/s", "time s", "ratio",
                                                      "CPU/s", "gilbench flags"))
    print("  " + "-" * (w + 80))
    for key, mode, workers, label, flags in rows:
        g = gbs[key] if gbs else {}
        print("  %-*s | %8s %6s %7s | %8s %6s %7s | %s" % (
            w, label, fmt(cps[key]["time"], ".3f"), fmt(cps[key]["ratio"], ".2f"), fmt(cps[key]["cpu_per_s"], ".2f"),
            fmt(g.get("time"), ".3f"), fmt(g.get("ratio"), ".2f"), fmt(g.get("cpu_per_s"), ".2f"),
            " ".join(flags) if gb else ""))
    note = ["ratio = time / sequential time of the same repetition (median over repetitions): ~1 = no speed-up",
            "(one GIL), ~1/%d = %d cores' worth (a GIL each, while %d cores are free); CPU/s = CPU seconds per wall" % (k, k, k),
            "second of the process (CPython) or of the workers (gilbench /runs.cpu_s)."]
    note.append("CPython subinterpreters: %s; their GIL as configured: %s." % (
        "_interpreters.create(_interpreters.new_config('isolated'))" if sys_version_tuple(version) >= (3, 13) else
        "_xxsubinterpreters.create(isolated=True)", ",".join(sorted(gils)) or "-"))
    if gb:
        note.append("gilbench: --count %d (its sequential run takes CPython's sequential time here), --lock gil"
                    % gb_count)
    else:
        note.append("gilbench: not found (use --gilbench PATH): CPython side only.")
    for line in note:
        print("  " + line)
    sys.stdout.flush()
    report.setdefault("interpreters", {})[name] = {
        "python": python, "version": version, "count": args.count, "gilbench_count": gb_count,
        "loadavg": [load0, load1], "subinterpreter_gil": sorted(gils), "cpython": cps, "gilbench": gbs}


def sys_version_tuple(version):
    return tuple(int(x) for x in re.findall(r"\d+", version)[:2])
