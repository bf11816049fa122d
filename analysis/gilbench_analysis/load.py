"""Results files → one ``Dataset``: launches, runs and the tidy samples table (samples joined
with their run and launch), plus the lock-event trace and latency events when present.

Each file is read by results.py (checks, decoding, version defaults); every failure is its
one-line ``InputError``, naming the file.
"""

import glob
from dataclasses import dataclass, field

import pandas as pd

from . import results, schema
from .errors import InputError
from .progress import Progress

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


def read_file(path):
    """Read one results file: ``(version, {table name: DataFrame})``; raises ``InputError``
    (also for duplicate ids, which a damaged file can have and the join cannot take)."""
    version, tables = results.read_frames(path)
    for name, key in (("launches", "launch_id"), ("runs", "run_id")):
        ids = tables[name][key]
        if ids.duplicated().any():
            raise InputError(path, f"damaged file: /{name} has duplicate {key} {ids[ids.duplicated()].iloc[0]}")
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
