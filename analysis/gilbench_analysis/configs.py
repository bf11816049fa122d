"""Configurations: which run columns make one, their normalised values, how they read.

A configuration is ranks × threads × interpreters × lock (scope, switch interval, check
interval, tick size) × latency-probe period × count × scaling. Runs of the same configuration from different launches
or files are pooled. Parameters a policy does not use (any for ``none``, the check interval and
tick size for ``gil``, the switch interval for ``legacy-gil``) are set to neutral values, so
that runs made beside different settings of them pool together.
"""

import numpy as np
import pandas as pd

#: Columns that identify a configuration, in display order.
KEYS = ("scaling", "count", "ranks", "threads", "interpreters", "lock", "lock_scope",
        "switch_interval_s", "check_interval", "tick_iterations", "probe_period_s")

_POLICY_PARAMS = {"lock_scope": "rank", "switch_interval_s": 0.0, "check_interval": 0,
                  "tick_iterations": 0}
#: The parameters each policy uses; the others are set neutral (the binary writes 0 there too).
_USED_PARAMS = {"none": (), "gil": ("lock_scope", "switch_interval_s"),
                "legacy-gil": ("lock_scope", "check_interval", "tick_iterations")}

MODES = ("sequential", "threads", "processes", "hybrid")


def uses(lock, param):
    """Whether policy ``lock`` uses ``param`` (an unknown policy is assumed to use all)."""
    return lock not in _USED_PARAMS or param in _USED_PARAMS[lock]


