"""Results files → one ``Dataset``: launches, runs and the tidy samples table (samples joined
with their run and launch), plus the lock-event trace and latency events when present.

Every failure is an ``InputError`` whose message names the file and says what is wrong in one
line: missing, empty, not HDF5, truncated, not a gilbench file, unknown schema version, missing
table or column, no runs.
"""

import glob
import os
import re
from dataclasses import dataclass, field

import h5py
import numpy as np
import pandas as pd

from . import journal, schema
from .errors import InputError
from .progress import Progress

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_GLOB_CHARS = set("*?[")


@dataclass
class Dataset:
    """Everything read from a set of results files.

    ``runs`` has one row per run with its launch's columns (those whose name clashes with a
    run column get a ``launch_`` prefix); ``samples`` is the tidy table, one row per worker,
    with the run and launch columns (the run's ``wall_s`` is ``run_wall_s`` there). Every
    table carries ``file`` and the keys ``launch_key``/``run_key``, unique across files.
    """

    files: list
    versions: dict
    launches: pd.DataFrame
    runs: pd.DataFrame
    samples: pd.DataFrame
    trace: pd.DataFrame = field(default_factory=pd.DataFrame)
    latency: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: list = field(default_factory=list)


def expand(patterns):
    """Files named by ``patterns`` (paths or globs), in order, without duplicates.

    A glob that matches nothing or a path that does not exist raises ``InputError``.
    """
    paths = []
    for pattern in patterns:
        if _GLOB_CHARS & set(pattern):
            matches = sorted(glob.glob(pattern))
            if not matches:
                raise InputError(pattern, "no file matches this pattern")
        else:
            matches = [pattern]
        for path in matches:
            if path not in paths:
                paths.append(path)
    return paths


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip("\0")
    return str(value)


def _column(values, dtype):
    """One field of a compound table as a pandas-friendly array (strings decoded, enums named)."""
    enum = h5py.check_enum_dtype(dtype)
    if enum is not None:
        names = {v: k for k, v in enum.items()}
        if set(names.values()) == {"FALSE", "TRUE"}:
            return values.astype(np.int64)
        return np.array([names.get(int(v), str(int(v))) for v in values], dtype=object)
    if dtype.kind in "SO" or h5py.check_string_dtype(dtype) is not None:
        return np.array([_text(v) for v in values], dtype=object)
    if dtype.kind == "U":
        return values.astype(object)
    return values


def _table(handle, path, name):
    node = handle[name]
    if not isinstance(node, h5py.Dataset) or node.dtype.names is None:
        raise InputError(path, f"/{name} is not a compound table")
    try:
        data = node[()]
    except (OSError, RuntimeError, ValueError) as exc:
        raise InputError(path, f"/{name} cannot be read (truncated or damaged file: {_first_line(exc)})")
    frame = pd.DataFrame({col: _column(data[col], node.dtype.fields[col][0]) for col in node.dtype.names})
    missing = [c for c in schema.REQUIRED_COLUMNS.get(name, ()) if c not in frame.columns]
    if missing:
        raise InputError(path, f"/{name} lacks column(s) {', '.join(missing)}")
    for col, neutral in schema.DEFAULTS.get(name, {}).items():
        if col not in frame.columns:
            frame[col] = neutral
    return frame


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _check_container(path):
    """Refuse what is not a readable, non-empty HDF5 file before h5py sees it."""
    if not os.path.exists(path):
        raise InputError(path, "no such file")
    if os.path.isdir(path):
        raise InputError(path, "is a directory, not a results file")
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


