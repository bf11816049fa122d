"""Emulation vs real (README, "Real interpreter"; pairing.py): a constructed file with both
kernels, every figure hand-computed. Rounds drift together, so the same-launch intervals are
paired by round; the gil 1 ms configuration has no 1×1 and no real counterpart."""

import json
import os

import pytest

from conftest import assert_png, run_cli
from gilbench_analysis import metrics, pairing
from gilbench_analysis.load import load
from synth import Builder, launch

DRIFT = [0.0, 0.01, 0.02, 0.03, 0.04]


def _python(b, first):
    """Make the runs from index ``first`` on python-kernel runs under CPython's own GIL."""
    for r in b.runs[first:]:
        r.update(kernel="python", lock="cpython-gil", switch_interval_s=0.005, check_interval=0)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    b = Builder(version=5)
    b.add(1, 1, [1.0 + d for d in DRIFT], lock="gil")
    b.add(1, 2, [1.2 + d for d in DRIFT], lock="gil")
    b.add(1, 2, [1.5 + d for d in DRIFT], lock="gil", interval=0.001)
    first = len(b.runs)
    b.add(1, 1, [2.0 + 2 * d for d in DRIFT], lock="gil", count=50)
    b.add(1, 2, [2.1 + 2 * d for d in DRIFT], lock="gil", count=50)
    b.add(1, 4, [2.2 + 2 * d for d in DRIFT], lock="gil", count=50)
    _python(b, first)
    for r in b.runs:
        r["kernel"] = r.get("kernel", "native")
    path = str(tmp_path_factory.mktemp("pairing") / "both.h5")
    b.write(path, launches=[launch(python_version="3.11.7")])
    ds = load([path], progress=False)
    return path, {(p["emulated"], p["real"]): p for p in pairing.pairs(metrics.config_table(ds))}


def test_each_emulated_configuration_beside_its_counterpart(both):
    _, pairs = both
    assert sorted(pairs) == [("", "1x4 python 5ms"), ("1x1 gil 5ms", "1x1 python 5ms"), ("1x2 gil 1ms", ""),
                             ("1x2 gil 5ms", "1x2 python 5ms")]
    p = pairs[("1x2 gil 5ms", "1x2 python 5ms")]
    assert p["emulated_ratio"] == pytest.approx(1.22 / 1.02, rel=1e-12)   # medians of round 2
    assert p["real_ratio"] == pytest.approx(2.14 / 2.04, rel=1e-12)
    assert p["difference"] == pytest.approx(1.22 / 1.02 - 2.14 / 2.04, rel=1e-12)
    assert p["emulated_ci"] == p["real_ci"] == "paired by round"
    # every round's emulated ratio lies in [1.24/1.04, 1.2/1.0]: so does every resampled median's
    assert 1.24 / 1.04 - 1e-12 <= p["emulated_lo"] <= p["emulated_ratio"] <= p["emulated_hi"] <= 1.2 + 1e-12
    assert p["note"] == ""
    base = pairs[("1x1 gil 5ms", "1x1 python 5ms")]
    assert base["emulated_ratio"] == base["real_ratio"] == 1.0 and base["difference"] == 0.0
    assert base["emulated_ci"] == "exactly 1 (the baseline itself)"
    lone = pairs[("1x2 gil 1ms", "")]
    assert lone["note"] == "no counterpart" and lone["emulated_ratio"] is None and lone["difference"] is None
    real_only = pairs[("", "1x4 python 5ms")]
    assert real_only["note"] == "no counterpart"
    assert real_only["real_ratio"] == pytest.approx(2.24 / 2.04, rel=1e-12)
    assert all(list(v) == list(pairing.PAIR_COLUMNS) for v in pairs.values())


def test_summary_json_and_table_hold_the_pairing(both):
    path, _ = both
    code, out, _ = run_cli("summary", path, "--format", "json", "-q")
    assert code == 0
    got = {(p["emulated"], p["real"]): p for p in json.loads(out)["pairs"]}
    assert got[("1x2 gil 5ms", "1x2 python 5ms")]["emulated_ratio"] == pytest.approx(1.22 / 1.02, rel=1e-12)
    code, out, _ = run_cli("summary", path, "-q")
    assert code == 0 and "emulated vs real" in out and "no counterpart" in out


def test_the_report_draws_real_vs_emulated(both, tmp_path):
    path, _ = both
    code, _, err = run_cli("report", path, "-o", tmp_path / "rep", "-q")
    assert code == 0, err
    assert_png(tmp_path / "rep" / "real_vs_emulated.png")
    md = open(os.path.join(tmp_path / "rep", "report.md"), encoding="utf-8").read()
    assert "Emulated vs real" in md and "real_vs_emulated.png" in md
    assert "1x2 gil 5ms" in md and "no counterpart" in md


def test_native_only_files_have_no_pairing(tmp_path):
    b = Builder(version=5)
    b.add(1, 1, [1.0] * 5, lock="gil")
    b.add(1, 2, [1.1] * 5, lock="gil")
    path = str(b.write(tmp_path / "native.h5"))
    assert pairing.pairs(metrics.config_table(load([path], progress=False))) == []
    code, out, _ = run_cli("summary", path, "--format", "json", "-q")
    assert "pairs" not in json.loads(out)
