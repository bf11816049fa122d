"""journal.recover: the undo journal of an interrupted append, written here byte by byte from the
format in src/results/undo_journal.hpp, and one made by the real binary killed mid-append."""

import fcntl
import os
import struct
import subprocess
import zlib

import h5py
import pytest

from gilbench_analysis import journal

ORIGINAL = b"0123456789" * 10          # the file before the append: 100 bytes


def header(orig_eof, created=False):
    head = b"GBUNDO1\0" + struct.pack("<QQ", orig_eof, 1 if created else 0)
    return head + struct.pack("<II", zlib.crc32(head), 0)


def records(*ranges):
    return b"".join(struct.pack("<QQ", addr, len(data)) + data for addr, data in ranges)


def trailer(body, count):
    return b"GBCOMMIT" + struct.pack("<QQII", count, len(body), zlib.crc32(body), 0)


@pytest.fixture()
def crashed(tmp_path):
    """A file whose append died after overwriting bytes 10..14 and 50..52 and adding 20 bytes."""
    path = tmp_path / "r.h5"
    torn = bytearray(ORIGINAL)
    torn[10:15], torn[50:53] = b"XXXXX", b"YYY"
    path.write_bytes(bytes(torn) + b"appended past the end")
    return path


def test_committed_journal_is_replayed_and_removed(crashed):
    body = records((10, ORIGINAL[10:15]), (50, ORIGINAL[50:53]))
    (crashed.parent / "r.h5.journal").write_bytes(header(100) + body + trailer(body, 2))
    assert journal.recover(crashed) is True
    assert crashed.read_bytes() == ORIGINAL
    assert sorted(os.listdir(crashed.parent)) == ["r.h5"]


def test_uncommitted_journal_only_cuts_the_appended_bytes(tmp_path):
    path = tmp_path / "r.h5"
    path.write_bytes(ORIGINAL + b"appended")
    body = records((10, ORIGINAL[10:15]))        # the trailer never made it: not committed
    (tmp_path / "r.h5.journal").write_bytes(header(100) + body)
    assert journal.recover(path) is True
    assert path.read_bytes() == ORIGINAL
    assert not (tmp_path / "r.h5.journal").exists()


def test_damaged_trailer_counts_as_uncommitted(crashed):
    body = records((10, ORIGINAL[10:15]))
    bad = bytearray(trailer(body, 1))
    bad[-8] ^= 0xFF                              # its checksum no longer matches
    (crashed.parent / "r.h5.journal").write_bytes(header(100) + body + bytes(bad))
    assert journal.recover(crashed) is True
    assert crashed.read_bytes()[:100] != ORIGINAL    # not replayed (the test's file is torn on purpose)
    assert os.path.getsize(crashed) == 100


def test_file_created_by_the_append_is_removed(tmp_path):
    path = tmp_path / "new.h5"
    path.write_bytes(b"half a file")
    (tmp_path / "new.h5.journal").write_bytes(header(0, created=True))
    assert journal.recover(path) is True
    assert os.listdir(tmp_path) == []


def test_live_writer_is_left_alone(crashed):
    before = crashed.read_bytes()
    jpath = crashed.parent / "r.h5.journal"
    jpath.write_bytes(header(100))
    fd = os.open(jpath, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)           # as gilbench holds it while it appends
        assert journal.recover(crashed) is False
        assert crashed.read_bytes() == before and jpath.exists()
    finally:
        os.close(fd)


def test_nothing_to_do_and_stale_half_made_journal(tmp_path):
    path = tmp_path / "r.h5"
    path.write_bytes(ORIGINAL)
    assert journal.recover(path) is False
    (tmp_path / "r.h5.journal.new").write_bytes(b"")
    journal.recover(path)
    assert os.listdir(tmp_path) == ["r.h5"] and path.read_bytes() == ORIGINAL


def test_foreign_journal_is_refused_file_untouched(crashed):
    before = crashed.read_bytes()
    (crashed.parent / "r.h5.journal").write_bytes(b"something else entirely, long enough to parse")
    with pytest.raises(journal.JournalError, match="not a gilbench undo journal"):
        journal.recover(crashed)
    assert crashed.read_bytes() == before


@pytest.mark.parametrize("point", ["journaled", "applying", "applied"])
def test_real_binary_killed_mid_append(gilbench, tmp_path, point):
    path = tmp_path / "k.h5"
    env = dict(os.environ, GILBENCH_FAULT=f"{point}:3")
    proc = subprocess.run([gilbench, "--count", "1M", "--threads", "1,2", "--repeat", "4", "--warmup", "0",
                           "-q", "--output", str(path)], env=env, capture_output=True, timeout=300)
    assert proc.returncode == -9, proc.stderr
    assert (tmp_path / "k.h5.journal").exists()
    assert journal.recover(path) is True
    with h5py.File(path, "r") as f:              # plain h5py, as a user would
        assert len(f["runs"]) == 4               # 2 rounds of 2 configurations; the third lost
    assert not (tmp_path / "k.h5.journal").exists()
