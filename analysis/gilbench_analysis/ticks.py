"""The tick mapping of the emulated legacy GIL: kernel iterations per CPython tick, which each
launch measures at start-up (docs/gil.md, "Tick mapping"; /launches tick_iterations, tick_s,
tick_source, native_rate, python_rate). Two launches that emulate the legacy GIL with different
mappings check at different numbers of kernel iterations: ``compare`` and ``history`` say so.
"""

import os

import pandas as pd

#: What a launch's tick_source says; before schema 6 a launch had no such column.
OVERRIDE = "--tick-iterations override"
BEFORE_6 = "constant (before schema 6)"


def mappings(ds):
    """One row per launch with native legacy-gil runs: ``launch`` ('f.h5:0'), ``tick_iterations``
    (in force: its runs' value), ``tick_source`` (BEFORE_6 for older files), ``tick_s``,
    ``native_rate`` and ``python_rate`` (0 when not measured)."""
    runs = ds.runs
    if runs.empty:
        return pd.DataFrame(columns=["launch", "tick_iterations", "tick_source", "tick_s", "native_rate", "python_rate"])
    python = runs["kernel"].astype(str) == "python" if "kernel" in runs.columns else False
    legacy = runs[(runs["lock"].astype(str) == "legacy-gil") & ~python]
    rows = []
    for _, g in legacy.groupby("launch_key", sort=False):
        first = g.iloc[0]
        source = str(first.get("tick_source", "") or "")
        rows.append({
            "launch": f"{os.path.basename(str(first['file']))}:{int(first['launch_id'])}",
            "tick_iterations": int(first["tick_iterations"]),
            "tick_source": source or BEFORE_6,
            "tick_s": float(first.get("tick_s", 0.0) or 0.0),
            "native_rate": float(first.get("native_rate", 0.0) or 0.0),
            "python_rate": float(first.get("python_rate", 0.0) or 0.0),
        })
    return pd.DataFrame(rows, columns=["launch", "tick_iterations", "tick_source", "tick_s", "native_rate",
                                       "python_rate"])


def _ns(seconds):
    return f"{seconds * 1e9:.3g}ns"


def describe(row):
    """'f.h5:0: 20 iterations/tick (reference 7.5ns per tick / 0.377ns per iteration)'."""
    text = f"{row['launch']}: {int(row['tick_iterations'])} iterations/tick ({row['tick_source']}"
    if row["tick_s"] > 0 and row["native_rate"] > 0:
        text += f" {_ns(row['tick_s'])} per tick / {_ns(1.0 / row['native_rate'])} per iteration"
    return text + ")"


def warning(frame):
    """The sentence when the launches of ``frame`` (``mappings``, possibly of two sides
    concatenated) emulate the legacy GIL with more than one tick mapping, else ''."""
    if frame.empty or frame["tick_iterations"].nunique() < 2:
        return ""
    return ("the legacy GIL is emulated with different tick mappings: "
            + "; ".join(describe(r) for _, r in frame.iterrows())
            + ". Their legacy-gil runs check at different numbers of kernel iterations (the same CPython time "
              "per check only where each mapping matches its machine); pass one --tick-iterations to make "
              "them the same emulation.")


def derived(runs):
    """Mask of the runs whose tick mapping was measured (or the constant of older files) rather
    than given with --tick-iterations: their tick_iterations is not part of what they measure."""
    if "tick_source" not in runs.columns:
        return pd.Series(True, index=runs.index)
    return runs["tick_source"].astype(str) != OVERRIDE
