"""The one reader of a gilbench results file: recovery of an interrupted append, the checks
and their one-line refusals, text and enum decoding, and the declared default of every column
a file's version predates (all from schema.json, through schema.py).

Two forms of the same tables: ``read(path)`` needs numpy and h5py only (``{column: array}``
per table, for tools that must run without pandas); ``read_frames(path)`` gives pandas
DataFrames. Every refusal is an ``InputError`` whose message starts with the file's name:
missing, empty, not HDF5, truncated, not a gilbench file, unknown schema version, missing
table or column, no runs.
"""

import importlib
import os
import re
from dataclasses import dataclass, field

import h5py
import numpy as np

from . import isolate, schema
from .errors import InputError

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@dataclass
class ResultsFile:
    """What ``read`` returns: the file's schema version and its tables, each a dict of equal-
    length numpy arrays in file column order (text and enum columns as object arrays of str),
    with every declared column present."""

    path: str
    version: int
    tables: dict = field(default_factory=dict)


def text(value):
    """A text cell as str: fixed-length bytes lose their NUL padding, vlen bytes are decoded."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip("\0")
    return str(value)


def _first_line(exc):
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _recover(path):
    """Roll back the append a killed gilbench left in flight, if there is one (it may remove a
    file that append created); a build without the journal module has nothing to recover."""
    name = f"{__package__}.journal"
    try:
        journal = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:            # the module exists but fails: not "nothing to recover"
            raise
        return
    try:
        journal.recover(path)
    except OSError as exc:
        reason = str(exc)
        reason = reason[len(path) + 2:] if reason.startswith(f"{path}: ") else reason
        raise InputError(path, f"cannot recover an interrupted append: {reason}")


def _check_container(path):
    """Refuse what is not a readable, non-empty HDF5 file before h5py sees it."""
    size = os.path.getsize(path)
    if size == 0:
        raise InputError(path, "empty file (0 bytes)")
    try:
        with open(path, "rb") as fh:
            offset, found = 0, False
            while offset < size and not found:        # superblock at 0, 512, 1024, 2048, …
                fh.seek(offset)
                found = fh.read(8) == _HDF5_SIGNATURE
                offset = 512 if offset == 0 else 2 * offset
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror or exc}")
    if not found:
        raise InputError(path, "not an HDF5 file (so not a gilbench results file)")


def _open_error(path, exc):
    """h5py's open failure as a one-line InputError ('truncated file (2000 of 34816 bytes)')."""
    message = _first_line(exc)
    if "truncated file" in message:
        sizes = re.search(r"\beof = (\d+).*\bstored_eof = (\d+)", message)
        detail = f" ({sizes.group(1)} of {sizes.group(2)} bytes)" if sizes else ""
        return InputError(path, f"truncated file{detail}")
    return InputError(path, f"damaged HDF5 file ({message})")


def _attr(handle, name):
    value = handle.attrs.get(name)
    return None if value is None else np.asarray(value).ravel()[0]


def open_checked(path, recover=True):
    """Recover (unless the caller did), check and open ``path`` read-only: ``(h5py.File,
    schema version)``. The caller closes the file. Raises ``InputError`` for anything that is
    not a readable gilbench file of a version this analysis reads."""
    path = str(path)
    if recover:
        _recover(path)
    if not os.path.exists(path):
        raise InputError(path, "no such file")
    if os.path.isdir(path):
        raise InputError(path, "is a directory, not a results file")
    _check_container(path)
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise _open_error(path, exc)
    try:
        producer = _attr(handle, "producer")
        if producer is None or text(producer) != schema.PRODUCER:
            raise InputError(path, f"not a gilbench results file (no producer = '{schema.PRODUCER}' attribute)")
        if _attr(handle, "schema_version") is None:
            raise InputError(path, "no schema_version attribute")
        version = int(_attr(handle, "schema_version"))
        known = schema.KNOWN_VERSIONS
        if version not in known:
            raise InputError(path, f"unknown schema_version {version} (this analysis reads "
                                   f"{known[0]}..{known[-1]}; update gilbench-report)")
    except BaseException:
        handle.close()
        raise
    return handle, version


