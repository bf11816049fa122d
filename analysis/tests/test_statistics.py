"""Issue 12, "statistics a user can quote": what each printed figure may claim, on hand values
and seeded simulations (valid runs only, CV and intervals below 2 runs, outliers with MAD 0,
the baseline's own speedup, interval coverage, percentiles from few events, one lock-metric
definition, multiple comparisons, a gate that cannot pass silently)."""

import math

import numpy as np
import pandas as pd
import pytest

from conftest import run_cli
from gilbench_analysis import compare, metrics, stats, tables, trace
from gilbench_analysis.load import load
from synth import Builder, launch


# --------------------------------------------------------------------------- item 1

def _lock_by_wall(run_wall, rank, thread):
    bad = run_wall > 5
    return dict(switches=1000 if bad else 10, acquisitions=1000 if bad else 20, hold_s=9.0 if bad else 0.2,
                cpu_s=50.0 if bad else 0.5)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """1x1 gil: 4 valid runs of 1.0 s, then 3 invalid runs of 9.0 s with 100× the lock traffic,
    latency events of 1 s and trace events; every figure must come from the 4 valid runs."""
    b = Builder(3)
    b.add(1, 1, [1.0] * 4, lock="gil", worker=_lock_by_wall, probe=0.01)
    b.add(1, 1, [9.0] * 3, lock="gil", worker=_lock_by_wall, probe=0.01, valid=0)
    b.latency = [dict(run_id=i, rank=0, event=0, latency_s=0.001 * (i + 1)) for i in range(4)]
    b.latency += [dict(run_id=i, rank=0, event=0, latency_s=1.0) for i in range(4, 7)]
    return load([str(b.write(tmp_path_factory.mktemp("mixed") / "m.h5"))], progress=False)


def test_summary_uses_valid_runs_only(mixed):
    (r,) = metrics.summary_rows(mixed)
    assert r["repetitions"] == 4 and r["valid"] is False
    assert r["median_s"] == 1.0 and r["cv"] == 0.0 and r["cpu_s"] == 0.5
    assert r["switches_per_s"] == pytest.approx(40 / 4.0) and r["mean_slice_s"] == pytest.approx(0.8 / 80)
    assert r["latency_events"] == 4 and r["latency_mean_s"] == pytest.approx(0.0025)
    assert r["speedup"] == 1.0


def test_report_tables_use_valid_runs_only(mixed):
    (r,) = metrics.config_table(mixed).to_dict("records")
    assert r["n"] == 4 and r["n_invalid"] == 3 and r["median_s"] == 1.0 and r["max_s"] == 1.0
    assert r["switches_per_s"] == pytest.approx(10.0) and r["slice_s"] == pytest.approx(0.01)
    lat = metrics.latency_table(mixed).iloc[0]
    assert lat["events"] == 4 and lat["max_s"] == pytest.approx(0.004)


def test_the_lock_timeline_shows_a_valid_measured_run():
    runs = pd.DataFrame(dict(run_key=["w", "bad", "ok"], config=["c"] * 3, threads=[2] * 3, lock=["gil"] * 3,
                             warmup=[1, 0, 0], valid=[1, 0, 1], start_s=[0.0, 1.0, 2.0]))
    events = pd.DataFrame(dict(run_key=["w", "bad", "ok"]))
    assert trace.run_to_plot(events, runs) == {"c": "ok"}


# --------------------------------------------------------------------------- item 8

def test_cv_of_one_run_is_a_dash(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0])
    ds = load([str(b.write(tmp_path / "one.h5"))], progress=False)
    assert metrics.summary_rows(ds)[0]["cv"] is None
    table = metrics.config_table(ds)
    assert math.isnan(table["cv"].iloc[0])
    assert tables.configurations(table)["CV"].iloc[0] == tables.DASH


# --------------------------------------------------------------------------- item 7

