"""export: CSV and JSON of the tidy samples and the other tables."""

import json

import pandas as pd
import pytest

from conftest import run_cli
from synth import Builder


@pytest.fixture()
def path(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0, 1.1], warmups=1)
    b.add(1, 2, [0.5, 0.6], lock="gil")
    return b.write(tmp_path / "e.h5")


def test_csv_of_tidy_samples(path, tmp_path):
    out = tmp_path / "s.csv"
    code, _, err = run_cli("export", path, "--format", "csv", "-o", out)
    assert code == 0, err
    frame = pd.read_csv(out)
    assert len(frame) == 3 + 2 * 2
    assert {"run_wall_s", "wall_s", "lock", "git_revision", "file"} <= set(frame.columns)
    assert set(frame["lock"]) == {"none", "gil"}


def test_json_of_configs_to_stdout(path):
    code, out, _ = run_cli("export", path, "--format", "json", "--table", "configs", "-o", "-")
    rows = json.loads(out)
    assert code == 0 and [r["config"] for r in rows] == ["1x1 none", "1x2 gil 5ms"]
    assert rows[0]["n"] == 2 and rows[0]["median_s"] == pytest.approx(1.05)
    assert rows[1]["switches_per_s"] == 0.0


def test_json_runs_null_for_nan(path, tmp_path):
    out = tmp_path / "r.json"
    assert run_cli("export", path, "--format", "json", "--table", "runs", "-o", out)[0] == 0
    rows = json.loads(out.read_text())
    assert len(rows) == 5 and rows[0]["warmup"] == 1


def test_export_needs_a_format(path, tmp_path):
    code, _, err = run_cli("export", path, "-o", tmp_path / "x")
    assert code == 2 and "--format" in err and err.count("\n") == 1


def test_unwritable_output(path, tmp_path):
    code, _, err = run_cli("export", path, "--format", "csv", "-o", tmp_path / "no" / "dir" / "x.csv")
    assert code == 4 and "x.csv" in err
