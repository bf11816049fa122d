"""Assertions on a gilbench results file for the smoke tests.

usage: h5check.py FILE 'python expression' ...
Each expression is evaluated with `runs`, `samples`, `launches`, `trace`, `latency` (pandas
DataFrames read by the analysis' own reader: text decoded, enums named, columns older versions
lack at their declared defaults; an absent table is empty), `f` (the open h5py.File) and numpy
as `np`, pandas as `pd`; a false one fails with its text.
"""
import os
import sys

import h5py
import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
from gilbench_analysis import results  # noqa: E402
from gilbench_analysis.errors import InputError  # noqa: E402


def main():
    path, exprs = sys.argv[1], sys.argv[2:]
    try:
        _, tables = results.read_frames(path, require_runs=False)
    except InputError as exc:
        sys.exit(str(exc))
    env = {"np": np, "pd": pd}
    for name in ("launches", "runs", "samples", "trace", "latency"):
        env[name] = tables.get(name, pd.DataFrame())
    with h5py.File(path, "r") as f:
        env["f"] = f
        for e in exprs:
            try:
                ok = eval(e, env)  # noqa: S307 - test-only assertions written in the tests
            except Exception as exc:  # report which expression broke
                sys.exit(f"{path}: {e!r} raised {type(exc).__name__}: {exc}")
            if not ok:
                sys.exit(f"{path}: assertion failed: {e}")


if __name__ == "__main__":
    main()