def test_mad_zero_falls_back_to_the_mean_absolute_deviation():
    # MAD 0; mean |dev| 6e-8, σ = 1.2533 × 6e-8, 3σ = 2.26e-7 > 2e-7: nothing (was 2 outliers)
    assert not stats.outlier_mask([1, 1, 1, 1 + 1e-7, 1 + 2e-7]).any()
    assert not stats.outlier_mask([2.0] * 6).any()
    assert stats.outlier_mask([1, 1, 1, 1, 1, 5]).tolist() == [False] * 5 + [True]


def test_no_outliers_below_five_values():
    assert not stats.outlier_mask([1.0, 1.0001, 3.0]).any()          # one gap 20000× the other
    assert not stats.outlier_mask([1.0, 1.01, 0.99, 9.0]).any()
    assert stats.outlier_mask([1.0, 1.01, 0.99, 1.0, 9.0]).tolist() == [False] * 4 + [True]


# --------------------------------------------------------------------------- items 5 and 6

def test_one_run_has_no_interval_and_no_verdict(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0])
    b.add(1, 2, [0.99])
    ds = load([str(b.write(tmp_path / "single.h5"))], progress=False)
    table = metrics.config_table(ds)
    two = table[table["threads"] == 2].iloc[0]
    assert two["speedup"] == pytest.approx(1 / 0.99)
    assert math.isnan(two["speedup_lo"]) and math.isnan(two["speedup_hi"])     # was [1.01, 1.01]
    assert all(math.isnan(v) for v in stats.bootstrap_ci([2.5]))
    assert all(math.isnan(v) for v in stats.bootstrap_ratio_ci([1.0, 1.1], [2.0]))
    line = " ".join(metrics_reading(table))
    assert "faster" not in line and "slower" not in line and "fewer than 2 runs" in line


def metrics_reading(table):
    from gilbench_analysis import report
    return report.reading(table)


def test_summary_prints_the_caveats(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0])
    b.add(1, 2, [0.99])
    code, out, err = run_cli("summary", b.write(tmp_path / "single.h5"), "-q")
    assert code == 0, err
    assert "Caveats:" in out and "1x2 none" in out.split("Caveats:")[1]


def test_the_baselines_own_speedup_is_exactly_one(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0, 1.2, 0.8, 1.1, 0.9])
    ds = load([str(b.write(tmp_path / "base.h5"))], progress=False)
    r = metrics.config_table(ds).iloc[0]
    assert r["speedup"] == 1.0 and r["efficiency"] == 1.0
    assert math.isnan(r["speedup_lo"]) and math.isnan(r["speedup_hi"])         # was [0.815, 1.23]
    assert tables.configurations(metrics.config_table(ds))["speedup [CI]"].iloc[0] == "1×"


def test_same_launch_ratios_resample_rounds_together(tmp_path):
    # Round r runs 1x1 and 1x2; the machine drifts by round (×1, ×1.5, ×2, ×2.5, ×3) and
    # 1x2 takes exactly half of its round's 1x1: paired, every resample gives speedup 2.
    drift = [1.0, 1.5, 2.0, 2.5, 3.0]
    b = Builder()
    b.add(1, 1, drift)
    b.add(1, 2, [d / 2 for d in drift])
    ds = load([str(b.write(tmp_path / "paired.h5"))], progress=False)
    r = metrics.config_table(ds).set_index("threads").loc[2]
    assert r["speedup"] == pytest.approx(2.0)
    assert r["speedup_lo"] == pytest.approx(2.0) and r["speedup_hi"] == pytest.approx(2.0)
    assert stats.paired_ratio_ci(drift, [d / 2 for d in drift]) == pytest.approx((0.5, 0.5))
    lo, hi = stats.bootstrap_ratio_ci(drift, [d / 2 for d in drift])           # independent: wide
    assert lo < 0.4 and hi > 0.6


# --------------------------------------------------------------------------- item 4

