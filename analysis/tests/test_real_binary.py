"""End to end on files made by the real gilbench binary during this test run (tiny N):
threads (a), two MPI ranks (b), all lock policies with a trace (c)."""

import os
import subprocess

import pytest

from conftest import ENTRY, assert_png, run_cli
from gilbench_analysis import compare, metrics
from gilbench_analysis.load import load


@pytest.fixture(scope="module")
def ds(real_files):
    return load(list(real_files.values()), progress=False)


@pytest.fixture(scope="module")
def table(ds):
    return metrics.config_table(ds)


def test_files_load_with_the_declared_version(ds, real_files):
    assert set(ds.files) == set(real_files.values())
    assert all(v >= 2 for v in ds.versions.values())
    assert set(ds.runs["lock"]) == {"none", "gil", "legacy-gil"}
    assert len(ds.trace) > 0 and set(ds.trace["event"]) <= {"request", "acquire", "drop_request", "release"}


def test_tidy_samples_match_the_runs(ds):
    s = ds.samples
    per_run = s.groupby("run_key").agg(n=("thread", "size"), ranks=("ranks", "first"), threads=("threads", "first"),
                                      it=("iterations", "sum"), count=("count", "first"),
                                      worst=("wall_s", "max"), run=("run_wall_s", "first"))
    assert (per_run["n"] == per_run["ranks"] * per_run["threads"]).all()       # one sample per worker
    assert (per_run["it"] == per_run["count"]).all()                            # the work was done
    assert (per_run["run"] >= per_run["worst"] * (1 - 1e-9)).all()              # run wall = max over workers
    assert len(per_run) == len(ds.runs)


def test_configurations_and_baselines(table):
    expected = {"1×1 none", "1×2 none", "2×1 none", "1×1 gil 1ms", "1×2 gil 1ms", "1×1 gil 5ms", "1×2 gil 5ms",
                "1×1 legacy-gil 100 ticks", "1×2 legacy-gil 100 ticks"}
    assert set(table["config"]) == expected
    by = table.set_index("config")
    assert by.loc["1×1 none", "n"] == 6                    # pooled over a.h5 and c.h5
    assert by.loc["2×1 none", "n"] == 3
    assert (table["n_invalid"] == 0).all()
    assert by.loc["2×1 none", "baseline"] == "1×1 none, file set"
    assert by.loc["1×2 gil 5ms", "baseline"] == "1×1 gil 5ms, same launch"
    for cfg in expected:
        r = by.loc[cfg]
        assert r["ci_lo_s"] <= r["median_s"] <= r["ci_hi_s"]
        assert r["min_s"] <= r["median_s"] and r["speedup"] > 0
    assert by.loc["1×2 gil 5ms", "busy_cores"] > 0 and by.loc["1×2 gil 5ms", "slice_s"] > 0


def test_report_on_real_files(real_files, table, tmp_path):
    out = tmp_path / "rep"
    proc = subprocess.run([ENTRY, "report", *real_files.values(), "-o", out], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    for name in ("time_vs_workers.png", "speedup.png", "efficiency.png", "lock_policies.png", "affinity.png",
                 "lock_timeline_1.png"):
        assert_png(out / name)
    pngs = [f for f in os.listdir(out) if f.endswith(".png")]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == len(pngs)
    md = (out / "report.md").read_text(encoding="utf-8")
    for cfg in table["config"]:
        assert f"| {cfg} |" in md
    assert "processes without a lock (2×1)" in md


def test_compare_a_file_with_itself(real_files):
    code, out, err = run_cli("compare", real_files["c"], real_files["c"], "--fail-above", "0")
    assert code == 0, err
    frame = compare.compare(load([real_files["c"]], progress=False), load([real_files["c"]], progress=False))
    assert set(frame["verdict"]) == {compare.INSUFFICIENT}          # 3 repetitions a side
    pooled = compare.compare(load([real_files["a"], real_files["c"]], progress=False),
                             load([real_files["a"], real_files["c"]], progress=False))
    row = pooled[pooled["config"] == "1×1 none"].iloc[0]
    assert row["verdict"] == compare.SAME and row["ratio"] == 1.0     # 6 repetitions a side


def test_truncated_real_file_is_named(real_files, tmp_path):
    data = open(real_files["a"], "rb").read()
    trunc = tmp_path / "trunc.h5"
    trunc.write_bytes(data[:2000])
    proc = subprocess.run([ENTRY, "report", trunc, "-o", tmp_path / "r"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3
    assert "trunc.h5" in proc.stderr and "truncated" in proc.stderr and proc.stderr.count("\n") == 1


def test_export_real_samples(real_files, ds, tmp_path):
    code, _, err = run_cli("export", *real_files.values(), "--format", "csv", "-o", tmp_path / "s.csv")
    assert code == 0, err
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert len(lines) == len(ds.samples) + 1
