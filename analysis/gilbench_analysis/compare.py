"""Compare two sets of results configuration by configuration: ratio of medians with a
bootstrap CI (stats.ratio_ci: none below 5 repetitions a side; launches resampled first when a
side's runs come from several launches or files), a two-sided Mann–Whitney U test on the repetitions' wall times, and a verdict.

One sample = one measured (non-warm-up, valid) repetition's run ``wall_s``. The exact U test
cannot reach p < alpha with too few repetitions: its smallest two-sided p is 2 / C(m+n, m)
(3+3 → 0.10, 4+4 → 0.029). A side with fewer than 4 repetitions (at alpha = 0.05) therefore
gets 'insufficient data', never 'no difference detected'.

Several configurations make several tests: the table's verdicts use Benjamini–Hochberg
adjusted p-values (false discovery rate ≤ alpha over the tests made), the ``--fail-above`` gate
Holm adjusted ones (family-wise error ≤ alpha: with no real change, the gate fails at most
alpha of the time however many configurations it guards).
"""

import numpy as np
import pandas as pd

from . import configs, metrics, stats, tables, ticks

FASTER, SLOWER, SAME, INSUFFICIENT = "faster", "slower", "no difference detected", "insufficient data"
ONLY_BASE, ONLY_NEW = "only in BASE", "only in NEW"


_COUNT = configs.KEYS.index("count")
_TICK = configs.KEYS.index("tick_iterations")


def _match_key(key, auto_s, measured_tick=False):
    """The key two sides match on: the configuration's, with a ``--count auto:S`` launch's
    calibrated N replaced by its target S (two auto launches calibrate N that differ by a few
    iterations but measure the same work), and a legacy-gil tick mapping measured at start-up
    (not --tick-iterations) replaced by 'measured': it maps the same CPython tick to each
    machine's kernel (``ticks.warning`` says when the mappings differ)."""
    if auto_s > 0:
        key = key[:_COUNT] + (f"auto:{auto_s:g}s",) + key[_COUNT + 1:]
    if measured_tick:
        key = key[:_TICK] + ("measured",) + key[_TICK + 1:]
    return key


def _samples(ds):
    """``{match key: (wall times a launch, configuration key, sorted Ns)}`` of the valid
    measured runs (one array per launch of any file: launches are resampled first when a side
    has several)."""
    runs = configs.normalise(ds.runs)
    runs = runs[(runs["warmup"].astype(int) == 0) & metrics.measurement(runs)]
    auto = runs["count_auto_s"].astype(float).fillna(0.0) if "count_auto_s" in runs.columns else 0.0
    measured_tick = (runs["lock"].astype(str) == "legacy-gil") & ticks.derived(runs)
    out = {}
    for full, g in runs.assign(_auto=auto, _tick=measured_tick).groupby([*configs.KEYS, "_auto", "_tick"],
                                                                         sort=False):
        key, auto_s, tick = tuple(full[:-2]), float(full[-2]), bool(full[-1])
        mk = _match_key(key, auto_s, tick)
        groups, first, counts = out.get(mk, ([], key, []))
        out[mk] = (groups + metrics.launch_groups(g), first, sorted({*counts, int(key[_COUNT])}))
    return out


def tick_warning(base_ds, new_ds):
    """``ticks.warning`` over the launches of both sides ('' when they emulate the legacy GIL
    with one mapping, or not at all)."""
    both = [m for m in (ticks.mappings(base_ds), ticks.mappings(new_ds)) if not m.empty]
    return ticks.warning(pd.concat(both, ignore_index=True)) if both else ""


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
    """One row per configuration present on either side, in reading order. ``N base/new``
    (``count_base``, ``count_new``): the iterations of each side's runs (several when
    ``--count auto`` launches calibrated different Ns)."""
    base, new = _samples(base_ds), _samples(new_ds)
    keys = list(base) + [k for k in new if k not in base]
    rows = []
    for mk in keys:
        ga, gb = (base[mk][0] if mk in base else None), (new[mk][0] if mk in new else None)
        a = None if ga is None else np.concatenate(ga)
        b = None if gb is None else np.concatenate(gb)
        row = dict(zip(configs.KEYS, (base.get(mk) or new.get(mk))[1]))
        row.update(n_base=0 if a is None else len(a), n_new=0 if b is None else len(b),
                   count_base=",".join(map(str, base[mk][2])) if mk in base else "",
                   count_new=",".join(map(str, new[mk][2])) if mk in new else "",
                   count_auto=isinstance(mk[_COUNT], str))
        if a is None or b is None:
            row.update(verdict=ONLY_NEW if a is None else ONLY_BASE)
            rows.append(row)
            continue
        lo, hi, how = stats.ratio_ci(ga, gb, level=level, seed=seed)
        ratio = stats.median(b) / stats.median(a)
        v, u, p = verdict(a, b, alpha)
        row.update(median_base_s=stats.median(a), median_new_s=stats.median(b), ratio=ratio,
                   ratio_lo=lo, ratio_hi=hi, ratio_ci=how, change_pct=100 * (ratio - 1), U=u, p=p,
                   min_p=stats.min_two_sided_p(len(a), len(b)), verdict=v)
        rows.append(row)
    frame = configs.frame_of(rows)
    for col in ("median_base_s", "median_new_s", "ratio", "ratio_lo", "ratio_hi", "change_pct", "U", "p", "min_p"):
        if col not in frame.columns:
            frame[col] = float("nan")
    frame["ratio_ci"] = frame["ratio_ci"].fillna("") if "ratio_ci" in frame.columns else ""
    frame = adjust(frame, alpha)
    frame = configs.normalise(frame.assign(warmup=0))        # workers/mode for sorting and labels
    frame = configs.with_labels(configs.sort(frame))
    return frame.drop(columns=["warmup"])


