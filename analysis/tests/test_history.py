"""history: one point per launch in time order, provenance changes between consecutive
launches, a change point where compare's U test finds a significant shift; the glob is
expanded by the command itself; history.md + PNGs."""

import h5py
import numpy as np
import pytest

from conftest import assert_png, run_cli
from gilbench_analysis import history
from gilbench_analysis.load import load
from synth import Builder, launch

BASE = [1.0, 1.01, 0.99, 1.02, 0.98, 1.005]


def _file(path, times, start, revision="abc123", kernel="Linux 6.1 x86_64"):
    b = Builder()
    b.add(1, 1, times)
    b.add(1, 2, [t / 2 for t in times])
    la = launch(start_time=f"2025-0{start}-01T00:00:00Z", start_unix=float(1735689600 + start * 2_600_000),
                git_revision=revision, os=kernel)
    return str(b.write(path, launches=[la], version=_version()))


def _version():
    from gilbench_analysis import schema
    return schema.CURRENT_VERSION      # start_unix exists in the current layout


@pytest.fixture()
def months(tmp_path):
    """Three monthly files: same, same (new revision), 1x1 twice as slow (new OS kernel)."""
    _file(tmp_path / "m1.h5", BASE, 1)
    _file(tmp_path / "m2.h5", [t * 1.001 for t in BASE], 2, revision="def456")
    _file(tmp_path / "m3.h5", [t * 2 for t in BASE], 3, revision="def456", kernel="Linux 6.12 x86_64")
    return tmp_path


def test_points_changes_and_change_point(months):
    frame = history.history(load([str(months / "m*.h5")], progress=False))
    one = frame[frame["config"] == "1x1 none"].reset_index(drop=True)
    assert list(one["launch_id"]) == [0, 0, 0] and list(one["n"]) == [6, 6, 6]
    assert one["when_s"].is_monotonic_increasing
    assert one["median_s"].iloc[2] == pytest.approx(2 * np.median(BASE))
    assert one["changes"].iloc[0] == ""
    assert one["changes"].iloc[1] == "gilbench revision: abc123 → def456"
    assert one["changes"].iloc[2] == "OS kernel: Linux 6.1 x86_64 → Linux 6.12 x86_64"
    assert list(one["change_point"]) == [False, False, True]
    assert one["shift"].iloc[2] == "slower"
    assert one["p"].iloc[2] < 0.01


def test_edited_revision_is_marked(months, tmp_path):
    """A copy whose launch row has another git_revision (edited with h5py) is marked."""
    import shutil
    shutil.copy(months / "m1.h5", tmp_path / "edit.h5")
    with h5py.File(tmp_path / "edit.h5", "r+") as f:
        rows = f["launches"][...]
        rows["git_revision"][0] = b"edited9"
        rows["start_unix"][0] = rows["start_unix"][0] + 10
        f["launches"][...] = rows
    frame = history.history(load([str(months / "m1.h5"), str(tmp_path / "edit.h5")], progress=False))
    second = frame[frame["config"] == "1x2 none"].iloc[1]
    assert second["changes"] == "gilbench revision: abc123 → edited9"
    assert not second["change_point"]


def test_command_writes_markdown_and_pngs(months, tmp_path):
    out = tmp_path / "hist"
    code, stdout, err = run_cli("history", str(months / "m*.h5"), "-o", out)
    assert code == 0, err
    assert "history.md (2 plots)" in stdout
    md = (out / "history.md").read_text()
    assert "## 1x1 none" in md and "**yes**" in md and "OS kernel: Linux 6.1 x86_64 → Linux 6.12 x86_64" in md
    for png in sorted(out.glob("*.png")):
        assert_png(png)
    assert len(list(out.glob("*.png"))) == 2


def test_unmatched_glob_is_exit_3(tmp_path):
    code, _, err = run_cli("history", str(tmp_path / "none*.h5"), "-o", tmp_path / "h")
    assert code == 3 and "no file matches this pattern" in err


def test_other_count_is_another_configuration(months, tmp_path):
    b = Builder()
    b.add(1, 1, BASE, count=5_000_000)
    b.write(tmp_path / "other.h5", launches=[launch(start_unix=1.8e9)], version=_version())
    frame = history.history(load([str(months / "m1.h5"), str(tmp_path / "other.h5")], progress=False))
    assert sorted(frame["config"]) == ["1x1 none N=1M", "1x1 none N=5M", "1x2 none N=1M"]
    assert frame.groupby("key_id").size().tolist() == [1, 1, 1]