def decode(values, dtype):
    """One field of a compound table as a plain array: text as str, enums by their label
    (HDF5's FALSE/TRUE enum as 0/1)."""
    enum = h5py.check_enum_dtype(dtype)
    if enum is not None:
        names = {v: k for k, v in enum.items()}
        if set(names.values()) == {"FALSE", "TRUE"}:
            return values.astype(np.int64)
        return np.array([names.get(int(v), str(int(v))) for v in values], dtype=object)
    if dtype.kind in "SO" or h5py.check_string_dtype(dtype) is not None:
        return np.array([text(v) for v in values], dtype=object)
    if dtype.kind == "U":
        return values.astype(object)
    return values


def _filled(n, default):
    """A column the file lacks, as its declared default (text as str, null as NaN)."""
    if isinstance(default, str):
        return np.array([default] * n, dtype=object)
    return np.full(n, default)


#: the numpy kinds a column declared with a dtype's kind letter may have in a file (older
#: versions wrote other sizes and fixed- or variable-length text); anything else is damage
_KINDS = {"f": "f", "i": "iu", "u": "iu", "S": "SO", "O": "OS"}


def _kind(declared):
    """The kind letter of a schema.json dtype ("<f8" → "f", "S16" → "S", "vlen-utf8" → "O")."""
    return "O" if declared == "vlen-utf8" else declared.lstrip("<>|=")[0]


def _table(handle, path, name, version=None):
    node = handle[name]
    if not isinstance(node, h5py.Dataset) or node.dtype.names is None:
        raise InputError(path, f"/{name} is not a compound table")
    try:
        data = node[()]
    except (OSError, RuntimeError, ValueError) as exc:
        raise InputError(path, f"/{name} cannot be read (truncated or damaged file: {_first_line(exc)})")
    declared = schema.DTYPES.get(name, {})
    for col in node.dtype.names:
        ftype = node.dtype.fields[col][0]
        if col in declared and h5py.check_enum_dtype(ftype) is None and ftype.kind not in _KINDS[_kind(declared[col])]:
            raise InputError(path, f"damaged file: /{name} column {col} is {ftype}, "
                                   f"not the declared {declared[col]}")
    cols = {col: decode(data[col], node.dtype.fields[col][0]) for col in node.dtype.names}
    if version is not None:  # a column read under the name it had in the file's version
        for old, new in schema.renamed(name, version).items():
            if old in cols and new not in cols:
                cols[new] = cols.pop(old)
    missing = [c for c in schema.REQUIRED_COLUMNS.get(name, ()) if c not in cols]
    if missing:
        raise InputError(path, f"/{name} lacks column(s) {', '.join(missing)}")
    for col, default in schema.DEFAULTS.get(name, {}).items():
        if col not in cols:
            cols[col] = _filled(len(data), default)
    return cols


def read_open(handle, path, version, require_runs=True):
    """The tables of an open, checked file (see ``open_checked``) as a ``ResultsFile``."""
    tables = {}
    for name in schema.REQUIRED_TABLES:
        if name not in handle:
            raise InputError(path, f"missing table /{name} (incomplete file)")
        tables[name] = _table(handle, path, name, version)
    for name in schema.OPTIONAL_TABLES:
        if name in handle:
            tables[name] = _table(handle, path, name, version)
    if require_runs:
        if len(tables["runs"]["run_id"]) == 0:
            raise InputError(path, "holds no runs (empty results file)")
        if len(tables["samples"]["run_id"]) == 0:
            raise InputError(path, "holds runs but no samples")
    return ResultsFile(path=str(path), version=version, tables=tables)


def _read(path, require_runs):
    """The read itself: any failure to decode the file (h5py, numpy) is its ``InputError``."""
    try:
        handle, version = open_checked(path, recover=False)
        with handle:
            return read_open(handle, str(path), version, require_runs)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001  (a damaged file can fail anywhere in h5py/numpy)
        raise InputError(path, f"damaged file ({type(exc).__name__}: {_first_line(exc)})") from exc


def read(path, require_runs=True):
    """Read a results file with numpy and h5py only: a ``ResultsFile``; raises ``InputError``.
    ``require_runs``: refuse a file without runs or samples (analysis has nothing to do).
    The file is decoded first in a forked child (isolate.py): libhdf5 crashing on a damaged
    header is an ``InputError`` too."""
    path = str(path)
    _recover(path)  # here, not in the child: it may rewrite or remove the file
    return isolate.run(lambda: _read(path, require_runs), path)


def read_frames(path, require_runs=True):
    """Read a results file into pandas: ``(version, {table name: DataFrame})``."""
    import pandas as pd

    got = read(path, require_runs)
    return got.version, {name: pd.DataFrame(cols) for name, cols in got.tables.items()}