def adjust(frame, alpha=0.05):
    """``frame`` with ``p_bh`` (Benjamini–Hochberg) and ``p_holm`` (Holm) adjusted over the
    tests made (rows with a p-value), and the verdicts of those rows from ``p_bh`` < alpha."""
    frame = frame.assign(p_bh=stats.benjamini_hochberg(frame["p"]), p_holm=stats.holm(frame["p"]))
    tested = frame["p"].notna().to_numpy()
    if tested.any():
        slower = (frame["median_new_s"] > frame["median_base_s"]).to_numpy()
        decided = np.where(slower, SLOWER, FASTER)
        verdicts = np.where(frame["p_bh"].to_numpy() < alpha, decided, SAME)
        frame.loc[tested, "verdict"] = verdicts[tested]
    return frame


def tests_made(frame):
    """How many configurations were tested (had enough repetitions on both sides)."""
    return int(frame["p"].notna().sum())


def failures(frame, fail_above_pct, alpha=0.05):
    """Rows slower by more than ``fail_above_pct`` percent with a Holm adjusted p < alpha."""
    return frame[(frame["p_holm"] < alpha) & (frame["median_new_s"] > frame["median_base_s"])
                 & (frame["change_pct"] > fail_above_pct)]


def gate_testable(frame, alpha=0.05):
    """Rows on which the Holm gate can fail: tested, and the smallest p their repetitions
    allow is below alpha / (tests made), Holm's first threshold."""
    m = max(tests_made(frame), 1)
    return frame["p"].notna() & (frame["min_p"] < alpha / m)


def untested(frame, alpha=0.05):
    """Why the rows the gate cannot fail on are untestable: one phrase per reason, '' when
    every row is testable."""
    m = tests_made(frame)
    n = stats.min_repetitions(alpha)
    parts = []
    few = frame[frame["verdict"] == INSUFFICIENT]
    if len(few):
        parts.append(f"{len(few)} with fewer than {n} valid repetitions a side ("
                     + ", ".join(f"{c} {a}/{b}" for c, a, b in zip(few["config"], few["n_base"], few["n_new"])) + ")")
    weak = frame[frame["p"].notna() & ~gate_testable(frame, alpha)]
    if len(weak):
        parts.append(f"{len(weak)} whose repetitions cannot reach p < {alpha / m:.3g} (alpha / {m} tests, Holm): "
                     + ", ".join(f"{c} {a}/{b}" for c, a, b in zip(weak["config"], weak["n_base"], weak["n_new"])))
    alone = frame[frame["verdict"].isin([ONLY_BASE, ONLY_NEW])]
    if len(alone):
        parts.append(f"{len(alone)} only on one side (" + ", ".join(
            f"{c}: {v}" for c, v in zip(alone["config"], alone["verdict"])) + ")")
    return "; ".join(parts)


def explanation(alpha=0.05, frame=None):
    """The sentences that say when the test can decide and how many tests were made."""
    n = stats.min_repetitions(alpha)
    text = (f"Mann–Whitney U, two-sided, alpha = {alpha:g}, on the measured repetitions' wall times. "
            f"A verdict needs at least {n} repetitions per side (smallest attainable p: "
            f"{n - 1}+{n - 1} → {stats.min_two_sided_p(n - 1, n - 1):.3g}, {n}+{n} → "
            f"{stats.min_two_sided_p(n, n):.3g}); below that: '{INSUFFICIENT}'. "
            "ratio = median NEW / median BASE (< 1: NEW is faster).")
    if frame is not None:
        m = tests_made(frame)
        text += (f" {m} test{'' if m == 1 else 's'} made: verdicts use p (BH), Benjamini–Hochberg adjusted "
                 f"over the {m} (false discovery rate ≤ {alpha:g}); --fail-above uses Holm adjusted p "
                 f"(family-wise error ≤ {alpha:g}).")
    return text


def display(frame, level=0.95):
    """The comparison for people."""
    return pd.DataFrame({
        "configuration": frame["config"],
        "reps base/new": [f"{a}/{b}" for a, b in zip(frame["n_base"], frame["n_new"])],
        **({"N base/new": [f"{a}/{b}" if auto else tables.DASH for a, b, auto in
                           zip(frame["count_base"], frame["count_new"], frame["count_auto"])]}
           if frame["count_auto"].any() else {}),
        "median base": frame["median_base_s"].map(tables.seconds),
        "median new": frame["median_new_s"].map(tables.seconds),
        f"ratio [{level:.0%} CI]": [tables.ratio_interval(r, lo, hi, m) for r, lo, hi, m in
                                   zip(frame["ratio"], frame["ratio_lo"], frame["ratio_hi"],
                                       frame.get("ratio_ci", pd.Series("", index=frame.index)))],
        "change": frame["change_pct"].map(lambda v: tables.DASH if pd.isna(v) else f"{v:+.1f}%"),
        "p": frame["p"].map(lambda v: tables.number(v, 2)),
        "p (BH)": frame["p_bh"].map(lambda v: tables.number(v, 2)),
        "verdict": [f"{v} (n = {a}/{b})" if v == SAME else v
                    for v, a, b in zip(frame["verdict"], frame["n_base"], frame["n_new"])],
    })