def read_file(path):
    """Read one results file: ``(version, {table name: DataFrame})``; raises ``InputError``."""
    try:
        journal.recover(path)           # an append killed half-way is rolled back first
    except OSError as exc:
        raise InputError(path, str(exc))
    _check_container(path)
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        raise _open_error(path, exc)
    with handle:
        producer = handle.attrs.get("producer")
        if producer is None or _text(np.asarray(producer).ravel()[0]) != schema.PRODUCER:
            raise InputError(path, "not a gilbench results file (no producer = 'gilbench' attribute)")
        if "schema_version" not in handle.attrs:
            raise InputError(path, "no schema_version attribute")
        version = int(np.asarray(handle.attrs["schema_version"]).ravel()[0])
        if version not in schema.KNOWN_VERSIONS:
            raise InputError(path, f"unknown schema_version {version} (this analysis reads "
                                   f"{schema.KNOWN_VERSIONS[0]}..{schema.KNOWN_VERSIONS[-1]}; update gilbench-report)")
        tables = {}
        for name in schema.REQUIRED_TABLES:
            if name not in handle:
                raise InputError(path, f"missing table /{name} (incomplete file)")
            tables[name] = _table(handle, path, name)
        for name in schema.OPTIONAL_TABLES:
            if name in handle:
                tables[name] = _table(handle, path, name)
    if tables["runs"].empty:
        raise InputError(path, "holds no runs (empty results file)")
    if tables["samples"].empty:
        raise InputError(path, "holds runs but no samples")
    return version, tables


def _prefix_clashes(frame, taken, prefix, keep=()):
    clashes = {c: prefix + c for c in frame.columns if c in taken and c not in keep}
    return frame.rename(columns=clashes)


def _assemble(parts):
    """Concatenate per-file tables and join samples → runs → launches."""
    tables = {}
    for name in schema.REQUIRED_TABLES + schema.OPTIONAL_TABLES:
        frames = [t[name] for t in parts if name in t]
        tables[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    launches, runs, samples = tables["launches"], tables["runs"], tables["samples"]
    run_cols, sample_cols = set(runs.columns), set(samples.columns)
    launch_side = _prefix_clashes(launches, run_cols | sample_cols, "launch_", keep=("launch_key", "file"))
    launch_side = launch_side.drop(columns=["file", "launch_launch_id"], errors="ignore")
    runs_full = runs.merge(launch_side, on="launch_key", how="left", validate="many_to_one")
    run_side = _prefix_clashes(runs_full, sample_cols, "run_", keep=("run_key",))
    run_side = run_side.drop(columns=["run_file", "run_run_id"], errors="ignore")
    tidy = samples.merge(run_side, on="run_key", how="inner", validate="many_to_one")
    return launches, runs_full, tidy, tables["trace"], tables["latency"]


def _keyed(tables, index, path):
    """Add ``file`` and file-unique keys (ids are unique only inside one file)."""
    for name, frame in tables.items():
        frame.insert(0, "file", path)
        if "launch_id" in frame.columns:
            frame["launch_key"] = [f"{index}:{v}" for v in frame["launch_id"]]
        if "run_id" in frame.columns:
            frame["run_key"] = [f"{index}:{v}" for v in frame["run_id"]]
    return tables


def load(patterns, skip_bad=False, progress=True, warn=None):
    """Load every file matched by ``patterns`` into one ``Dataset``.

    With ``skip_bad`` a bad file is reported through ``warn(message)`` and left out; without
    it the first bad file raises ``InputError``. No readable file at all raises too.
    """
    paths = expand(patterns)
    meter = Progress(len(paths), enabled=progress)
    parts, versions, skipped = [], {}, []
    for index, path in enumerate(paths):
        meter.step(path)
        try:
            version, tables = read_file(path)
        except InputError as exc:
            if not skip_bad:
                meter.done()
                raise
            skipped.append(str(exc))
            if warn:
                warn(f"skipping {exc}")
            continue
        versions[path] = version
        parts.append(_keyed(tables, index, path))
    if not parts:
        meter.done()
        raise InputError(", ".join(paths) if len(paths) <= 3 else f"{len(paths)} files",
                         "no readable gilbench results file")
    launches, runs, samples, trace, latency = _assemble(parts)
    meter.done(f"loaded {len(parts)} file(s): {len(runs)} runs, {len(samples)} samples")
    return Dataset(files=list(versions), versions=versions, launches=launches, runs=runs,
                   samples=samples, trace=trace, latency=latency, skipped=skipped)
