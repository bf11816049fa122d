"""The command line and the gilbench-report entry point (source tree and installed layout)."""

import os
import shutil
import subprocess

import pytest

from conftest import ANALYSIS, ENTRY, run_cli
from gilbench_analysis import deps
from synth import Builder


@pytest.fixture()
def good(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0, 1.1, 0.9])
    b.add(1, 2, [0.5, 0.55, 0.6])
    return str(b.write(tmp_path / "good.h5"))


def _entry(entry, *args, env=None):
    return subprocess.run([entry, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env=env or os.environ.copy())


@pytest.mark.parametrize("argv, fragment", [
    ([], "required: COMMAND"),
    (["frobnicate"], "invalid choice"),
    (["report", "x.h5"], "-o/--output"),
    (["summary", "x.h5", "--level", "2"], "--level must be in (0, 1)"),
    (["compare", "a.h5"], "NEW"),
    (["compare", "a.h5", "b.h5", "--fail-above", "nan"], "--fail-above must be a finite percentage"),
    (["compare", "a.h5", "b.h5", "--fail-above", "inf"], "--fail-above must be a finite percentage"),
    (["report", "a.h5", "-o", "r", "--seed", "-1"], "--seed must be in 0..4294967295"),
    (["summary", "a.h5", "--seed", "x"], "--seed takes a whole number"),
])
def test_usage_errors_are_one_line_exit_2(argv, fragment):
    code, _, err = run_cli(*argv)
    assert code == 2 and fragment in err and err.count("\n") == 1, err
    assert err.startswith("gilbench-report: ")


def test_summary_prints_table_and_reading(good, tmp_path):
    # 3 runs a side: the reading prints the time ratio, and no interval nor verdict
    code, out, _ = run_cli("summary", good)
    assert code == 0
    assert "1x2 none" in out and ("threads without a lock (1×2): 0.55× (n too small for a 95% interval: "
                                  "needs 5 runs a side, n = 3, baseline 3)") in out
    assert "faster" not in out
    # 5 runs a side: the interval exists, and the verdict with it
    b = Builder()
    b.add(1, 1, [1.0, 1.1, 0.9, 1.05, 0.95])
    b.add(1, 2, [0.5, 0.55, 0.6, 0.52, 0.58])
    code, out, _ = run_cli("summary", b.write(tmp_path / "five.h5"))
    assert code == 0 and "threads without a lock (1×2): 0.55× (faster)" in out


def test_entry_point_runs_under_debian_python_from_anywhere(good, tmp_path):
    env = os.environ.copy()
    env.pop("GILBENCH_PYTHON", None)
    proc = subprocess.run([ENTRY, "report", good, "-o", tmp_path / "rep"], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert os.path.isfile(tmp_path / "rep" / "report.html")


def test_entry_point_bad_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    proc = _entry(ENTRY, "report", bad, "-o", tmp_path / "rep")
    assert proc.returncode == 3
    assert str(bad) in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_installed_layout(good, tmp_path):
    """PREFIX/bin/gilbench-report + PREFIX/share/gilbench/analysis/gilbench_analysis, and a
    symlink to the installed script from elsewhere."""
    prefix = tmp_path / "prefix"
    (prefix / "bin").mkdir(parents=True)
    shutil.copy2(ENTRY, prefix / "bin" / "gilbench-report")
    shutil.copytree(os.path.join(ANALYSIS, "gilbench_analysis"),
                    prefix / "share" / "gilbench" / "analysis" / "gilbench_analysis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    proc = _entry(prefix / "bin" / "gilbench-report", "summary", good)
    assert proc.returncode == 0 and "1x2 none" in proc.stdout, proc.stderr
    (tmp_path / "elsewhere").mkdir()
    os.symlink(prefix / "bin" / "gilbench-report", tmp_path / "elsewhere" / "gr")
    proc = _entry(tmp_path / "elsewhere" / "gr", "--version")
    assert proc.returncode == 0 and "gilbench-report" in proc.stdout


def test_entry_point_without_package_says_so(tmp_path):
    lonely = tmp_path / "gilbench-report"
    shutil.copy2(ENTRY, lonely)
    proc = _entry(lonely, "--help")
    assert proc.returncode == 6 and "cannot find the gilbench_analysis package" in proc.stderr


def test_entry_point_skips_a_python_without_the_packages(good, tmp_path):
    """GILBENCH_PYTHON pointing at an interpreter without h5py & co is passed over."""
    fake = tmp_path / "python-without-libs"
    fake.write_text("#!/bin/sh\nexec /usr/bin/python3 -B -S -I \"$@\"\n")   # -S: no dist-packages
    fake.chmod(0o755)
    env = dict(os.environ, GILBENCH_PYTHON=str(fake))
    proc = _entry(ENTRY, "summary", good, env=env)
    assert proc.returncode == 0, proc.stderr


def test_missing_packages_message(monkeypatch):
    monkeypatch.setattr(deps.importlib.util, "find_spec", lambda name: None if name in ("h5py", "scipy") else object())
    assert deps.missing() == ["h5py", "scipy"]
    text = deps.message(deps.missing(), "/usr/bin/python3")
    assert text == ("gilbench-report: /usr/bin/python3 lacks h5py, scipy: apt-get install -y python3-h5py "
                    "python3-scipy (or set GILBENCH_PYTHON to a python3 that has them)")


def test_missing_packages_exit_code(tmp_path):
    """With only a library-less Python available, the entry point names the Debian packages."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake = fake_bin / "python3"
    fake.write_text("#!/bin/sh\nexec /usr/bin/python3 -B -S -I \"$@\"\n")
    fake.chmod(0o755)
    script = tmp_path / "gilbench-report"
    # the same script, its candidate list reduced to the fake interpreter
    text = open(ENTRY).read().replace("candidates+=(/usr/bin/python3)\n", "")
    script.write_text(text)
    script.chmod(0o755)
    os.symlink(os.path.join(ANALYSIS, "gilbench_analysis"), tmp_path / "gilbench_analysis")
    env = dict(os.environ, PATH=f"{fake_bin}:/bin", GILBENCH_PYTHON="")     # python3 on PATH: the fake
    proc = subprocess.run(["/bin/bash", str(script), "--help"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 6, proc.stderr
    needed = "python3-numpy python3-h5py python3-pandas python3-matplotlib python3-scipy"
    assert f"apt-get install -y {needed}" in proc.stderr
