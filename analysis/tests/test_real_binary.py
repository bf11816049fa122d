"""End to end on files made by the real gilbench binary during this test run (tiny N):
threads and then two MPI ranks in one file (a), all lock policies with a trace (c); and schema
3: a latency probe (probe.h5), one and two threads in two interpreters with a trace (interp.h5)."""

import math
import os
import subprocess

import numpy as np
import pytest

from conftest import ENTRY, _run, assert_png, run_cli
from gilbench_analysis import compare, metrics, schema, tables
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
    expected = {"1x1 none", "1x2 none", "2x1 none", "1x1 gil 1ms", "1x2 gil 1ms", "1x1 gil 5ms", "1x2 gil 5ms",
                "1x1 legacy-gil 100t", "1x2 legacy-gil 100t"}
    assert set(table["config"]) == expected
    by = table.set_index("config")
    assert by.loc["1x1 none", "n"] == 6                    # pooled over a.h5 and c.h5
    assert by.loc["2x1 none", "n"] == 3
    assert (table["n_invalid"] == 0).all()
    assert by.loc["2x1 none", "baseline"] == "launch 0"                # a.h5's first launch
    assert by.loc["2x1 none", "speedup_vs_none"] == by.loc["2x1 none", "speedup"]
    assert by.loc["1x2 gil 5ms", "baseline"] == "same launch"
    assert by.loc["1x2 gil 5ms", "baseline_none"] == "same launch"
    for cfg in expected:
        r = by.loc[cfg]
        if r["n"] >= 6:                                    # the order-statistic CI needs 6 for 95 %
            assert r["ci_lo_s"] <= r["median_s"] <= r["ci_hi_s"]
        else:
            assert math.isnan(r["ci_lo_s"]) and math.isnan(r["ci_hi_s"])
        assert r["min_s"] <= r["median_s"] and r["speedup"] > 0
    assert by.loc["1x2 gil 5ms", "busy_cores"] > 0 and by.loc["1x2 gil 5ms", "slice_s"] > 0


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
    assert code == 5 and "no configuration could be tested" in err, err       # 3 a side: nothing tested
    frame = compare.compare(load([real_files["c"]], progress=False), load([real_files["c"]], progress=False))
    assert set(frame["verdict"]) == {compare.INSUFFICIENT}          # 3 repetitions a side
    pooled = compare.compare(load([real_files["a"], real_files["c"]], progress=False),
                             load([real_files["a"], real_files["c"]], progress=False))
    row = pooled[pooled["config"] == "1x1 none"].iloc[0]
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


# ----------------------------------------------------------------------------- schema 3

PROBED, INTERP = "1x1 gil 5ms probe 3ms", "1x2 gil/2i 5ms"


@pytest.fixture(scope="module")
def v3_files(gilbench, tmp_path_factory):
    """A latency probe behind one gil thread; one gil thread, then two threads in two
    interpreters, traced, appended as a second launch."""
    d = tmp_path_factory.mktemp("real3")
    files = {"probe": str(d / "probe.h5"), "interp": str(d / "interp.h5")}
    _run([gilbench, "--probe", "latency:3ms", "--lock", "gil", "--threads", "1", "--count", "100M",
          "--repeat", "2", "--quiet", "--output", files["probe"]])
    _run([gilbench, "--threads", "1", "--lock", "gil", "--count", "100M", "--repeat", "2", "--quiet",
          "--output", files["interp"]])                                  # the 1×1 baseline, its own launch
    _run([gilbench, "--threads", "2", "--interpreters", "2", "--lock", "gil", "--trace", "--count", "100M",
          "--repeat", "2", "--quiet", "--output", files["interp"]])
    return files


@pytest.fixture(scope="module")
def ds3(v3_files):
    return load(list(v3_files.values()), progress=False)


