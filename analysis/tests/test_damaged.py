"""Damaged and foreign files: exit 3 naming the file (never 70, never a signal); --skip-bad
skips them with a warning; a libhdf5 crash in the isolated child is exit 3 too."""

import random

import h5py
import pytest

from conftest import run_cli
from synth import Builder


def _good(path):
    b = Builder(2)
    b.add(1, 1, [1.0, 1.1, 0.9], warmups=1)
    b.add(1, 2, [0.6, 0.5, 0.55])
    return str(b.write(path))


def _damaged(tmp_path, kind):
    good = _good(tmp_path / "good.h5")
    data = open(good, "rb").read()
    bad = tmp_path / f"{kind}.h5"
    if kind == "truncated":
        bad.write_bytes(data[: len(data) // 2])
    elif kind == "not_hdf5":
        bad.write_bytes(b"hello, not hdf5\n" * 100)
    elif kind == "foreign":
        with h5py.File(bad, "w") as f:
            f["x"] = [1, 2, 3]
    elif kind == "no_runs":
        bad.write_bytes(data)
        with h5py.File(bad, "r+") as f:
            del f["runs"]
    return good, str(bad)


@pytest.mark.parametrize("kind", ["truncated", "not_hdf5", "foreign", "no_runs"])
def test_bad_file_is_exit_3_and_skippable(tmp_path, kind):
    good, bad = _damaged(tmp_path, kind)
    code, _, err = run_cli("summary", "-q", bad)
    assert code == 3 and bad in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli("summary", "--skip-bad", good, bad)
    assert code == 0 and f"skipping {bad}" in err
    code, _, err = run_cli("summary", "--skip-bad", "-q", bad)
    assert code == 3 and "no readable gilbench results file" in err


def _flip_offsets(data, rng):
    """60 random offsets, plus offsets inside the compound datatype messages (around member names
    of /runs and /launches, a vlen string's character type among them), where a flip changes a
    member's offset, size or class: the flips that crashed libhdf5's conversion."""
    offsets = [rng.randrange(len(data)) for _ in range(60)]
    for name in (b"wall_s", b"start_time", b"lock", b"launch_id"):
        at = data.find(name)
        if at >= 0:
            offsets += [at + d for d in rng.sample(range(-24, 40), 10) if 0 <= at + d < len(data)]
    return offsets


def test_seeded_flip_sweep_never_internal_error(tmp_path):
    good = _good(tmp_path / "good.h5")
    data = open(good, "rb").read()
    rng = random.Random(20261203)
    bad = tmp_path / "flip.h5"
    seen = {}
    for off in _flip_offsets(data, rng):
        b = bytearray(data)
        b[off] ^= 1 << rng.randrange(8)
        bad.write_bytes(bytes(b))
        code, _, err = run_cli("summary", "-q", str(bad))
        assert code in (0, 3), f"offset {off}: exit {code}: {err}"
        if code == 3:
            assert str(bad) in err and len(err.strip().splitlines()) == 1, err
        seen[code] = seen.get(code, 0) + 1
    assert seen.get(3, 0) > 0


def test_libhdf5_crash_in_child_is_exit_3(tmp_path, monkeypatch):
    good = _good(tmp_path / "good.h5")
    monkeypatch.setenv("GILBENCH_REPORT_TEST_CRASH", "1")
    code, _, err = run_cli("summary", "-q", good)
    assert code == 3 and good in err and "libhdf5 crashed reading it (signal 6, SIGABRT)" in err
