"""Scaling and lock metrics on synthetic files with hand-computed values."""

import math

import pytest

from gilbench_analysis import metrics
from gilbench_analysis.load import load
from synth import Builder, launch


def _row(table, config):
    rows = table[table["config"] == config]
    assert len(rows) == 1, f"{config} not in {list(table['config'])}"
    return rows.iloc[0]


def _hold(run_wall, rank, thread):
    # thread 0 holds 0.6 s, thread 1 0.2 s; 100 acquisitions each; 50 switches each;
    # forced drops 40 and 20; waits 0.4 s and 0.8 s
    return [dict(acquisitions=100, switches=50, forced_drops=40, hold_s=0.6, wait_s=0.4, cpu_s=1.0),
            dict(acquisitions=100, switches=50, forced_drops=20, hold_s=0.2, wait_s=0.8, cpu_s=1.0)][thread]


def _uneven(run_wall, rank, thread):
    return dict(wall_s=run_wall * (1.0 if thread in (0, 3) else 0.5))


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "hand.h5"
    b = Builder()
    b.add(1, 1, [1.0, 1.2, 1.1, 0.9, 1.0], warmups=1)                      # median 1.0
    b.add(1, 4, [0.32, 0.3125, 0.3125, 0.30, 0.33], worker=_uneven, warmups=1)  # median 0.3125; 5 rounds paired
    b.add(1, 2, [1.0] * 5, lock="gil", worker=_hold)
    b.add(1, 1, [1.0, 1.01, 0.99, 1.0, 5.0], lock="gil")                    # one outlier
    b.add(2, 1, [0.5] * 4, valid=0)                                         # all invalid
    b.write(path)
    return metrics.config_table(load([str(path)], progress=False))


def test_pure_formulas():
    assert metrics.speedup(1.0, 0.3125) == pytest.approx(3.2)
    assert metrics.efficiency(3.2, 4) == pytest.approx(0.8)
    assert metrics.karp_flatt(3.2, 4) == pytest.approx((1 / 3.2 - 1 / 4) / (1 - 1 / 4))
    assert metrics.karp_flatt(1.0, 2) == pytest.approx(1.0)     # no parallelism at all
    assert metrics.karp_flatt(2.0, 2) == pytest.approx(0.0)
    assert math.isnan(metrics.karp_flatt(1.0, 1))
    assert metrics.scaled_speedup(1.0, 1.25, 4) == pytest.approx(3.2)
    assert metrics.switch_rate([50, 50], 2.0) == 50.0
    assert metrics.mean_slice([0.6, 0.2], [100, 100]) == pytest.approx(0.004)
    assert metrics.forced_drop_share([40, 20], [100, 100]) == pytest.approx(0.3)
    assert metrics.wait_share([0.4, 0.8], [1.0, 1.0]) == pytest.approx(0.6)
    assert metrics.busy_cores([1.0, 1.0], 1.0) == 2.0
    assert math.isnan(metrics.mean_slice([0.0], [0]))


def test_sequential_statistics(table):
    r = _row(table, "1x1 none")
    assert r["n"] == 5                                # the warm-up is left out
    assert r["median_s"] == 1.0
    assert math.isnan(r["ci_lo_s"]) and math.isnan(r["ci_level"])   # n = 5: [min, max] covers 93.75 % < 95 %
    assert r["min_s"] == 0.9
    assert r["cv"] == pytest.approx(math.sqrt(0.013) / 1.04)
    assert r["speedup"] == 1.0 and r["efficiency"] == 1.0
    assert r["baseline"] == "same launch"


def test_threads_speedup_efficiency_karp_flatt_imbalance(table):
    r = _row(table, "1x4 none")
    assert r["median_s"] == 0.3125
    assert r["speedup"] == pytest.approx(3.2)
    assert r["speedup_lo"] <= 3.2 <= r["speedup_hi"]
    assert r["efficiency"] == pytest.approx(0.8)
    assert r["karp_flatt"] == pytest.approx(1 / 12)
    assert r["time_ratio"] == pytest.approx(0.3125)
    assert r["imbalance"] == pytest.approx(4 / 3)     # worker walls t, t/2, t/2, t


def test_lock_metrics(table):
    r = _row(table, "1x2 gil 5ms")
    assert r["switches_per_s"] == pytest.approx(100.0)
    assert r["slice_s"] == pytest.approx(0.004)
    assert r["forced_share"] == pytest.approx(0.3)
    assert r["jain"] == pytest.approx(0.8)
    assert r["wait_share"] == pytest.approx(0.6)
    assert r["busy_cores"] == pytest.approx(2.0)
    assert r["baseline"] == "same launch"                  # against 1×1 gil 5ms: the same lock
    assert r["speedup"] == pytest.approx(1.0)              # 1×1 gil 5ms: median 1.0
    assert r["speedup_vs_none"] == pytest.approx(1.0) and r["baseline_none"] == "same launch"
    assert math.isnan(_row(table, "1x4 none")["switches_per_s"])


