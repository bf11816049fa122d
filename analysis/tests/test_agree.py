"""gilbench's own summary and ``gilbench-report summary`` agree on one file (README, Speedup):
a threads launch, a 2-rank launch, a job-scope launch, a launch at another N (its baseline
compared by rate) appended to a fresh file, then the report's summary of the whole file, and
a launch of both kernels in a file of its own; every configuration each launch printed has the same row in the
report (same kernel, mode, label and baseline origins; figures equal to 1e-9 relative; None where the other has None)."""

import json
import math
import os
import shlex
import shutil

import pytest

from conftest import ENTRY, _run, mpi_env

KEY = ("kernel", "ranks", "threads", "interpreters", "lock", "lock_scope", "switch_interval_s", "check_interval",
       "tick_iterations", "probe_period_s", "scaling", "count")
SAME = ("mode", "label", "baseline", "baseline_none", "repetitions", "valid")
CLOSE = ("median_s", "min_s", "cv", "speedup", "efficiency", "speedup_vs_none")
COMMON = ["--count", "20M", "--lock", "none,gil", "--repeat", "3", "--format", "json", "-q"]


def _configurations(proc):
    return json.loads(proc.stdout)["configurations"]


def _close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0)


@pytest.fixture(scope="module")
def sides(gilbench, tmp_path_factory):
    """(what each launch printed, what the report prints for the file)."""
    path = str(tmp_path_factory.mktemp("agree") / "f.h5")
    mpirun = os.environ.get("GILBENCH_MPIEXEC", shutil.which("mpirun") or "mpirun")
    preflags = shlex.split(os.environ.get("GILBENCH_MPIEXEC_PREFLAGS", "--oversubscribe --bind-to none"))
    threads = _run([gilbench, *COMMON, "--threads", "1,2", "-o", path])
    ranks = _run([mpirun, "-n", "2", *preflags, gilbench, *COMMON, "--threads", "1", "-o", path], env=mpi_env())
    job = ["gil" if a == "none,gil" else a for a in COMMON]
    scoped = _run([mpirun, "-n", "2", *preflags, gilbench, *job, "--lock-scope", "job", "-o", path], env=mpi_env())
    # another N and no 1x1 of it: compared by rate with launch 0's 1x1 runs (20M)
    other_n = ["25M" if a == "20M" else a for a in COMMON]
    rated = _run([gilbench, *other_n, "--threads", "2", "-o", path])
    # both kernels (a file of their own: their native 1x1 would serve the rated launch by rate
    # in the report, not in the binary, which ran before it): python's rows have their own 1x1
    # and no lock-free one (native's none is another kernel), on both sides
    kpath = path[:-3] + "-kernels.h5"
    both = ["300k" if a == "20M" else a for a in COMMON]
    kernels = _run([gilbench, *both, "--kernel", "native,python", "--threads", "1,2", "-o", kpath])
    report = _run([ENTRY, "summary", path, "--format", "json", "-q"])
    kreport = _run([ENTRY, "summary", kpath, "--format", "json", "-q"])
    return (_configurations(threads) + _configurations(ranks) + _configurations(scoped) + _configurations(rated)
            + _configurations(kernels),
            _configurations(report) + _configurations(kreport))


def test_every_configuration_agrees(sides):
    binary, report = sides
    assert len(binary) == 15 and len(report) == 15, (binary, report)
    by_key = {tuple(r[k] for k in KEY): r for r in report}
    for b in binary:
        r = by_key.get(tuple(b[k] for k in KEY))
        assert r is not None, f"{b['label']}: no such row in the report ({sorted(by_key)})"
        for col in SAME:
            assert r[col] == b[col], f"{b['label']}: {col} {r[col]!r} (report) != {b[col]!r} (gilbench)"
        for col in CLOSE:
            assert _close(r[col], b[col]), f"{b['label']}: {col} {r[col]!r} (report) != {b[col]!r} (gilbench)"


