"""The summary rule (README, Speedup) on a synthetic file with hand-computed values, and the
summary's JSON, CSV and table forms (one column list: schema.json's summary table)."""

import csv
import io
import json
import math

import pytest

from conftest import run_cli
from gilbench_analysis import metrics, schema
from gilbench_analysis.load import load
from synth import Builder, launch


def _lock_work(run_wall, rank, thread):
    return dict(acquisitions=100, switches=50, hold_s=0.6)


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    b = Builder(3)
    b.add(1, 1, [1.0, 1.2, 1.1])                                        # launch 0
    b.add(1, 1, [1.5, 1.5], lock="gil")
    b.add(1, 2, [2.0], lock="gil", worker=_lock_work)
    b.add(1, 2, [3.0, 3.0], lock="legacy-gil")
    b.add(1, 2, [1.0, 1.0], lock="gil", interpreters=2)
    probed = len(b.runs)
    b.add(1, 1, [1.0, 1.0], lock="gil", probe=0.01, probe_cpu_s=0.5)
    b.add(2, 1, [0.5, 0.6, 0.55], launch_id=1)                          # launch 1: no 1×1 runs
    b.add(1, 4, [1.25] * 3, scaling="weak", count=4_000_000, launch_id=1)
    b.add(2, 2, [0.4, 0.4], valid=0, launch_id=1)
    b.latency = [dict(run_id=probed, rank=0, event=i, latency_s=v) for i, v in enumerate([0.001, 0.002, 0.003, 0.004])]
    b.latency.append(dict(run_id=probed + 1, rank=0, event=0, latency_s=0.005))
    return str(b.write(tmp_path_factory.mktemp("sum") / "s.h5", launches=[launch(0), launch(1)]))


@pytest.fixture(scope="module")
def rows(path):
    """The rows without a probe, by label (gilbench's labels do not name the probe)."""
    return {r["label"]: r for r in metrics.summary_rows(load([path], progress=False)) if r["probe_period_s"] == 0}


def test_rows_have_the_summary_columns_in_order(path):
    rows = metrics.summary_rows(load([path], progress=False))
    assert [r["label"] for r in rows] == ["1x1 none", "1x1 gil 5ms", "1x2 gil 5ms", "1x2 legacy-gil 100t",
                                          "1x2 gil/2i 5ms", "1x1 gil 5ms", "2x1 none", "1x4 none", "2x2 none"]
    for r in rows:
        assert tuple(r) == schema.SUMMARY_NAMES


def test_sequential_row(rows):
    r = rows["1x1 none"]
    assert r["mode"] == "sequential" and r["repetitions"] == 3 and r["valid"] is True
    assert r["median_s"] == pytest.approx(1.1) and r["min_s"] == 1.0
    assert r["cv"] == pytest.approx(0.1 / 1.1)
    assert r["speedup"] == 1.0 and r["efficiency"] == 1.0 and r["baseline"] == "same launch"
    assert r["speedup_vs_none"] == 1.0 and r["baseline_none"] == "same launch"
    assert r["switches_per_s"] == 0.0 and r["mean_slice_s"] == 0.0 and r["latency_events"] == 0


def test_gil_threads_against_gil_and_against_none(rows):
    r = rows["1x2 gil 5ms"]
    assert r["mode"] == "threads" and r["repetitions"] == 1 and r["cv"] is None     # n < 2
    assert r["speedup"] == pytest.approx(1.5 / 2.0) and r["efficiency"] == pytest.approx(0.375)
    assert r["speedup_vs_none"] == pytest.approx(1.1 / 2.0)
    assert r["switches_per_s"] == pytest.approx(100 / 2.0)           # Σ switches / Σ run wall
    assert r["mean_slice_s"] == pytest.approx(1.2 / 200)             # Σ hold / Σ acquisitions
    assert r["cpu_s"] == pytest.approx(4.0)
    assert rows["1x1 gil 5ms"]["speedup_vs_none"] == pytest.approx(1.1 / 1.5)