def test_outliers_are_flagged_and_kept(table):
    r = _row(table, "1x1 gil 5ms")
    assert r["n"] == 5 and r["n_outliers"] == 1 and r["max_s"] == 5.0
    assert r["median_s"] == 1.0


def test_invalid_runs_are_counted_not_used(table):
    r = _row(table, "2x1 none")
    assert r["n"] == 0 and r["n_invalid"] == 4
    assert math.isnan(r["median_s"]) and math.isnan(r["speedup"])


def test_baseline_from_the_files_other_launches(tmp_path):
    """A launch without 1×1 runs takes them from the file's other launches, pooled; another
    file's are never used."""
    b = Builder()
    b.add(1, 1, [2.0] * 3, launch_id=0)
    b.add(1, 1, [3.0] * 2, launch_id=2)
    b.add(2, 1, [1.25] * 3, launch_id=3)
    both = b.write(tmp_path / "one.h5", launches=[launch(0), launch(2), launch(3)])
    r = _row(metrics.config_table(load([str(both)], progress=False)), "2x1 none")
    assert r["baseline"] == "launches 0,2" and r["baseline_none"] == "launches 0,2"
    assert r["speedup"] == pytest.approx(2.0 / 1.25)             # median of 2, 2, 2, 3, 3
    assert r["efficiency"] == pytest.approx(0.8)
    seq, par = tmp_path / "seq.h5", tmp_path / "par.h5"
    Builder().add(1, 1, [2.0] * 3).write(seq)
    Builder().add(2, 1, [1.25] * 3).write(par)
    r = _row(metrics.config_table(load([str(seq), str(par)], progress=False)), "2x1 none")
    assert r["baseline"] == "" and math.isnan(r["speedup"]) and math.isnan(r["speedup_vs_none"])


def test_speedup_against_the_same_lock_and_against_none(tmp_path):
    """gil 2 threads against 1×1 gil (speedup) and against 1×1 none (speedup vs none)."""
    b = Builder()
    b.add(1, 1, [1.0] * 3)
    b.add(1, 1, [1.2] * 3, lock="gil")
    b.add(1, 2, [1.5] * 3, lock="gil")
    b.add(1, 2, [1.5] * 3, lock="gil", interval=0.001)            # no 1×1 gil 1ms
    table = metrics.config_table(load([str(b.write(tmp_path / "g.h5"))], progress=False))
    r = _row(table, "1x2 gil 5ms")
    assert r["speedup"] == pytest.approx(0.8) and r["efficiency"] == pytest.approx(0.4)
    assert r["speedup_vs_none"] == pytest.approx(1.0 / 1.5)
    assert r["baseline"] == r["baseline_none"] == "same launch"
    r = _row(table, "1x2 gil 1ms")
    assert math.isnan(r["speedup"]) and r["baseline"] == ""
    assert r["speedup_vs_none"] == pytest.approx(1.0 / 1.5) and r["baseline_none"] == "same launch"


def test_weak_scaling_view(tmp_path):
    path = tmp_path / "weak.h5"
    b = Builder()
    b.add(1, 1, [1.0] * 3, scaling="weak", count=1_000_000)
    b.add(1, 4, [1.25] * 3, scaling="weak", count=4_000_000)     # 4× the work in 1.25× the time
    b.write(path)
    r = _row(metrics.config_table(load([str(path)], progress=False)), "1x4 none")
    assert r["work"] == 1_000_000
    assert r["speedup"] == pytest.approx(3.2)                     # p · T1 / Tp
    assert r["efficiency"] == pytest.approx(0.8)                  # T1 / Tp
    assert math.isnan(r["karp_flatt"])
    assert r["baseline"] == "same launch"


def test_seeded_tables_are_identical(tmp_path):
    path = tmp_path / "s.h5"
    Builder().add(1, 1, [1.0, 1.3, 0.8, 1.1, 0.95]).add(1, 2, [0.6, 0.5, 0.55, 0.7, 0.5]).write(path)
    ds = load([str(path)], progress=False)
    a, b = metrics.config_table(ds, seed=3), metrics.config_table(ds, seed=3)
    two = a["threads"] == 2
    assert a.loc[two, "speedup_lo"].notna().all()
    assert (a["speedup_lo"][two] == b["speedup_lo"][two]).all() and (a["speedup_hi"][two] == b["speedup_hi"][two]).all()


