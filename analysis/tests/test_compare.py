"""compare: verdicts, ratio CI and exit codes on constructed faster / slower / same inputs."""

import json

import pytest

from conftest import run_cli
from gilbench_analysis import compare
from gilbench_analysis.load import load
from synth import Builder

BASE = [1.0, 1.01, 0.99, 1.02, 0.98]


def _file(path, times_by_threads, lock="none"):
    b = Builder()
    for threads, times in times_by_threads.items():
        b.add(1, threads, times, lock=lock, warmups=1)
    return str(b.write(path))


@pytest.fixture()
def files(tmp_path):
    return dict(
        base=_file(tmp_path / "base.h5", {1: BASE, 2: [t / 2 for t in BASE]}),
        slower=_file(tmp_path / "slower.h5", {1: [t * 1.2 for t in BASE], 2: [t / 2 for t in BASE]}),
        faster=_file(tmp_path / "faster.h5", {1: [t * 0.8 for t in BASE], 2: [t / 2 for t in BASE]}),
        few=_file(tmp_path / "few.h5", {1: [t * 1.2 for t in BASE[:3]], 2: [t / 2 for t in BASE[:3]]}),
    )


def _frame(files, new):
    return compare.compare(load([files["base"]], progress=False), load([files[new]], progress=False))


def test_slower(files):
    f = _frame(files, "slower")
    r = f[f["config"] == "1x1 none"].iloc[0]
    assert r["verdict"] == compare.SLOWER
    assert r["ratio"] == pytest.approx(1.2)
    assert r["ratio_lo"] <= 1.2 <= r["ratio_hi"]
    assert r["p"] == pytest.approx(2 / 252)         # exact U, complete separation, 5 + 5
    assert r["change_pct"] == pytest.approx(20.0)
    same = f[f["config"] == "1x2 none"].iloc[0]
    assert same["verdict"] == compare.SAME and same["ratio"] == 1.0


def test_faster(files):
    r = _frame(files, "faster").iloc[0]
    assert r["config"] == "1x1 none" and r["verdict"] == compare.FASTER
    assert r["ratio"] == pytest.approx(0.8)


def test_insufficient_data_below_four_per_side(files):
    f = _frame(files, "few")                                 # 5 vs 3 repetitions, 20 % slower
    assert (f["verdict"] == compare.INSUFFICIENT).all()
    assert f["p"].isna().all()
    assert f["min_p"].iloc[0] == pytest.approx(2 / 56)
    assert compare.verdict(BASE[:4], [t * 1.2 for t in BASE[:4]])[0] == compare.SLOWER   # 4 + 4 decides
    assert compare.verdict(BASE[:3], [t * 1.2 for t in BASE[:3]])[0] == compare.INSUFFICIENT


def test_only_on_one_side(files, tmp_path):
    other = _file(tmp_path / "other.h5", {4: BASE})
    f = compare.compare(load([files["base"]], progress=False), load([other], progress=False))
    assert set(f["verdict"]) == {compare.ONLY_BASE, compare.ONLY_NEW}


def test_exit_codes_and_fail_above(files):
    code, out, err = run_cli("compare", files["base"], files["base"])
    assert code == 0 and "no difference detected (n = 5/5)" in out and "at least 4 repetitions per side" in out
    code, out, err = run_cli("compare", files["base"], files["slower"], "--fail-above", "10")
    assert code == 1 and "1x1 none is 20.0% slower" in err and err.count("\n") == 1
    code, _, _ = run_cli("compare", files["base"], files["slower"], "--fail-above", "30")
    assert code == 0
    code, _, _ = run_cli("compare", files["base"], files["faster"], "--fail-above", "0")
    assert code == 0
    code, _, err = run_cli("compare", files["base"], files["slower"], "--fail-above", "ten")
    assert code == 2 and "--fail-above" in err and err.count("\n") == 1


def test_json_output(files):
    code, out, _ = run_cli("compare", files["base"], files["faster"], "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["verdict"] for r in rows} == {compare.FASTER, compare.SAME}
