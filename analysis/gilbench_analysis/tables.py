"""Metric tables formatted for people: the same columns in the report, ``summary`` and
``compare`` output. Values become short strings with units; NaN becomes '–'."""

import math

import pandas as pd

from . import metrics, schema, stats

DASH = "–"


def _ok(x):
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def seconds(x):
    """A duration with 4 significant digits and a unit: '1.234 s', '5.02 ms', '830 µs'."""
    if not _ok(x):
        return DASH
    a = abs(x)
    if a >= 1 or a == 0:
        return f"{x:.4g} s"
    if a >= 1e-3:
        return f"{x * 1e3:.4g} ms"
    return f"{x * 1e6:.4g} µs"


def interval(lo, hi):
    """'[1.20 s, 1.31 s]' in the unit of the lower bound."""
    return f"[{seconds(lo)}, {seconds(hi)}]" if _ok(lo) and _ok(hi) else DASH


def too_small(level):
    """What an interval cell says when n cannot reach ``level`` (stats.too_small)."""
    return stats.too_small(level)


def median_interval(lo, hi, reached, n, level=0.95, method=""):
    """The median's interval with the coverage it reaches: '[1.2 s, 1.31 s] (97.9%)', or how
    it was made when that is not known exactly: '[1.2 s, 1.31 s] (hierarchical over 3
    launches)'; 'n too small for a 95% interval' when there is none (``n`` ≥ 1)."""
    if not (_ok(lo) and _ok(hi)):
        return too_small(level) if n and n > 0 else DASH
    return f"{interval(lo, hi)} ({percent(reached) if _ok(reached) else method})"


def ratio_interval(x, lo, hi, method):
    """A ratio with its interval and, when launches were resampled, how: '1.92× [1.73, 2.12]',
    '1.92× [1.7, 2.2] (hierarchical over 3 launches)'; without an interval because n is too
    small, that reason: '1.92× (n too small for a 95% interval)'."""
    text = times(x, lo, hi)
    if not _ok(x) or not isinstance(method, str):
        return text
    if _ok(lo) and _ok(hi) and method.startswith("hierarchical"):
        return f"{text} ({method})"
    if not (_ok(lo) and _ok(hi)) and method.startswith("n too small"):
        return f"{text} ({method.split(':')[0]})"
    return text


def number(x, digits=3):
    """A plain number with ``digits`` significant digits."""
    return f"{x:.{digits}g}" if _ok(x) else DASH


def times(x, lo=None, hi=None):
    """A ratio: '1.92×', with its interval '1.92× [1.73, 2.12]' when given."""
    if not _ok(x):
        return DASH
    text = f"{x:.3g}×"
    if _ok(lo) and _ok(hi):
        text += f" [{lo:.3g}, {hi:.3g}]"
    return text


def percent(x, digits=3):
    """A share as a percentage with ``digits`` significant digits: 0.4 → '40%', 0.0123 →
    '1.23%'; never in exponent notation (1.3 → '130%', not '1.3e+02%')."""
    if not _ok(x):
        return DASH
    value = 100 * x
    if value != 0 and abs(value) >= 10 ** digits / 10:     # as many integer digits as allowed
        return f"{value:.0f}%"
    return f"{value:.{digits}g}%"


def rate(x):
    """Events per second: '98.0/s'."""
    return f"{x:.3g}/s" if _ok(x) else DASH