def test_median_interval_by_hand():
    # n = 10: k = 2 covers 1 − 2·11/1024 = 97.85 %, k = 3 only 89.1 % → [x₂, x₉]
    lo, hi, reached = stats.median_ci(list(range(1, 11)), level=0.95)
    assert (lo, hi) == (2.0, 9.0) and reached == pytest.approx(1 - 22 / 1024)
    lo, hi, reached = stats.median_ci([3.0, 1.0, 2.0, 6.0, 5.0, 4.0])            # n = 6: [min, max]
    assert (lo, hi) == (1.0, 6.0) and reached == pytest.approx(1 - 2 / 64)
    assert all(math.isnan(v) for v in stats.median_ci([1.0, 1.1, 1.2, 1.3, 1.4]))  # 93.75 % < 95 %
    assert stats.median_ci([1.0, 1.1, 1.2, 1.3, 1.4], level=0.9)[2] == pytest.approx(0.9375)
    assert stats.min_n_for_median_ci(0.95) == 6 and stats.min_n_for_median_ci(0.99) == 8


def _coverage(interval, n, trials=2000, seed=1):
    """Share of seeded lognormal samples of size n whose interval holds the true median (1)."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(trials):
        lo, hi = interval(rng.lognormal(0.0, 0.05, n))[:2]
        hits += lo <= 1.0 <= hi
    return hits / trials


def test_the_median_interval_covers_what_it_says():
    # exact coverage 97.85 % at n = 10 (3 s.e. ≈ 1 %); the percentile bootstrap gave ≈ 92 % as "95 %"
    cov = _coverage(lambda x: stats.median_ci(x, 0.95), 10)
    assert 0.965 <= cov <= 0.99
    assert _coverage(lambda x: stats.bootstrap_ci(x, n_boot=500), 10, trials=500) < 0.95


def test_the_table_says_when_n_is_too_small(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0, 1.1, 1.2])
    b.add(1, 2, [0.5 + 0.01 * i for i in range(10)])
    ds = load([str(b.write(tmp_path / "few.h5"))], progress=False)
    shown = tables.configurations(metrics.config_table(ds))
    assert shown["95% CI"].tolist() == ["n too small for a 95% interval", "[510 ms, 580 ms] (97.9%)"]


# --------------------------------------------------------------------------- item 10

def test_percentiles_need_enough_events():
    assert stats.min_values_for_quantile(0.5) == 2 and stats.min_values_for_quantile(0.99) == 100
    assert math.isnan(stats.quantile_if_enough([1, 2, 3, 4, 5], 0.99))       # was 4.96: an interpolated max
    assert stats.quantile_if_enough(list(range(100)), 0.99) == pytest.approx(98.01)
    assert math.isnan(stats.quantile_if_enough([1.0], 0.5))


def test_latency_tables_show_the_count_and_a_dash(mixed):
    (r,) = metrics.summary_rows(mixed)
    assert r["latency_events"] == 4 and r["latency_median_s"] == pytest.approx(0.0025)
    assert r["latency_p99_s"] is None
    shown = tables.summary([r])
    assert shown["latency_events"].iloc[0] == "4" and shown["latency_p99_s"].iloc[0] == "-"
    lat = tables.latency(metrics.latency_table(mixed))
    assert lat["events"].iloc[0] == 4 and lat["p99"].iloc[0] == tables.DASH


# --------------------------------------------------------------------------- item 9

def _uneven_lock(run_wall, rank, thread):
    # run of 1 s: 10 switches, 10 acquisitions of 0.01 s; run of 3 s: 60 and 60 of 0.04 s
    many = run_wall > 2
    return dict(switches=60 if many else 10, acquisitions=60 if many else 10, hold_s=2.4 if many else 0.1,
                forced_drops=30 if many else 0, wait_s=1.5 if many else 0.0)


def test_one_lock_metric_definition_on_both_sides(tmp_path):
    # per run: 10/s and 20/s (median 15), slices 10 ms and 40 ms (median 25 ms);
    # pooled, as gilbench's summary: 70 / 4 s = 17.5/s, 2.5 s / 70 = 35.7 ms
    b = Builder()
    b.add(1, 1, [1.0, 3.0], lock="gil", worker=_uneven_lock)
    ds = load([str(b.write(tmp_path / "lock.h5"))], progress=False)
    (summary,) = metrics.summary_rows(ds)
    (row,) = metrics.config_table(ds).to_dict("records")
    assert summary["switches_per_s"] == pytest.approx(17.5) and row["switches_per_s"] == pytest.approx(17.5)
    assert summary["mean_slice_s"] == pytest.approx(2.5 / 70) and row["slice_s"] == pytest.approx(2.5 / 70)
    assert row["forced_share"] == pytest.approx(30 / 70) and row["wait_share"] == pytest.approx(1.5 / 4)


# --------------------------------------------------------------------------- item 3

def _null_frame(rng, m, n=5, cv=0.03):
    """m configurations with no real change: n runs a side, CV 3 %."""
    rows = []
    for _ in range(m):
        a, b = rng.normal(1.0, cv, n), rng.normal(1.0, cv, n)
        v, u, p = compare.verdict(a, b)
        ratio = stats.median(b) / stats.median(a)
        rows.append(dict(median_base_s=stats.median(a), median_new_s=stats.median(b), ratio=ratio,
                         change_pct=100 * (ratio - 1), p=p, verdict=v))
    return compare.adjust(pd.DataFrame(rows))


def _gate_failure_rate(m, trials, seed=12):
    rng = np.random.default_rng(seed)
    raw = holm = 0
    for _ in range(trials):
        f = _null_frame(rng, m)
        raw += bool(((f["p"] < 0.05) & (f["change_pct"] > 0)).any())      # the gate before: one test each
        holm += len(compare.failures(f, 0.0)) > 0
    return raw / trials, holm / trials


def test_the_gate_controls_the_family_wise_error():
    # 20 configurations, no real change, --fail-above 0: the unadjusted gate failed ≈ 25 % of the
    # time (the simulation); with Holm at most alpha = 5 % (3 s.e. of 300 trials ≈ 3.8 %)
    raw, holm = _gate_failure_rate(20, 300)
    assert raw > 0.15 and holm <= 0.05 + 0.038


def test_verdicts_are_benjamini_hochberg_and_the_output_says_how_many_tests(tmp_path):
    f = compare.adjust(pd.DataFrame(dict(median_base_s=[1.0] * 3, median_new_s=[1.2, 1.1, 0.9],
                                         change_pct=[20.0, 10.0, -10.0], p=[0.01, 0.04, 0.03],
                                         verdict=[compare.SLOWER, compare.SLOWER, compare.FASTER])))
    # BH over 3: 0.03, 0.04, 0.04 → all below 0.05; Holm: 0.03, 0.06, 0.06
    assert f["p_bh"].tolist() == pytest.approx([0.03, 0.04, 0.04])
    assert f["verdict"].tolist() == [compare.SLOWER, compare.SLOWER, compare.FASTER]
    assert f["p_holm"].tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert compare.failures(f, 5.0).index.tolist() == [0]
    b = Builder()
    b.add(1, 1, [1.0, 1.01, 0.99, 1.02, 0.98])
    base = b.write(tmp_path / "base.h5")
    code, out, _ = run_cli("compare", base, base)
    assert code == 0 and "1 test made" in out and "p (BH)" in out and "Holm" in out


# --------------------------------------------------------------------------- item 2

def _two_sides(tmp_path, base_times, factor, threads=(1, 2), counts=(1_000_000, 1_000_000), auto=0.0):
    paths = []
    for name, f, count in (("base", 1.0, counts[0]), ("new", factor, counts[1])):
        b = Builder()
        for t in threads:
            b.add(1, t, [x * f / t for x in base_times], count=count)
        paths.append(str(b.write(tmp_path / f"{name}.h5", launches=[launch(0, count_auto_s=auto)])))
    return paths


def test_the_gate_fails_when_nothing_could_be_tested(tmp_path):
    # the case: 2 runs a side, every wall × 1.5: +50 %, and the gate exited 0
    base, new = _two_sides(tmp_path, [1.0, 1.02], 1.5)
    code, out, err = run_cli("compare", base, new, "--fail-above", "10")
    assert code == 5, (out, err)
    assert err.count("\n") == 1 and "no configuration could be tested" in err
    assert "2 with fewer than 4 valid repetitions a side (1x1 none 2/2, 1x2 none 2/2)" in err
    code, _, _ = run_cli("compare", base, new)                                  # no gate: a table, exit 0
    assert code == 0


def test_the_gate_fails_when_holm_cannot_reach_alpha(tmp_path):
    # 5 runs a side reach p = 0.0079 at best; over 10 tests Holm needs p < 0.005: nothing testable
    base, new = _two_sides(tmp_path, [1.0, 1.01, 0.99, 1.02, 0.98], 1.5, threads=range(1, 11))
    code, _, err = run_cli("compare", base, new, "--fail-above", "10")
    assert code == 5 and "cannot reach p < 0.005 (alpha / 10 tests, Holm)" in err


def test_count_auto_launches_match_each_other(tmp_path):
    # two --count auto:1s launches calibrated N one iteration apart: before, every row was
    # "only in BASE/NEW" and the gate exited 0
    base, new = _two_sides(tmp_path, [1.0, 1.01, 0.99, 1.02, 0.98], 1.3, threads=(1,),
                           counts=(20_000_000, 20_000_001), auto=1.0)
    f = compare.compare(load([base], progress=False), load([new], progress=False))
    (r,) = f.to_dict("records")
    assert r["verdict"] == compare.SLOWER and r["count_base"] == "20000000" and r["count_new"] == "20000001"
    code, out, err = run_cli("compare", base, new, "--fail-above", "10")
    assert code == 1 and "30.0% slower" in err and "20000000/20000001" in out
    plain, other = _two_sides(tmp_path, [1.0, 1.01, 0.99, 1.02, 0.98], 1.0, threads=(1,),
                              counts=(20_000_000, 20_000_001))
    assert set(compare.compare(load([plain], progress=False), load([other], progress=False))["verdict"]) == {
        compare.ONLY_BASE, compare.ONLY_NEW}                                   # given Ns must match


# --------------------------------------------------------------------------- also: wording

def test_weak_scaling_reading_judges_the_time_it_prints(tmp_path):
    # 4 workers doing 4× the work in 1.04× the time: the scaled speedup is 3.85 (> 1), but the
    # printed figure is a time ratio, and that is slower (the reading said "faster")
    from gilbench_analysis import report
    b = Builder()
    b.add(1, 1, [1.0, 1.01, 0.99, 1.0, 1.02])
    b.add(1, 4, [1.04, 1.05, 1.03, 1.04, 1.06], scaling="weak", count=4_000_000)
    b.add(1, 2, [0.5, 0.6, 0.4, 0.55, 0.45])
    b.add(1, 2, [0.5, 0.6, 0.4, 0.55, 0.45], lock="gil")
    b.add(1, 1, [0.5, 0.6, 0.4, 0.55, 0.45], lock="gil")
    ds = load([str(b.write(tmp_path / "weak.h5"))], progress=False)
    text = " ".join(report.reading(metrics.config_table(ds)))
    assert "(1×4): **1.04×** (slower)" in text
    assert "threads under the GIL (5ms) (1×2): **1.00×** (no difference detected (n = 5, baseline 5))" in text


def test_karp_flatt_outside_zero_one_has_a_note():
    assert tables.karp_flatt(-0.05) == "-0.05 (superlinear)"
    assert tables.karp_flatt(1.2) == "1.2 (worse than serial)" and tables.karp_flatt(0.3) == "0.3"


def test_compare_says_no_difference_detected_with_n():
    frame = pd.DataFrame(dict(config=["1x1 none"], n_base=[5], n_new=[6], median_base_s=[1.0], median_new_s=[1.0],
                              ratio=[1.0], ratio_lo=[0.9], ratio_hi=[1.1], change_pct=[0.0], p=[0.9],
                              p_bh=[0.9], count_auto=[False], verdict=[compare.SAME]))
    assert compare.display(frame)["verdict"].tolist() == ["no difference detected (n = 5/6)"]
