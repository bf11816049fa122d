"""Emulation vs real (README, "Real interpreter"): every emulated configuration (the native
kernel under lock ``gil`` or ``legacy-gil``, one lock a rank) beside its real counterpart (the
python kernel under the interpreter's own GIL, lock ``cpython-*``) with the same ranks × threads
× interpreters, scaling and probe, and the same interval: ``gil``'s switch interval = the 3.x
interpreter's switch interval in force, ``legacy-gil``'s check interval = the 2.7 interpreter's
check interval in force.

Each side's time ratio is Tp / T₁ against its own kernel's 1×1 (the speedup's baseline, README
"Speedup": ``config_table``'s ``time_ratio``), with the interval ``stats.ratio_ci`` made for the
speedup; ``difference`` = emulated − real. gilbench's own summary pairs by the same rule
(src/report/summary.cpp pair_configurations); ctest ``summary.agrees`` checks both agree, and
that the columns below are the binary's JSON "pairs" keys.
"""

import numpy as np
import pandas as pd

from . import configs

#: The pairing's columns, in order (src/report/summary.hpp GILBENCH_PAIR_COLUMNS).
PAIR_COLUMNS = ("emulated", "real", "emulated_ratio", "emulated_lo", "emulated_hi", "emulated_ci", "real_ratio",
                "real_lo", "real_hi", "real_ci", "difference", "emulated_latency_median_s", "real_latency_median_s",
                "emulated_latency_p99_s", "real_latency_p99_s", "note")
NO_COUNTERPART = "no counterpart"


def is_real(row):
    return str(row["lock"]).startswith("cpython")


def is_emulated(row):
    return row["lock"] in ("gil", "legacy-gil") and row.get("lock_scope", "rank") == "rank"


def counterparts(e, p):
    """Whether real row ``p`` is the counterpart of emulated row ``e``."""
    for k in ("ranks", "threads", "interpreters", "scaling"):
        if e[k] != p[k]:
            return False
    if abs(float(e["probe_period_s"]) - float(p["probe_period_s"])) > 1e-12:
        return False
    if e["lock"] == "gil":
        return int(p["check_interval"]) == 0 and abs(float(e["switch_interval_s"]) - float(p["switch_interval_s"])) < 1e-12
    return int(p["check_interval"]) > 0 and int(e["check_interval"]) == int(p["check_interval"])


def _num(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def _side(row, lat):
    """(ratio, lo, hi, ci method, latency median, latency p99) of one configuration row."""
    ratio = _num(row.get("time_ratio"))
    workers = float(row["workers"]) if row["scaling"] == "weak" else 1.0
    hi_s, lo_s = _num(row.get("speedup_lo")), _num(row.get("speedup_hi"))
    lo = workers / lo_s if ratio is not None and lo_s else None  # Tp/T1 = workers / speedup
    hi = workers / hi_s if ratio is not None and hi_s else None
    method = row.get("speedup_ci", "") if ratio is not None else ""
    med = p99 = None
    if lat is not None:
        med, p99 = _num(lat.get("median_s")), _num(lat.get("p99_s"))
    return ratio, lo, hi, method or "", med, p99


def pairs(table, latency=None):
    """The pairing of ``table`` (``metrics.config_table``; ``latency``: ``metrics.latency_table``)
    as a list of dicts with ``PAIR_COLUMNS``: emulated configurations in table order, each with
    its first counterpart, then the real ones no emulated configuration took; both kinds
    without a partner say "no counterpart". Empty unless the table holds both kinds."""
    if table is None or table.empty:
        return []
    rows = [r for _, r in table.iterrows()]
    if not any(is_real(r) for r in rows) or not any(is_emulated(r) for r in rows):
        return []
    lat = {}
    if latency is not None and not latency.empty:
        for _, r in latency.iterrows():
            lat[tuple(r[k] for k in configs.KEYS)] = r

    def fill(out, row, side):
        got = _side(row, lat.get(tuple(row[k] for k in configs.KEYS)))
        out[side] = configs.summary_label(row)
        for name, value in zip(("ratio", "lo", "hi", "ci", "latency_median_s", "latency_p99_s"), got):
            out[f"{side}_{name}"] = value

    out, taken = [], set()
    for r in rows:
        if not is_emulated(r):
            continue
        p = dict.fromkeys(PAIR_COLUMNS, None)
        p.update(emulated="", real="", emulated_ci="", real_ci="", note="")
        fill(p, r, "emulated")
        for j, q in enumerate(rows):
            if is_real(q) and counterparts(r, q):
                fill(p, q, "real")
                taken.add(j)
                break
        if not p["real"]:
            p["note"] = NO_COUNTERPART
        if p["emulated_ratio"] is not None and p["real_ratio"] is not None:
            p["difference"] = p["emulated_ratio"] - p["real_ratio"]
        out.append(p)
    for j, q in enumerate(rows):
        if is_real(q) and j not in taken:
            p = dict.fromkeys(PAIR_COLUMNS, None)
            p.update(emulated="", real="", emulated_ci="", real_ci="", note=NO_COUNTERPART)
            fill(p, q, "real")
            out.append(p)
    return out


def _ratio_text(x, lo, hi):
    if x is None:
        return "–"
    return f"{x:.2f}" + (f" [{lo:.2f}, {hi:.2f}]" if lo is not None and hi is not None else "")


def table(pair_list, seconds):
    """The pairing as a display frame (``seconds``: tables.seconds), latency columns only when
    a probe ran."""
    probed = any(p[c] is not None for p in pair_list for c in PAIR_COLUMNS if "latency" in c)
    frame = pd.DataFrame({
        "emulated": [p["emulated"] or "–" for p in pair_list],
        "real": [p["real"] or "–" for p in pair_list],
        "emulated ratio": [_ratio_text(p["emulated_ratio"], p["emulated_lo"], p["emulated_hi"]) for p in pair_list],
        "real ratio": [_ratio_text(p["real_ratio"], p["real_lo"], p["real_hi"]) for p in pair_list],
        "difference": ["–" if p["difference"] is None else f"{p['difference']:+.2f}" for p in pair_list],
    })
    if probed:
        for col, head in (("emulated_latency_median_s", "latency median (emulated)"),
                          ("real_latency_median_s", "latency median (real)"),
                          ("emulated_latency_p99_s", "p99 (emulated)"), ("real_latency_p99_s", "p99 (real)")):
            frame[head] = [seconds(np.nan if p[col] is None else p[col]) for p in pair_list]
    frame["note"] = [p["note"] for p in pair_list]
    return frame