@pytest.fixture(scope="module")
def report3(v3_files, tmp_path_factory):
    out = tmp_path_factory.mktemp("rep3") / "rep"
    proc = subprocess.run([ENTRY, "report", *v3_files.values(), "-o", out], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def test_loader_reads_the_latency_table(ds3, v3_files):
    assert set(ds3.versions.values()) == {schema.CURRENT_VERSION}  # latency: since 3
    lat, runs = ds3.latency, ds3.runs.set_index("run_key")
    assert len(lat) > 0 and set(lat["file"]) == {v3_files["probe"]}
    assert {"run_id", "rank", "interpreter", "event", "sent_s", "woke_s", "acquired_s", "latency_s", "wake_s",
            "queue_s"} <= set(lat.columns)
    assert set(lat["run_key"]) <= set(runs.index)
    probed = runs[runs["file"] == v3_files["probe"]]
    assert (probed["probe_period_s"] == 0.003).all() and (probed["interpreters"] == 1).all()
    assert set(lat["run_key"]) == set(probed.index)                       # every run (warm-up too) has events
    for _, g in lat.groupby(["run_key", "rank"]):                          # each event recorded once, 0..n-1
        assert sorted(g["event"]) == list(range(len(g)))
    assert np.allclose(lat["latency_s"], lat["acquired_s"] - lat["sent_s"], atol=1e-9)
    assert np.allclose(lat["latency_s"], lat["wake_s"] + lat["queue_s"], atol=1e-9)
    assert (lat["latency_s"] >= 0).all() and (lat["interpreter"] == 0).all()
    assert (runs.loc[runs["file"] == v3_files["interp"], "probe_period_s"] == 0).all()
    assert (ds3.launches["rounds_written"] == 3).all()                    # 1 warm-up + 2 measured rounds
    assert (ds3.runs["cpu_s"] > 0).all()


def test_interpreters_of_the_real_run(ds3, v3_files):
    s = ds3.samples[(ds3.samples["file"] == v3_files["interp"]) & (ds3.samples["threads"] == 2)]
    assert (s["interpreters"] == 2).all() and len(s) == 2 * 3
    assert (s["interpreter"] == s["thread"] % 2).all()
    assert (s["acquisitions"] >= 1).all()
    assert (s["switches"] == 0).all()             # a lock each: no holder ever changes
    assert len(ds3.trace) > 0 and set(ds3.trace["file"]) == {v3_files["interp"]}


def test_latency_table_per_configuration(ds3, report3):
    runs = metrics.measured_runs(ds3)
    lat = metrics.latency_table(ds3, runs=runs)
    assert list(lat["config"]) == [PROBED]
    keep = set(runs.loc[runs["valid"].astype(int) == 1, "run_key"])
    values = ds3.latency.loc[ds3.latency["run_key"].isin(keep), "latency_s"].to_numpy(float)
    r = lat.iloc[0]
    assert r["events"] == values.size and r["runs"] == 2                 # the warm-up's events left out
    assert r["mean_s"] == pytest.approx(values.mean())
    assert r["median_s"] == pytest.approx(np.median(values))
    if values.size >= 100:
        assert r["p99_s"] == pytest.approx(np.percentile(values, 99))
    else:
        assert math.isnan(r["p99_s"])                                      # too few events for a p99
    md = (report3 / "report.md").read_text(encoding="utf-8")
    assert "## Latency probe" in md and "| configuration | events | mean | median | p99 | max |" in md
    row = (f"| {PROBED} | {values.size} | {tables.seconds(r['mean_s'])} | {tables.seconds(r['median_s'])} | "
           f"{tables.seconds(r['p99_s'])} | {tables.seconds(r['max_s'])} |")
    assert row in md


def test_report_of_schema_3(ds3, report3):
    assert_png(report3 / "latency_cdf.png")
    assert_png(report3 / "lock_timeline_1.png")
    md = (report3 / "report.md").read_text(encoding="utf-8")
    assert "](latency_cdf.png)" in md and "](lock_timeline_1.png)" in md
    assert f"Lock timeline of {INTERP} (" in md
    for cfg in (PROBED, INTERP):
        assert f"| {cfg} |" in md, cfg                                   # configuration and lock tables
    assert "2 interpreters with a lock each (1×2)" in md                 # the reading says so too
    html = (report3 / "report.html").read_text(encoding="utf-8")
    pngs = [f for f in os.listdir(report3) if f.endswith(".png")]
    assert html.count("data:image/png;base64,") == len(pngs)
    table = metrics.config_table(ds3).set_index("config")
    assert table.loc[INTERP, "interpreters"] == 2 and table.loc[INTERP, "switches_per_s"] == 0
    assert table.loc[INTERP, "baseline"] == "launch 0"                   # the file's 1×1 gil launch
    assert table.loc[PROBED, "busy_cores"] > 0
