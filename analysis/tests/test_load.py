"""Loading: versions 1..4, the tidy join, globs, and every kind of bad file."""

import io
import math
import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import run_cli
from gilbench_analysis.errors import InputError
from gilbench_analysis.load import load
from gilbench_analysis.progress import Progress
from synth import Builder, launch, write


def _good(path, version=2):
    b = Builder(version)
    b.add(1, 1, [1.0, 1.1, 0.9], warmups=1)
    b.add(1, 2, [0.6, 0.5, 0.55], lock="gil" if version >= 2 else "none")
    return b.write(path)


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_every_version_loads_with_neutral_fill(tmp_path, version):
    ds = load([str(_good(tmp_path / f"v{version}.h5", version))], progress=False)
    assert ds.versions[str(tmp_path / f"v{version}.h5")] == version
    assert len(ds.runs) == 4 + 3                     # 1×1: warm-up + 3; 1×2: 3
    assert len(ds.samples) == 4 * 1 + 3 * 2
    for col in ("switches", "hold_s", "interpreter"):
        assert col in ds.samples.columns
    assert (ds.runs["interpreters"] == 1).all()
    if version < 4:                                  # before /runs.status: every run complete
        assert (ds.runs["status"] == "complete").all()
    if version == 1:
        assert (ds.samples["switches"] == 0).all()
        assert (ds.runs["lock_scope"] == "rank").all()


def test_tidy_join(tmp_path):
    ds = load([str(_good(tmp_path / "t.h5"))], progress=False)
    s = ds.samples
    # each sample carries its run (run wall time renamed) and launch provenance
    assert {"run_wall_s", "wall_s", "lock", "threads", "git_revision", "launch_ranks", "file"} <= set(s.columns)
    assert s["lock"].map(type).eq(str).all()                     # fixed-length bytes decoded
    assert s["git_revision"].eq("synthetic").all()               # vlen strings decoded
    assert (s.groupby("run_key").size() == s.groupby("run_key")["threads"].first()).all()


def test_ids_stay_apart_across_files(tmp_path):
    a, b = _good(tmp_path / "a.h5"), _good(tmp_path / "b.h5")
    ds = load([str(tmp_path / "*.h5")], progress=False)
    assert ds.files == [str(a), str(b)]
    assert ds.runs["run_key"].is_unique and len(ds.runs) == 14
    assert ds.runs["run_id"].duplicated().any()                  # same ids in both files


def test_enum_lock_column_is_named(tmp_path):
    path = tmp_path / "enum.h5"
    _good(path)
    with h5py.File(path, "r+") as f:
        runs = f["runs"][()]
        enum = h5py.enum_dtype({"none": 0, "gil": 1, "legacy-gil": 2}, basetype="u1")
        fields = [(n, enum if n == "lock" else runs.dtype.fields[n][0]) for n in runs.dtype.names]
        new = np.zeros(len(runs), dtype=fields)
        for n in runs.dtype.names:
            new[n] = [{b"none": 0, b"gil": 1}[v] for v in runs[n]] if n == "lock" else runs[n]
        del f["runs"]
        f.create_dataset("runs", data=new)
    ds = load([str(path)], progress=False)
    assert set(ds.runs["lock"]) == {"none", "gil"}


def _expect(tmp_path, path, fragment):
    with pytest.raises(InputError) as err:
        load([str(path)], progress=False)
    message = str(err.value)
    assert message.startswith(str(path)) and fragment in message, message
    assert "\n" not in message
    code, out, errtext = run_cli("summary", path)
    assert code == 3 and str(path) in errtext and errtext.count("\n") == 1, errtext


def test_missing_file(tmp_path):
    _expect(tmp_path, tmp_path / "nope.h5", "no such file")


def test_empty_file(tmp_path):
    (tmp_path / "empty.h5").write_bytes(b"")
    _expect(tmp_path, tmp_path / "empty.h5", "empty file")


def test_not_hdf5(tmp_path):
    (tmp_path / "text.h5").write_text("hello, I am a CSV file\n1,2,3\n" * 50)
    _expect(tmp_path, tmp_path / "text.h5", "not an HDF5 file")


def test_truncated_file(tmp_path):
    data = open(_good(tmp_path / "full.h5"), "rb").read()
    (tmp_path / "trunc.h5").write_bytes(data[:2000])
    _expect(tmp_path, tmp_path / "trunc.h5", "truncated")


def test_foreign_hdf5(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.arange(3)
    _expect(tmp_path, tmp_path / "other.h5", "not a gilbench results file")


def test_unknown_version(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0])
    b.write(tmp_path / "v9.h5", version=9)
    _expect(tmp_path, tmp_path / "v9.h5", "unknown schema_version 9")


def test_missing_table(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0])
    b.write(tmp_path / "nosamples.h5", tables=("launches", "runs"))
    _expect(tmp_path, tmp_path / "nosamples.h5", "missing table /samples")


