"""Roll back an append that gilbench did not finish (killed with ``kill -9``, power loss).

gilbench appends to a results file in place: before it overwrites any byte of the file as it was
(FILE's size when the append began, ``orig_eof``), it saves the original bytes in ``FILE.journal``
and commits that journal. A journal left behind therefore means an append was interrupted;
``recover(path)`` puts the file back as it was before that append (every earlier round intact,
the round in flight lost) and removes the journal. The format and the rules are those of
src/results/undo_journal.hpp; this module is the same recovery in the standard library only, so
plain h5py users can run ``gilbench-report recover FILE`` (or ``python3 -m gilbench_analysis
recover FILE``) and then open the file.

A journal is recovered only when no live writer holds its flock: recovering a file while gilbench
is writing it is a no-op, and the file on disk is then still its previous, complete state.
"""

import errno
import fcntl
import os
import struct
import zlib

HEADER = struct.Struct("<8sQQII")       # magic, orig_eof, flags, crc32 of the 24 bytes before, 0
TRAILER = struct.Struct("<8sQQII")      # magic, record count, record bytes, crc32 of the records, 0
RECORD = struct.Struct("<QQ")           # address, length; then the original bytes
HEADER_MAGIC = b"GBUNDO1\0"
TRAILER_MAGIC = b"GBCOMMIT"
FLAG_CREATED = 1                        # the file did not exist before the interrupted append


class JournalError(OSError):
    """A journal that cannot be read or applied; the message names it."""


def journal_path(path):
    """Where the undo journal of results file ``path`` lives while an append is in flight."""
    return os.fspath(path) + ".journal"


def _lock_abandoned(fd, path):
    """Take the flock of a dead writer's journal; False if its writer is alive or it was replaced."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    try:
        st, now = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino)


def _parse(data, path):
    """(orig_eof, created, records): records is [] when the journal was never committed."""
    if len(data) < HEADER.size:
        raise JournalError(f"{path}: not a gilbench undo journal (too short)")
    magic, orig_eof, flags, crc, _ = HEADER.unpack_from(data)
    if magic != HEADER_MAGIC or zlib.crc32(data[:24]) != crc:
        raise JournalError(f"{path}: not a gilbench undo journal (bad header); move it away to open the file")
    return orig_eof, bool(flags & FLAG_CREATED), _records(data)


def _records(data):
    if len(data) < HEADER.size + TRAILER.size:
        return []
    magic, count, nbytes, crc, _ = TRAILER.unpack_from(data, len(data) - TRAILER.size)
    body = data[HEADER.size:len(data) - TRAILER.size]
    if magic != TRAILER_MAGIC or nbytes != len(body) or zlib.crc32(body) != crc:
        return []                       # not committed: the file below orig_eof is untouched
    records, at = [], 0
    while at < len(body):
        if len(body) - at < RECORD.size:
            return []
        addr, size = RECORD.unpack_from(body, at)
        at += RECORD.size
        if size > len(body) - at:
            return []
        records.append((addr, body[at:at + size]))
        at += size
    return records if len(records) == count else []


def _roll_back(path, orig_eof, created, records):
    if created:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return
    fd = os.open(path, os.O_RDWR)
    try:
        for addr, original in records:
            os.pwrite(fd, original, addr)
        os.ftruncate(fd, orig_eof)
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_if_abandoned(path):
    """Unlink a half-made journal (FILE.journal.new) whose writer is dead."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        if not _lock_abandoned(fd, path):
            return False
        os.unlink(path)
        return True
    finally:
        os.close(fd)


def _sync_directory(path):
    try:
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def recover(path):
    """Roll back the interrupted append of results file ``path``, if any.

    Returns True when it found a dead writer's journal and restored the file as it was before that
    append (removing a file the append had created), False when there was nothing to do (no
    journal, or its writer is alive). Raises JournalError (an OSError) when it cannot.
    """
    path = os.fspath(path)
    jpath = journal_path(path)
    try:
        _remove_if_abandoned(jpath + ".new")
        fd = os.open(jpath, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise JournalError(f"{jpath}: {exc.strerror or exc}") from exc
    try:
        if not _lock_abandoned(fd, jpath):
            return False
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read()
        try:
            _roll_back(path, *_parse(data, jpath))
            os.unlink(jpath)
        except OSError as exc:
            if isinstance(exc, JournalError):
                raise
            raise JournalError(f"{path}: cannot roll back its interrupted append: "
                               f"{exc.strerror or errno.errorcode.get(exc.errno, exc)}") from exc
    finally:
        os.close(fd)
    _sync_directory(path)
    return True
