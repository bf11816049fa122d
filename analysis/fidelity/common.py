"""Shared by the sections of gilbench-fidelity: finding interpreters and gilbench, running
gilbench, reading its results file, small statistics and formatting."""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the project checkout (analysis/fidelity/common.py)


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


def gilbench_candidates():
    """Where gilbench is looked for after --gilbench and $GILBENCH, in order: this checkout's
    preset build (build/release/bin), its build/bin, `gilbench` on PATH, the installed copy's
    PREFIX/bin (this file in PREFIX/share/gilbench/analysis/fidelity), then the newest other
    build*/bin/gilbench of the checkout (the jobs' order: the repository's build first)."""
    cands = [ROOT / "build" / "release" / "bin" / "gilbench", ROOT / "build" / "bin" / "gilbench"]
    exe = shutil.which("gilbench")
    if exe:
        cands.append(exe)
    cands.append(ROOT.parent.parent / "bin" / "gilbench")
    others = [p for pattern in ("build*/bin/gilbench", "build*/*/bin/gilbench") for p in ROOT.glob(pattern)
              if os.access(p, os.X_OK)]
    cands += sorted(others, key=lambda p: p.stat().st_mtime, reverse=True)
    return [str(c) for c in cands]


def find_gilbench(explicit):
    if explicit:
        return explicit
    if os.environ.get("GILBENCH"):
        return os.environ["GILBENCH"]
    for c in gilbench_candidates():
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


# --------------------------------------------------------------------------------------------
# Running

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


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


def pick(confs, **want):
    for c in confs:
        if all((abs(c.get(k, 0) - v) < 1e-9 if isinstance(v, float) else c.get(k) == v) for k, v in want.items()):
            return c
    return None


# --------------------------------------------------------------------------------------------
# Printing

def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def count(text):
    """50000000, 50M, 5e7, 1G (k M G decimal)."""
    m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgG]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError("not a count: %r" % text)
    value = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2).lower()]
    if value < 1:
        raise argparse.ArgumentTypeError("count must be >= 1: %r" % text)
    return int(value)



def si_label(s):
    return ("%g ms" % (s * 1e3)) if s >= 1e-3 else ("%g us" % (s * 1e6))




def loadavg():
    """The 1-minute load average, or None where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def quantile(xs, q):
    """Linear interpolation between closest ranks (gilbench's stats::quantile, numpy's default)."""
    v = sorted(xs)
    if not v:
        return None
    pos = q * (len(v) - 1)
    lo, hi = int(pos), min(int(pos) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def latency_stats(xs):
    """{"events", "mean", "median", "p99"} of a list of latencies (s); Nones when empty."""
    if not xs:
        return {"events": 0, "mean": None, "median": None, "p99": None}
    return {"events": len(xs), "mean": sum(xs) / len(xs), "median": quantile(xs, 0.5), "p99": quantile(xs, 0.99)}


def fmt_dur(s):
    """A duration in a width of 8: 41us, 5.13ms, 1.20s."""
    if s is None:
        return "-"
    if s < 1e-3:
        return "%.0fus" % (s * 1e6)
    if s < 1.0:
        return "%.2fms" % (s * 1e3)
    return "%.2fs" % s


def read_file(h5):
    """A gilbench results file through the analysis' own reader (numpy and h5py, no pandas): its
    ``version`` and ``tables`` ({table: {column: array}}, text decoded, columns older versions
    lack at their declared defaults). None when h5py is missing or the file is refused."""
    try:
        from gilbench_analysis import results
        from gilbench_analysis.errors import InputError
    except ImportError:
        return None
    try:
        return results.read(h5)
    except InputError:
        return None


def read_runs(h5):
    """The measured (non-warmup) runs of a gilbench results file, one dict per run: threads, lock,
    switch_interval_s, check_interval, interpreters, wall_s, cpu_s (workers + probe; None in files
    older than schema 3), worker_cpu_s (the workers alone: sum of /samples.cpu_s), latency (list of
    /latency.latency_s, in event order). None when h5py is missing or the file cannot be read."""
    got = read_file(h5)
    if got is None:
        return None
    import numpy as np

    runs, samples, latency = got.tables["runs"], got.tables["samples"], got.tables.get("latency")
    out = []
    for i in np.flatnonzero(runs["warmup"] == 0):
        rid = runs["run_id"][i]
        lat = []
        if latency is not None:
            mine = latency["run_id"] == rid
            order = np.argsort(latency["event"][mine], kind="stable")
            lat = [float(x) for x in latency["latency_s"][mine][order]]
        cpu = float(runs["cpu_s"][i])
        out.append({"threads": int(runs["threads"][i]), "lock": runs["lock"][i],
                    "switch_interval_s": float(runs["switch_interval_s"][i]),
                    "check_interval": int(runs["check_interval"][i]), "interpreters": int(runs["interpreters"][i]),
                    "wall_s": float(runs["wall_s"][i]), "cpu_s": None if np.isnan(cpu) else cpu,
                    "worker_cpu_s": float(np.sum(samples["cpu_s"][samples["run_id"] == rid])), "latency": lat})
    return out
