"""Shared fixtures: the package on sys.path, PNG checks, the real gilbench binary and the
results files it makes during the test run (tiny N)."""

import os
import shutil
import subprocess
import sys

import pytest

ANALYSIS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(ANALYSIS)
ENTRY = os.path.join(ANALYSIS, "gilbench-report")
sys.path.insert(0, ANALYSIS)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 2048


def assert_png(path):
    """A real picture: PNG signature, an IHDR of sensible size, more than 2 kB."""
    assert os.path.isfile(path), f"missing plot {path}"
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert width >= 300 and height >= 200, f"{path} is only {width}x{height}"
    assert os.path.getsize(path) > MIN_PNG_BYTES, f"{path} is only {os.path.getsize(path)} bytes"


def run_cli(*args):
    """Run the command line in-process; ``(exit code, stdout, stderr)``."""
    from gilbench_analysis.cli import main

    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


# ----------------------------------------------------------------------------- real binary

def _find_binary():
    env = os.environ.get("GILBENCH")
    if env:
        return env, "GILBENCH"
    for cand in (os.path.join(REPO, "build", "release", "bin", "gilbench"),  # the preset build
                 os.path.join(REPO, "build", "bin", "gilbench")):
        if os.access(cand, os.X_OK):
            return cand, "fallback"
    return None, None


def mpi_env():
    """The environment for mpirun: the caller's, plus Open MPI's root and oversubscription
    permissions when running as root (ctest passes GILBENCH_MPI_ENV the same way)."""
    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("OMPI_MCA_rmaps_base_oversubscribe", "1")
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    return env


@pytest.fixture(scope="session")
def gilbench():
    """Path of the real gilbench binary: $GILBENCH, else the repository's preset build
    build/release/bin/gilbench, else build/bin/gilbench. Fails (never skips) when there is none."""
    path, how = _find_binary()
    if path is None:
        pytest.fail("no gilbench binary: set GILBENCH=/path/to/gilbench (ctest does), or build it "
                    "with cmake --workflow --preset release (build/release/bin/gilbench)", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"GILBENCH={path} is not an executable file", pytrace=False)
    return path


def _run(cmd, env=None):
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}: {' | '.join(tail)}", pytrace=False)
    return proc


@pytest.fixture(scope="session")
def real_files(gilbench, tmp_path_factory):
    """Files made by the real binary: threads, then 2 MPI ranks appended as a second launch (a),
    locks with a trace (c)."""
    d = tmp_path_factory.mktemp("real")
    files = {name: str(d / f"{name}.h5") for name in "ac"}
    common = ["--count", "2M", "--repeat", "3", "--quiet"]
    _run([gilbench, *common, "--threads", "1,2", "--output", files["a"]])
    mpirun = os.environ.get("GILBENCH_MPIEXEC", shutil.which("mpirun") or "mpirun")
    _run([mpirun, "-n", "2", gilbench, *common, "--threads", "1", "--output", files["a"]], env=mpi_env())
    _run([gilbench, *common, "--threads", "1,2", "--lock", "none,gil,legacy-gil",
          "--switch-interval", "1ms,5ms", "--trace", "--output", files["c"]])
    return files