# --------------------------------------------------------------------------- schema 3

def _holds(*holds):
    """Worker columns: thread t holds holds[t] seconds (one acquisition)."""
    return lambda run_wall, rank, thread: dict(acquisitions=1, hold_s=holds[rank + thread])


@pytest.fixture(scope="module")
def v3(tmp_path_factory):
    path = tmp_path_factory.mktemp("v3") / "v3.h5"
    b = Builder(3)
    b.add(1, 1, [1.0] * 3, lock="gil")                                          # no probe
    b.add(1, 1, [1.2] * 3, lock="gil", probe=0.01, probe_cpu_s=0.5)             # probe every 10 ms
    b.add(1, 2, [2.4] * 3, lock="gil", probe=0.01)
    # 4 threads, 2 interpreters: interpreter 0 = threads 0, 2 (hold 0.6, 0.2), 1 = threads 1, 3 (0.5, 0.5)
    b.add(1, 4, [1.0] * 3, lock="gil", interpreters=2, worker=_holds(0.6, 0.5, 0.2, 0.5))
    b.add(1, 2, [1.0] * 3, lock="gil", interpreters=2, worker=_holds(0.9, 0.1))  # one thread per lock
    b.add(2, 1, [1.0] * 3, lock="gil", worker=_holds(0.6, 0.2))                  # one lock per rank
    b.add(2, 1, [1.0] * 3, lock="gil", scope="job", worker=_holds(0.6, 0.2))     # one lock for both
    b.write(path)
    return metrics.config_table(load([str(path)], progress=False))


def test_probe_period_makes_its_own_configuration(v3):
    plain, probed = _row(v3, "1x1 gil 5ms"), _row(v3, "1x1 gil 5ms probe 10ms")
    assert plain["median_s"] == 1.0 and probed["median_s"] == 1.2
    r = _row(v3, "1x2 gil 5ms probe 10ms")
    assert r["baseline"] == "same launch"                              # the probed 1×1, not the plain one
    assert r["speedup"] == pytest.approx(0.5)


def test_busy_cores_use_the_runs_cpu_time_with_the_probe(v3):
    assert _row(v3, "1x1 gil 5ms")["busy_cores"] == pytest.approx(1.0)
    assert _row(v3, "1x1 gil 5ms probe 10ms")["busy_cores"] == pytest.approx((1.2 + 0.5) / 1.2)


def test_jain_fairness_is_per_lock(v3):
    assert _row(v3, "1x4 gil/2i 5ms")["jain"] == pytest.approx((0.8 + 1.0) / 2)
    assert math.isnan(_row(v3, "1x2 gil/2i 5ms")["jain"])    # no lock is shared
    assert math.isnan(_row(v3, "2x1 gil 5ms")["jain"])
    assert _row(v3, "2x1 gil 5ms job-wide")["jain"] == pytest.approx(0.8)
    assert math.isnan(_row(v3, "1x1 gil 5ms")["jain"])
    assert metrics.lock_fairness([0.6, 0.5, 0.2, 0.5], ["a", "b", "a", "b"]) == pytest.approx(0.9)


def test_interrupted_runs_are_counted_apart_not_used(tmp_path):
    """A run a signal cut short (status interrupted, valid 1) is neither a measurement nor
    INVALID: counted in n_interrupted, left out of medians, speedups and the summary."""
    b = Builder(4)
    b.add(1, 1, [2.0, 2.0, 2.0, 0.5])
    b.runs[-1]["status"] = "interrupted"
    b.add(1, 2, [1.0, 1.0, 0.1])
    b.runs[-1]["status"] = "interrupted"
    ds = load([str(b.write(tmp_path / "cut.h5"))], progress=False)
    t = metrics.config_table(ds)
    seq, par = _row(t, "1x1 none"), _row(t, "1x2 none")
    assert (seq["n"], seq["n_invalid"], seq["n_interrupted"]) == (3, 0, 1) and seq["median_s"] == 2.0
    assert (par["n"], par["n_invalid"], par["n_interrupted"]) == (2, 0, 1)
    assert par["speedup"] == pytest.approx(2.0)
    rows = {r["label"]: r for r in metrics.summary_rows(ds)}
    assert rows["1x1 none"]["repetitions"] == 3 and rows["1x1 none"]["median_s"] == 2.0
    assert rows["1x2 none"]["speedup"] == pytest.approx(2.0) and rows["1x2 none"]["valid"] is True
    older = Builder(3).add(1, 1, [2.0, 2.0]).write(tmp_path / "v3.h5")
    assert _row(metrics.config_table(load([str(older)], progress=False)), "1x1 none")["n_interrupted"] == 0
