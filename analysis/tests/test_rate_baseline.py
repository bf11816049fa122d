"""Speedups across launches whose N differs (issue 13: --count auto per launch gives each launch
its own N): with no 1×1 run of a configuration's N in the file, its baseline is the 1×1 runs at
another N compared by rate (iterations/s = N / wall), the origin says so and names the Ns, and
the caveats carry the note."""

import pytest

from conftest import run_cli
from gilbench_analysis import metrics, stats
from gilbench_analysis.load import load
from synth import Builder, launch

SEQ = [1.00, 1.02, 0.98, 1.01, 0.99]          # 1×1 at N = 300M: 300M iterations/s
PAR = [0.55, 0.56, 0.54, 0.57, 0.53]          # 1×2 at N = 310M


def _two_launches(path, scaling="strong", n1=300_000_000, np_=310_000_000):
    b = Builder()
    b.add(1, 1, SEQ, count=n1, scaling=scaling, launch_id=0)
    b.add(1, 2, PAR, count=np_, scaling=scaling, launch_id=1)
    return str(b.write(path, launches=[launch(0), launch(1)]))


def _row(rows, threads):
    return next(r for r in rows if r["threads"] == threads)


def test_strong_speedup_is_the_rate_ratio(tmp_path):
    ds = load([_two_launches(tmp_path / "f.h5")], progress=False)
    rate_1, rate_p = 300e6 / stats.median(SEQ), 310e6 / stats.median(PAR)
    summary = _row(metrics.summary_rows(ds), 2)
    assert summary["speedup"] == pytest.approx(rate_p / rate_1, rel=1e-12)
    assert summary["speedup"] == pytest.approx(1.0 / 0.55 * 310 / 300, rel=1e-12)   # hand-checked: 1.8788
    assert summary["baseline"] == "launch 0 by rate (N 300000000)"
    assert summary["efficiency"] == pytest.approx(summary["speedup"] / 2)
    assert _row(metrics.summary_rows(ds), 1)["baseline"] == "same launch"
    table = metrics.config_table(ds)
    row = table[table["threads"] == 2].iloc[0]
    assert row["speedup"] == pytest.approx(rate_p / rate_1, rel=1e-12)
    assert row["baseline_s"] == pytest.approx(1.0 * 310 / 300)       # T1 scaled to this N
    assert row["speedup_lo"] <= row["speedup"] <= row["speedup_hi"]


def test_weak_speedup_is_the_rate_ratio(tmp_path):
    # weak: the 1×2 runs do 2 × 120M; the 1×1 ran 100M (not the 120M share)
    ds = load([_two_launches(tmp_path / "w.h5", "weak", 100_000_000, 240_000_000)], progress=False)
    summary = _row(metrics.summary_rows(ds), 2)
    rate_1, rate_p = 100e6 / stats.median(SEQ), 240e6 / stats.median(PAR)
    assert summary["speedup"] == pytest.approx(rate_p / rate_1, rel=1e-12)
    assert summary["speedup"] == pytest.approx(2 * 1.0 * 1.2 / 0.55, rel=1e-12)     # p · T1' / Tp
    assert summary["baseline"] == "launch 0 by rate (N 100000000)"


def test_same_n_keeps_the_time_ratio(tmp_path):
    ds = load([_two_launches(tmp_path / "s.h5", np_=300_000_000)], progress=False)
    summary = _row(metrics.summary_rows(ds), 2)
    assert summary["baseline"] == "launch 0" and summary["speedup"] == pytest.approx(1.0 / 0.55)


def test_the_note_says_by_rate_and_names_the_ns(tmp_path):
    path = _two_launches(tmp_path / "f.h5")
    code, out, _ = run_cli("summary", path)
    assert code == 0
    assert "speedups cannot be given" not in out
    assert ("Baseline compared by rate because N differs: 1x2 none N=310M at N 310000000 (1×1 at N 300000000)" in out), out
    assert "launch 0 by rate (N 300000000)" in out