def test_missing_column(tmp_path):
    path = tmp_path / "nowall.h5"
    _good(path)
    with h5py.File(path, "r+") as f:
        runs = f["runs"][()]
        keep = [n for n in runs.dtype.names if n != "wall_s"]
        del f["runs"]
        f.create_dataset("runs", data=runs[keep].copy())
    _expect(tmp_path, path, "lacks column(s) wall_s")


def test_gilbench_file_without_runs(tmp_path):
    write(tmp_path / "norun.h5", runs=[], samples=[], launches=[launch()])
    _expect(tmp_path, tmp_path / "norun.h5", "holds no runs")


def test_glob_without_match(tmp_path):
    pattern = str(tmp_path / "*.h5")
    with pytest.raises(InputError, match="no file matches"):
        load([pattern], progress=False)
    code, _, err = run_cli("summary", pattern)
    assert code == 3 and pattern in err


def test_skip_bad(tmp_path):
    good = _good(tmp_path / "good.h5")
    (tmp_path / "bad.h5").write_bytes(b"")
    warnings = []
    ds = load([str(good), str(tmp_path / "bad.h5")], skip_bad=True, progress=False, warn=warnings.append)
    assert ds.files == [str(good)]
    assert len(warnings) == 1 and "bad.h5" in warnings[0] and "empty file" in warnings[0]
    code, out, err = run_cli("summary", "--skip-bad", good, tmp_path / "bad.h5")
    assert code == 0 and "bad.h5" in err and "1x2" in out
    with pytest.raises(InputError, match="no readable gilbench results file"):
        load([str(tmp_path / "bad.h5")], skip_bad=True, progress=False)


def test_latency_and_interpreters_of_version_3(tmp_path):
    b = Builder(3)
    b.add(1, 2, [1.0] * 4, lock="gil", interpreters=2)
    b.latency = [dict(run_id=0, rank=0, event=i, sent_s=0.01 * i, latency_s=0.005, wake_s=0.001,
                      queue_s=0.004) for i in range(10)]
    ds = load([str(b.write(tmp_path / "v3.h5"))], progress=False)
    assert len(ds.latency) == 10 and (ds.latency["latency_s"] == 0.005).all()
    assert sorted(ds.samples["interpreter"].unique()) == [0, 1]
    assert (ds.runs["interpreters"] == 2).all()


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self._tty = tty

    def isatty(self):
        return self._tty


def test_progress_in_place_only_on_a_terminal():
    tty, log = _Stream(True), _Stream(False)
    for stream in (tty, log):
        p = Progress(40, stream=stream)
        for i in range(40):
            p.step(f"f{i}.h5")
        p.done("loaded 40")
    assert "\r" in tty.getvalue() and tty.getvalue().count("\n") == 1
    assert "\r" not in log.getvalue()
    assert 2 <= log.getvalue().count("\n") <= 12                 # about one line per 10 %
    quiet = _Stream(False)
    Progress(2, stream=quiet).step("x")                          # few files: silent
    assert quiet.getvalue() == ""


def test_version_3_run_and_launch_columns_and_their_neutral_values(tmp_path):
    b = Builder(3)
    b.add(1, 1, [1.0] * 2, lock="gil", probe=0.003, probe_cpu_s=0.25)
    ds = load([str(b.write(tmp_path / "v3.h5", launches=[launch(rounds_written=2, gather_s=0.001,
                                                                 write_s=0.01)]))], progress=False)
    assert (ds.runs["probe_period_s"] == 0.003).all()
    assert (ds.runs["cpu_s"] == 1.25).all()                      # workers' 1.0 + the probe's 0.25
    assert (ds.samples["run_cpu_s"] == 1.25).all() and (ds.samples["cpu_s"] == 1.0).all()
    assert ds.launches.loc[0, "rounds_written"] == 2 and ds.launches.loc[0, "write_s"] == 0.01
    old = load([str(_good(tmp_path / "v2.h5", 2))], progress=False)
    assert (old.runs["probe_period_s"] == 0.0).all() and old.runs["cpu_s"].isna().all()
    assert (old.launches["rounds_written"] == 0).all() and (old.launches["gather_s"] == 0.0).all()
    mixed = load([str(tmp_path / "v3.h5"), str(tmp_path / "v2.h5")], progress=False)
    assert mixed.runs["probe_period_s"].notna().all() and mixed.launches["rounds_written"].notna().all()


