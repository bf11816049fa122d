"""Compare two sets of results configuration by configuration: ratio of medians with a
bootstrap CI, a two-sided Mann–Whitney U test on the repetitions' wall times, and a verdict.

One sample = one measured (non-warm-up, valid) repetition's run ``wall_s``. The exact U test
cannot reach p < alpha with too few repetitions: its smallest two-sided p is 2 / C(m+n, m)
(3+3 → 0.10, 4+4 → 0.029). A side with fewer than 4 repetitions (at alpha = 0.05) therefore
gets 'insufficient data', never 'no significant change'.
"""

import pandas as pd

from . import configs, metrics, stats, tables

FASTER, SLOWER, SAME, INSUFFICIENT = "faster", "slower", "no significant change", "insufficient data"
ONLY_BASE, ONLY_NEW = "only in BASE", "only in NEW"


def _samples(ds):
    runs = configs.normalise(ds.runs)
    runs = runs[(runs["warmup"].astype(int) == 0) & metrics.measurement(runs)]
    return {key: g["wall_s"].to_numpy(float) for key, g in runs.groupby(list(configs.KEYS), sort=False)}


def verdict(base, new, alpha=0.05):
    """``(verdict, U, p)`` for two samples of wall times (seconds; lower is faster).

    'insufficient data' when a side has fewer than ``stats.min_repetitions(alpha)`` values
    (4 at alpha = 0.05): with as many on both sides the exact test can reach p < alpha.
    """
    if min(len(base), len(new)) < stats.min_repetitions(alpha):
        return INSUFFICIENT, float("nan"), float("nan")
    u, p = stats.mann_whitney(base, new)
    if p < alpha:
        return (SLOWER if stats.median(new) > stats.median(base) else FASTER), u, p
    return SAME, u, p


def compare(base_ds, new_ds, alpha=0.05, level=0.95, seed=stats.DEFAULT_SEED):
    """One row per configuration present on either side, in reading order."""
    base, new = _samples(base_ds), _samples(new_ds)
    keys = list(base) + [k for k in new if k not in base]
    rows = []
    for key in keys:
        a, b = base.get(key), new.get(key)
        row = dict(zip(configs.KEYS, key))
        row.update(n_base=0 if a is None else len(a), n_new=0 if b is None else len(b))
        if a is None or b is None:
            row.update(verdict=ONLY_NEW if a is None else ONLY_BASE)
            rows.append(row)
            continue
        lo, hi = stats.bootstrap_ratio_ci(a, b, level=level, seed=seed)
        ratio = stats.median(b) / stats.median(a)
        v, u, p = verdict(a, b, alpha)
        row.update(median_base_s=stats.median(a), median_new_s=stats.median(b), ratio=ratio,
                   ratio_lo=lo, ratio_hi=hi, change_pct=100 * (ratio - 1), U=u, p=p,
                   min_p=stats.min_two_sided_p(len(a), len(b)), verdict=v)
        rows.append(row)
    frame = configs.frame_of(rows)
    for col in ("median_base_s", "median_new_s", "ratio", "ratio_lo", "ratio_hi", "change_pct", "U", "p", "min_p"):
        if col not in frame.columns:
            frame[col] = float("nan")
    frame = configs.normalise(frame.assign(warmup=0))        # workers/mode for sorting and labels
    frame = configs.with_labels(configs.sort(frame))
    return frame.drop(columns=["warmup"])


def failures(frame, fail_above_pct):
    """Rows whose significant slow-down exceeds ``fail_above_pct`` percent."""
    return frame[(frame["verdict"] == SLOWER) & (frame["change_pct"] > fail_above_pct)]


def explanation(alpha=0.05):
    """The sentence that says when the test can decide."""
    n = stats.min_repetitions(alpha)
    return (f"Mann–Whitney U, two-sided, alpha = {alpha:g}, on the measured repetitions' wall times. "
            f"A verdict needs at least {n} repetitions per side (smallest attainable p: "
            f"{n - 1}+{n - 1} → {stats.min_two_sided_p(n - 1, n - 1):.3g}, {n}+{n} → "
            f"{stats.min_two_sided_p(n, n):.3g}); below that: '{INSUFFICIENT}'. "
            "ratio = median NEW / median BASE (< 1: NEW is faster).")


def display(frame, level=0.95):
    """The comparison for people."""
    return pd.DataFrame({
        "configuration": frame["config"],
        "reps base/new": [f"{a}/{b}" for a, b in zip(frame["n_base"], frame["n_new"])],
        "median base": frame["median_base_s"].map(tables.seconds),
        "median new": frame["median_new_s"].map(tables.seconds),
        f"ratio [{level:.0%} CI]": [tables.times(r, lo, hi) for r, lo, hi in
                                   zip(frame["ratio"], frame["ratio_lo"], frame["ratio_hi"])],
        "change": frame["change_pct"].map(lambda v: tables.DASH if pd.isna(v) else f"{v:+.1f}%"),
        "p": frame["p"].map(lambda v: tables.number(v, 2)),
        "verdict": frame["verdict"],
    })
