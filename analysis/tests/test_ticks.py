"""The legacy GIL's tick mapping across launches (docs/gil.md, "Tick mapping"): compare and
history warn when two launches emulate it with different mappings; a measured mapping pairs
with another measured one in compare, an override only with the same override."""

import pytest

from conftest import run_cli
from gilbench_analysis import compare, history, ticks
from gilbench_analysis.load import load
from synth import Builder, launch

TIMES = [1.0, 1.01, 0.99, 1.02, 0.98]


def _file(path, tick, source, tick_s=7.5e-9, native_rate=3.5e9, python_rate=0.0, start=0.0):
    b = Builder(version=6)
    b.add(1, 1, TIMES, lock="legacy-gil", tick=tick)
    b.add(1, 1, TIMES, lock="none")
    meta = dict(tick_iterations=tick, tick_s=tick_s, tick_source=source, native_rate=native_rate,
                python_rate=python_rate, start_unix=start)
    return str(b.write(path, launches=[launch(0, **meta)]))


@pytest.fixture()
def files(tmp_path):
    return dict(
        ref=_file(tmp_path / "ref.h5", 26, "reference", native_rate=3.5e9, start=1.0),
        ref2=_file(tmp_path / "ref2.h5", 26, "reference", native_rate=3.45e9, start=2.0),
        # a 2.7 measured at 40e6/s: 8.33ns per tick; x 2.4e9/s = 20 iterations per tick
        m27=_file(tmp_path / "m27.h5", 20, "measured 2.7", tick_s=1 / 120e6, native_rate=2.4e9,
                  python_rate=40e6, start=3.0),
        over=_file(tmp_path / "over.h5", 20, "--tick-iterations override", tick_s=0.0, start=4.0),
    )


def _ds(*paths):
    return load(list(paths), progress=False)


def test_mappings_read_per_launch(files):
    m = ticks.mappings(_ds(files["m27"]))
    assert m.to_dict("records") == [dict(launch="m27.h5:0", tick_iterations=20, tick_source="measured 2.7",
                                         tick_s=pytest.approx(1 / 120e6), native_rate=2.4e9, python_rate=40e6)]
    assert ticks.describe(m.iloc[0]) == "m27.h5:0: 20 iterations/tick (measured 2.7 8.33ns per tick / 0.417ns per iteration)"


def test_same_mapping_no_warning(files):
    assert compare.tick_warning(_ds(files["ref"]), _ds(files["ref2"])) == ""


def test_compare_pairs_measured_mappings_and_warns(files):
    base, new = _ds(files["ref"]), _ds(files["m27"])
    frame = compare.compare(base, new)
    legacy = frame[frame["lock"] == "legacy-gil"]
    assert len(legacy) == 1 and legacy["verdict"].iloc[0] == compare.SAME, legacy
    text = compare.tick_warning(base, new)
    assert "different tick mappings" in text
    assert "ref.h5:0: 26 iterations/tick (reference 7.5ns per tick / 0.286ns per iteration)" in text
    assert "m27.h5:0: 20 iterations/tick (measured 2.7" in text
    code, _, err = run_cli("compare", files["ref"], files["m27"])
    assert code == 0 and "warning: the legacy GIL is emulated with different tick mappings" in err
    code, _, err = run_cli("compare", files["ref"], files["ref2"])
    assert code == 0 and "tick mappings" not in err


def test_an_override_pairs_only_with_its_own_value(files):
    frame = compare.compare(_ds(files["ref"]), _ds(files["over"]))
    legacy = frame[frame["lock"] == "legacy-gil"]
    assert sorted(legacy["verdict"]) == [compare.ONLY_BASE, compare.ONLY_NEW]
    assert "--tick-iterations override" in compare.tick_warning(_ds(files["ref"]), _ds(files["over"]))


def test_history_warns(files, tmp_path):
    ds = _ds(files["ref"], files["m27"])
    assert "different tick mappings" in ticks.warning(ticks.mappings(ds))
    frame = history.history(ds)
    assert sorted(frame.loc[frame["lock"] == "legacy-gil", "tick_iterations"]) == [20, 26]
    out = tmp_path / "h"
    code, _, err = run_cli("history", files["ref"], files["m27"], "-o", out)
    assert code == 0 and "different tick mappings" in err
    assert "**Warning:** The legacy GIL is emulated with different tick mappings" in (out / "history.md").read_text()
    code, _, err = run_cli("history", files["ref"], files["ref2"], "-o", tmp_path / "h2")
    assert code == 0 and "tick mappings" not in err


def test_files_before_schema_6_read_as_the_constant(tmp_path):
    b = Builder(version=5)
    b.add(1, 1, TIMES, lock="legacy-gil", tick=26)
    m = ticks.mappings(_ds(str(b.write(tmp_path / "old.h5"))))
    assert list(m["tick_source"]) == [ticks.BEFORE_6] and list(m["tick_iterations"]) == [26]