def test_no_baseline_of_the_same_lock(rows):
    r = rows["1x2 legacy-gil 100t"]
    assert r["check_interval"] == 100 and r["tick_iterations"] == 1000 and r["switch_interval_s"] == 0.0
    assert r["speedup"] is None and r["efficiency"] is None and r["baseline"] == ""
    assert r["speedup_vs_none"] == pytest.approx(1.1 / 3.0) and r["baseline_none"] == "same launch"


def test_interpreters_are_ignored_by_the_baseline(rows):
    r = rows["1x2 gil/2i 5ms"]
    assert r["interpreters"] == 2 and r["speedup"] == pytest.approx(1.5) and r["baseline"] == "same launch"


def test_probe_row_and_its_latency(path):
    rows = metrics.summary_rows(load([path], progress=False))
    r = [r for r in rows if r["probe_period_s"] > 0][0]
    assert r["label"] == "1x1 gil 5ms"                                 # gilbench's label has no probe
    assert r["speedup"] == 1.0 and r["speedup_vs_none"] is None and r["baseline_none"] == ""
    assert r["latency_events"] == 5 and r["latency_mean_s"] == pytest.approx(0.003)
    assert r["latency_median_s"] == pytest.approx(0.003)
    assert r["latency_p99_s"] is None                                  # 5 events: no p99 (needs 100)
    assert r["cpu_s"] == pytest.approx(1.5)                            # the worker's 1.0 + the probe's 0.5


def test_another_launch_lends_its_baseline(rows):
    r = rows["2x1 none"]
    assert r["mode"] == "processes" and r["baseline"] == "launch 0" and r["baseline_none"] == "launch 0"
    assert r["speedup"] == pytest.approx(2.0) and r["efficiency"] == pytest.approx(1.0)
    w = rows["1x4 none"]
    assert w["scaling"] == "weak" and w["count"] == 4_000_000 and w["baseline"] == "launch 0"
    assert w["speedup"] == pytest.approx(4 * 1.1 / 1.25) and w["efficiency"] == pytest.approx(1.1 / 1.25)


def test_invalid_configuration(rows):
    r = rows["2x2 none"]
    assert r["mode"] == "hybrid" and r["valid"] is False and r["repetitions"] == 0
    assert r["median_s"] == 0.0 and r["cv"] is None and r["speedup"] is None and r["baseline"] == ""


def test_older_files_have_no_run_cpu_time(tmp_path):
    b = Builder(2)
    b.add(1, 1, [1.0, 1.0])
    rows = metrics.summary_rows(load([str(b.write(tmp_path / "v2.h5"))], progress=False))
    assert rows[0]["cpu_s"] is None and rows[0]["speedup"] == 1.0


def test_json_csv_and_table_forms(path):
    code, out, err = run_cli("summary", path, "--format", "json", "-q")
    assert code == 0, err
    confs = json.loads(out)["configurations"]
    assert len(confs) == 9 and all(tuple(c) == schema.SUMMARY_NAMES for c in confs)
    assert confs == json.loads(json.dumps(metrics.summary_rows(load([path], progress=False))))
    code, out, _ = run_cli("summary", path, "--format", "csv", "-q")
    lines = list(csv.reader(io.StringIO(out)))
    assert tuple(lines[0]) == schema.SUMMARY_NAMES and len(lines) == 10
    legacy = dict(zip(lines[0], lines[4]))
    assert legacy["label"] == "1x2 legacy-gil 100t" and legacy["speedup"] == "" and legacy["valid"] == "1"
    assert math.isclose(float(legacy["speedup_vs_none"]), 1.1 / 3.0)
    code, out, _ = run_cli("summary", path, "-q")
    head, first = out.splitlines()[:2]
    assert head.split()[:2] == ["mode", "label"] and "latency_p99_s" in head and "speedup_vs_none" in head
    assert first.split()[:3] == ["sequential", "1x1", "none"]