def test_the_ranks_launch_takes_its_baselines_from_the_threads_launch(sides):
    binary, report = sides
    processes = [r for r in report if r["mode"] == "processes" and r["lock_scope"] == "rank"]
    assert len(processes) == 2
    for r in processes:
        assert r["baseline"] == "launch 0" and r["baseline_none"] == "launch 0", r
        assert r["speedup"] is not None and r["speedup_vs_none"] is not None
    assert {r["baseline"] for r in report if r["ranks"] == 1 and r["count"] == 20_000_000} == {"same launch"}


def test_another_n_is_compared_by_rate_on_both_sides(sides):
    binary, report = sides
    for side in (binary, report):
        rated = [r for r in side if r["count"] == 25_000_000]
        assert len(rated) == 2, side
        for r in rated:
            assert r["baseline"] == "launch 0 by rate (N 20000000)" and r["speedup"] is not None, r
            assert r["baseline_none"] == "launch 0 by rate (N 20000000)", r


def test_python_rows_have_their_own_baseline_and_none_without_a_lock(sides):
    binary, report = sides
    for side in (binary, report):
        py = [r for r in side if r["kernel"] == "python"]
        assert len(py) == 2 and {r["lock"] for r in py} == {"cpython-gil"}, side
        for r in py:
            assert r["baseline"] == "same launch" and r["speedup"] is not None, r
            assert r["speedup_vs_none"] is None and r["baseline_none"] == "", r


def test_the_lock_scope_is_in_both_labels_and_columns(sides):
    binary, report = sides
    for side in (binary, report):
        scoped = [r for r in side if r["lock_scope"] == "job"]
        assert [r["label"] for r in scoped] == ["2x1 gil 5ms job-wide"], side
        assert scoped[0]["count"] == 20_000_000 and scoped[0]["scaling"] == "strong"
        assert scoped[0]["probe_period_s"] == 0.0
        assert all("job-wide" not in r["label"] for r in side if r["lock_scope"] == "rank")


# Emulation vs real (issue 14): one --kernel native,python launch; the binary's "pairs" and the
# report's are the same lines (labels, ratios and differences to 1e-9, interval methods, notes),
# under the same column names (pairing.PAIR_COLUMNS = GILBENCH_PAIR_COLUMNS).
PAIR_CLOSE = ("emulated_ratio", "real_ratio", "difference")


@pytest.fixture(scope="module")
def pair_sides(gilbench, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("agree-pairs") / "p.h5")
    launch = _run([gilbench, "--kernel", "native,python", "--lock", "gil,legacy-gil", "--count", "300k",
                   "--threads", "1,2", "--repeat", "5", "--format", "json", "-q", "-o", path])
    report = _run([ENTRY, "summary", path, "--format", "json", "-q"])
    return json.loads(launch.stdout)["pairs"], json.loads(report.stdout)["pairs"]


def test_the_pairing_agrees(pair_sides):
    from gilbench_analysis import pairing

    binary, report = pair_sides
    assert [list(p) for p in binary] == [list(pairing.PAIR_COLUMNS)] * len(binary)
    assert len(binary) == len(report) == 4, (binary, report)
    by_key = {(p["emulated"], p["real"]): p for p in report}
    assert sorted(by_key) == sorted((p["emulated"], p["real"]) for p in binary)
    assert ("1x2 gil 5ms", "1x2 python 5ms") in by_key and ("1x2 legacy-gil 100t", "") in by_key
    for b in binary:
        r = by_key[(b["emulated"], b["real"])]
        for col in PAIR_CLOSE:
            assert _close(r[col], b[col]), f"{b['emulated']}/{b['real']}: {col} {r[col]!r} != {b[col]!r}"
        for col in ("emulated_ci", "real_ci", "note"):
            assert r[col] == b[col], f"{b['emulated']}/{b['real']}: {col} {r[col]!r} != {b[col]!r}"
        for side in ("emulated", "real"):  # an interval on both sides or on neither
            assert (r[f"{side}_lo"] is None) == (b[f"{side}_lo"] is None)