def test_recovery_runs_before_the_file_is_opened(tmp_path, monkeypatch):
    """The reader asks journal.recover first (it may roll the file back, or remove a file the
    interrupted append created); its failure is the file's one-line refusal."""
    import sys
    import types

    from gilbench_analysis import results

    good = str(_good(tmp_path / "good.h5"))
    seen = []
    fake = types.ModuleType("gilbench_analysis.journal")
    fake.recover = lambda path: seen.append(path)
    monkeypatch.setitem(sys.modules, "gilbench_analysis.journal", fake)
    assert results.read(good).version == 2 and seen == [good]

    def broken(path):
        raise OSError(f"{path}: {path}.journal: not a gilbench undo journal (bad header)")
    fake.recover = broken
    with pytest.raises(InputError) as err:
        results.read(good)
    assert str(err.value) == f"{good}: cannot recover an interrupted append: {good}.journal: not a gilbench undo journal (bad header)"

    def created(path):                       # the interrupted append had created the file
        os.unlink(path)
    fake.recover = created
    with pytest.raises(InputError, match="no such file"):
        results.read(good)


def test_schema_json_is_the_only_column_knowledge():
    """schema.py's view of schema.json: versions, required tables and columns, per-version
    defaults, dtypes and enums, and the summary's columns."""
    from gilbench_analysis import schema

    import json
    dump = json.loads((Path(schema.__file__).parent / "schema.json").read_text())
    # a new version adds to these facts and changes none of them
    assert schema.CURRENT_VERSION == dump["schema_version"] >= 4
    assert schema.KNOWN_VERSIONS == tuple(range(1, schema.CURRENT_VERSION + 1)) == tuple(dump["versions"])
    for table, spec in dump["tables"].items():
        if not spec["in_file"]:
            continue
        for v in schema.KNOWN_VERSIONS:
            newer = {c["name"] for c in spec["columns"] if c["since"] > v}
            assert set(schema.version_defaults(table, v)) == newer, (table, v)
    assert schema.REQUIRED_TABLES == ("launches", "runs", "samples")
    assert schema.OPTIONAL_TABLES == ("trace", "latency")
    assert "wall_s" in schema.REQUIRED_COLUMNS["runs"] and "valid" not in schema.REQUIRED_COLUMNS["runs"]
    assert schema.version_defaults("runs", 1)["lock_scope"] == "rank"
    assert {"interpreters", "probe_period_s", "cpu_s", "status"} <= set(schema.version_defaults("runs", 2))
    assert schema.version_defaults("runs", 3)["status"] == "complete"
    assert schema.version_defaults("runs", 4)["bind"] == "none"
    assert schema.version_defaults("samples", 4) == {"bound_cpu": -1}
    assert schema.version_defaults("runs", 5) == {"lock_transport": ""}  # version 6 added it
    assert schema.version_defaults("runs", 6) == {}
    assert schema.version_defaults("runs", 4)["kernel"] == "native"
    # launches.kernel (uname) is launches.os from version 5: older files are read under the new name
    assert schema.renamed("launches", 4) == {"kernel": "os"} and schema.renamed("launches", 5) == {}
    assert math.isnan(schema.DEFAULTS["runs"]["cpu_s"])
    assert schema.DTYPES["latency"]["event"] == "<u8" and schema.DTYPES["runs"]["lock"] == "S16"
    assert schema.ENUMS["trace"]["event"] == {"request": 0, "acquire": 1, "drop_request": 2, "release": 3}
    assert schema.SUMMARY_NAMES[:2] == ("mode", "label") and schema.SUMMARY_NAMES[-1] == "valid"


def test_synthetic_files_follow_schema_json(tmp_path):
    b = Builder(3)
    b.add(1, 1, [1.0])
    b.latency = [dict(run_id=0, event=0, latency_s=0.001)]
    b.trace = [dict(run_id=0, t_s=0.0, event=1)]
    with h5py.File(b.write(tmp_path / "s.h5"), "r") as f:
        assert f["latency"].dtype["event"] == np.dtype("<u8")
        assert h5py.check_enum_dtype(f["trace"].dtype["event"]) == {"request": 0, "acquire": 1, "drop_request": 2,
                                                                    "release": 3}
        assert f["runs"].dtype.names[5:7] == ("lock", "lock_scope")


def test_python_kernel_configurations_are_named_and_counted_as_the_binary_does():
    """The real interpreter's runs: labelled '1x2 python 5ms' (2.x: '1x2 python 100t') as
    gilbench's summary, described as CPython's own GIL, and no lock figures (gilbench cannot
    count the real GIL's switches)."""
    from gilbench_analysis import configs, metrics, report
    row = {"ranks": 1, "threads": 2, "interpreters": 1, "lock": "cpython-gil", "lock_scope": "rank",
           "switch_interval_s": 0.005, "check_interval": 0}
    assert configs.summary_label(row) == "1x2 python 5ms"
    assert configs.summary_label({**row, "switch_interval_s": 0.0, "check_interval": 100}) == "1x2 python 100t"
    assert "CPython's own GIL (5ms)" in report._policy_words(row)
    assert not metrics.counted_lock("cpython-gil") and not metrics.counted_lock("none")
    assert metrics.counted_lock("gil") and metrics.counted_lock("legacy-gil")