def normalise(runs):
    """Copy of ``runs`` with neutral values for the parameters a policy does not use, plus
    ``workers`` (ranks × threads), ``mode`` (sequential, threads, processes, hybrid) and
    ``work`` (the count for strong scaling, the count per worker for weak scaling: what a
    scaling curve holds fixed)."""
    out = runs.copy()
    for col, neutral in _POLICY_PARAMS.items():
        unused = np.array([not uses(lock, col) for lock in out["lock"]], dtype=bool)
        out[col] = out[col].astype(object)
        out.loc[unused, col] = neutral
    for col in ("switch_interval_s", "probe_period_s"):
        out[col] = out[col].astype(float).round(12)
    for col in ("check_interval", "tick_iterations", "count", "ranks", "threads", "interpreters"):
        out[col] = out[col].astype(np.int64)
    out["workers"] = out["ranks"] * out["threads"]
    out["mode"] = [mode(r, t) for r, t in zip(out["ranks"], out["threads"])]
    out["work"] = np.where(out["scaling"] == "weak", out["count"] // out["workers"].clip(lower=1), out["count"])
    return out


def mode(ranks, threads):
    """How the workers are made: ``sequential`` (1×1), ``threads``, ``processes`` or ``hybrid``."""
    if ranks == 1 and threads == 1:
        return "sequential"
    if ranks == 1:
        return "threads"
    if threads == 1:
        return "processes"
    return "hybrid"


def duration_text(seconds):
    """A duration as gilbench's labels write it (units::format_duration, printf "%.3g" plus
    the unit): 0.005 → '5ms', 0.0125 → '12.5ms', 2e-4 → '200us', 0 → '0s'."""
    a = abs(seconds)
    if a >= 1 or a == 0:
        return f"{seconds:.3g}s"
    if a >= 1e-3:
        return f"{seconds * 1e3:.3g}ms"
    if a >= 1e-6:
        return f"{seconds * 1e6:.3g}us"
    return f"{seconds * 1e9:.3g}ns"


def summary_label(row):
    """The configuration as gilbench's summary names it (sweep/plan.cpp describe()): ranks x
    threads, the lock, '/Ki' for K > 1 interpreters, the gil's switch interval or the legacy
    gil's check interval in ticks, ' job-wide' for one lock of the job: '1x2 gil 5ms', '2x1 none', '1x4 gil/2i 5ms', '1x2 legacy-gil 100t'."""
    lock = str(row["lock"])
    python = lock.startswith("cpython")  # the real interpreter (kernel python), named by its kernel
    text = f"{int(row['ranks'])}x{int(row['threads'])} {'python' if python else lock}"
    if int(row["interpreters"]) > 1:
        text += f"/{int(row['interpreters'])}i"
    if lock == "gil" or (python and float(row["switch_interval_s"]) > 0):
        text += " " + duration_text(float(row["switch_interval_s"]))
    if lock == "legacy-gil" or (python and int(row["check_interval"]) > 0):
        text += f" {int(row['check_interval'])}t"
    if lock != "none" and row.get("lock_scope", "rank") == "job":
        text += " job-wide"
    return text


def human_count(n):
    """50000000 → '50M', 1500 → '1.5k' (the binary's own count notation)."""
    for factor, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= factor:
            value = n / factor
            return f"{value:g}{suffix}" if value == round(value, 3) else f"{value:.3g}{suffix}"
    return str(int(n))


def human_seconds(s):
    """0.005 → '5ms', 0.0005 → '500us', 2 → '2s'."""
    if s >= 1:
        return f"{s:g}s"
    if s >= 1e-3:
        return f"{s * 1e3:g}ms"
    return f"{s * 1e6:g}us"


def policy(row):
    """The lock policy with its parameter: 'none', 'gil 5ms', 'legacy-gil 100 ticks' (+ scope)."""
    lock = row["lock"]
    if lock == "none":
        text = "none"
    elif lock == "legacy-gil" or (str(lock).startswith("cpython") and int(row["check_interval"]) > 0):
        text = f"{lock} {int(row['check_interval'])} ticks"
    elif str(lock) == "cpython-nogil":
        text = "cpython-nogil"
    else:
        text = f"{lock} {human_seconds(float(row['switch_interval_s']))}"
    if lock != "none" and row.get("lock_scope", "rank") == "job":
        text += " job-wide"
    return text


def label(row, varying=KEYS):
    """A short unique name: gilbench's own label ('1x2 gil 5ms', '1x4 gil/2i 5ms' for two
    interpreters, see ``summary_label``), plus what that label leaves out: ' job-wide' (one lock
    for the job), ' probe 3ms' (a latency probe every 3 ms), and the tick size, count (per
    worker for weak scaling) and scaling when those vary in the data set (``varying``)."""
    parts = [summary_label(row)]
    if float(row.get("probe_period_s", 0.0)) > 0:
        parts.append(f"probe {duration_text(float(row['probe_period_s']))}")
    if "tick_iterations" in varying and row["lock"] != "none":
        parts.append(f"tick {int(row['tick_iterations'])}")
    if "work" in varying:
        per = "/worker" if row["scaling"] == "weak" else ""
        parts.append(f"N={human_count(int(row['work']))}{per}")
    if "scaling" in varying:
        parts.append(str(row["scaling"]))
    return " ".join(parts)


def varying_keys(frame):
    """Configuration keys (and the derived ``work``) that take more than one value in ``frame``
    (a policy parameter is judged on the rows of the policies that use it: the others hold
    neutral values)."""
    def rows_using(key):
        if key not in _POLICY_PARAMS:
            return frame
        return frame.loc[np.array([uses(lock, key) for lock in frame["lock"]], dtype=bool)]
    derived = ("work",) if "work" in frame.columns else ()
    return tuple(k for k in KEYS + derived if rows_using(k)[k].nunique(dropna=False) > 1)


def series_keys():
    """Keys that make one line in a plot against the number of workers."""
    return tuple(k for k in KEYS if k not in ("ranks", "threads"))


def with_labels(frame, varying=None):
    """Add a ``config`` label column to a frame holding the KEYS columns; ``varying`` (default:
    the keys varying in ``frame``) says which keys the labels must tell apart."""
    varying = varying_keys(frame) if varying is None else varying
    out = frame.copy()
    out["config"] = [label(row, varying) for _, row in out.iterrows()] if len(out) else []
    return out


LOCK_ORDER = ("none", "gil", "legacy-gil")


def sort(frame):
    """Configurations in reading order: scaling, count, policy (none, gil, legacy-gil),
    interpreters, probe period, ranks, threads."""
    out = frame.assign(_lock=[LOCK_ORDER.index(v) if v in LOCK_ORDER else len(LOCK_ORDER) for v in frame["lock"]])
    order = ["scaling", "work", "count", "_lock", "lock", "lock_scope", "switch_interval_s", "check_interval",
             "tick_iterations", "interpreters", "probe_period_s", "ranks", "threads"]
    return out.sort_values(order, kind="stable").drop(columns="_lock").reset_index(drop=True)


def frame_of(records):
    """A DataFrame from a list of dicts, keeping KEYS first."""
    frame = pd.DataFrame.from_records(records)
    first = [k for k in KEYS if k in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]