def configurations(table, level=0.95):
    """The configuration table: repetitions, time statistics, speedup and efficiency with where
    their baseline came from, speedup against the lock-free 1×1 with its origin, Karp–Flatt and
    imbalance."""
    ci = f"{level:.0%} CI"
    return pd.DataFrame({
        "configuration": table["config"],
        "mode": table["mode"],
        "reps": [f"{n}" + (f" (+{i} invalid)" if i else "") + (f" (+{c} interrupted)" if c else "")
                 for n, i, c in zip(table["n"], table["n_invalid"],
                                    table["n_interrupted"] if "n_interrupted" in table else [0] * len(table))],
        "median": table["median_s"].map(seconds),
        ci: [median_interval(lo, hi, reached, n, level, m) for lo, hi, reached, n, m in
             zip(table["ci_lo_s"], table["ci_hi_s"], table["ci_level"], table["n"], table["ci_method"])],
        "min": table["min_s"].map(seconds),
        "CV": table["cv"].map(lambda v: percent(v, 2)),
        "outliers": table["n_outliers"].astype(int),
        "speedup [CI]": [ratio_interval(s, lo, hi, m) for s, lo, hi, m in
                         zip(table["speedup"], table["speedup_lo"], table["speedup_hi"], table["speedup_ci"])],
        "efficiency": table["efficiency"].map(percent),
        "baseline": table["baseline"].map(_origin),
        "vs none": table["speedup_vs_none"].map(times),
        "baseline (none)": table["baseline_none"].map(_origin),
        "Karp–Flatt": table["karp_flatt"].map(karp_flatt),
        "imbalance": table["imbalance"].map(number),
    })


def karp_flatt(e):
    """The serial fraction, with a note outside [0, 1]: below 0 the speedup beat the worker
    count (superlinear: caches, or a noisy baseline), above 1 the parallel run was slower than
    the sequential one."""
    if not _ok(e):
        return DASH
    note = " (superlinear)" if e < 0 else " (worse than serial)" if e > 1 else ""
    return number(e) + note


def _origin(text):
    return text if text else DASH


def lock_metrics(table):
    """Lock metrics of the locked configurations (empty when every run was unlocked)."""
    locked = table[table["lock"].map(metrics.counted_lock)]
    return pd.DataFrame({
        "configuration": locked["config"],
        "switches/s": locked["switches_per_s"].map(rate),
        "mean slice": locked["slice_s"].map(seconds),
        "forced drops": locked["forced_share"].map(percent),
        "Jain fairness (hold)": locked["jain"].map(number),
        "wait share": locked["wait_share"].map(percent),
        "busy cores": locked["busy_cores"].map(number),
    })


def latency(table):
    """Latency table: events, mean, median, p99, max, and median wake-up / queueing parts."""
    return pd.DataFrame({
        "configuration": table["config"],
        "events": table["events"].astype(int),
        "mean": table["mean_s"].map(seconds),
        "median": table["median_s"].map(seconds),
        "p99": table["p99_s"].map(seconds),
        "max": table["max_s"].map(seconds),
        "median wake-up": table["median_wake_s"].map(seconds),
        "median queueing": table["median_queue_s"].map(seconds),
    })


def _summary_cell(value, column, row):
    if value is None or value == "":
        return "-"
    if column.get("group") == "lock" and not metrics.counted_lock(row["lock"]):
        return "-"  # as gilbench: no emulated lock (none, the real interpreter's GIL), no figure
    if column["dtype"] == "bool":
        return "yes" if value else "no"
    if column["dtype"] in ("float", "float?"):
        return seconds(value) if column["unit"] == "s" else number(value, 4)
    return str(value)


def summary(rows):
    """The summary rows (metrics.summary_rows) as a table of the summary columns, leaving out
    the plain numbers that are 0 in every row, the lock figures when no row has an emulated lock
    ('-' in the rows without one, as gilbench's table) and the latency figures when no row has
    latency events; no value (no baseline, CV of one run, a percentile with too few events) shows
    as '-'."""
    probed = any(r["latency_events"] for r in rows)
    locked = any(metrics.counted_lock(r["lock"]) for r in rows)

    def show(c):
        if c.get("group") == "probe":
            return probed                    # as gilbench: every latency figure beside its count
        if c.get("group") == "lock":
            return locked
        return c["dtype"] not in ("int", "float") or any(r[c["name"]] != 0 for r in rows)

    shown = [c for c in schema.SUMMARY_COLUMNS if show(c)]
    return pd.DataFrame({c["name"]: [_summary_cell(r[c["name"]], c, r) for r in rows] for c in shown})


def plain_text(frame):
    """A frame as aligned plain text for the terminal."""
    if frame.empty:
        return "(none)"
    return frame.to_string(index=False)
