"""Assertions on a gilbench results file for the smoke tests.

usage: h5check.py FILE 'python expression' ...
Each expression is evaluated with `runs`, `samples`, `launches` (pandas DataFrames, strings
decoded), `f` (the open h5py.File) and numpy as `np`; a false one fails with its text.
"""
import sys

import h5py
import numpy as np
import pandas as pd


def table(f, name):
    if name not in f:
        return pd.DataFrame()
    df = pd.DataFrame(f[name][()])
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(lambda v: v.decode() if isinstance(v, bytes) else v)
    return df


def main():
    path, exprs = sys.argv[1], sys.argv[2:]
    with h5py.File(path, "r") as f:
        env = {"f": f, "np": np, "pd": pd, "runs": table(f, "runs"), "samples": table(f, "samples"),
               "launches": table(f, "launches"), "trace": table(f, "trace")}
        for e in exprs:
            try:
                ok = eval(e, env)  # noqa: S307 - test-only assertions written in the tests
            except Exception as exc:  # report which expression broke
                sys.exit(f"{path}: {e!r} raised {type(exc).__name__}: {exc}")
            if not ok:
                sys.exit(f"{path}: assertion failed: {e}")


if __name__ == "__main__":
    main()
