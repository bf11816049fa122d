"""Shared by the sections of gilbench-fidelity: finding interpreters and gilbench, running it,
small formatting helpers."""
import argparse
import os
import re
import shutil
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

class Gilbench:
    def __init__(self, exe, mpirun, progress):
        self.exe, self.mpirun, self.progress = exe, mpirun, progress
        self.env = dict(os.environ)
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root without these
            self.env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            self.env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        self.env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
        self.env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")

    def run(self, args, h5, ranks=1):
        """One launch appending to ``h5``, its summary as JSON: ``(exit code, stdout, stderr)``."""
        cmd = [self.exe] + args + ["--format", "json", "--quiet", "--output", h5]
        if ranks > 1:
            cmd = [self.mpirun, "-n", str(ranks), "--oversubscribe", "--bind-to", "none"] + cmd
        self.progress("  " + " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd)))
        out = subprocess.run(cmd, capture_output=True, text=True, env=self.env)
        return out.returncode, out.stdout, out.stderr


# --------------------------------------------------------------------------------------------
# Printing

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
