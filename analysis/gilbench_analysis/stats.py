"""Statistics: pure functions on sequences of numbers, each tested against hand values.

Bootstrap functions take a ``seed`` and return the same interval for the same input: a report
made twice from the same files is identical.
"""

import math
from math import comb

import numpy as np
from scipy import stats as _scipy

#: Bootstrap resamples; 2000 keeps percentile intervals stable to a few 0.1 % of the median.
N_BOOT = 2000
DEFAULT_SEED = 20240229
#: Robust z above which a repetition is flagged an outlier (kept, never dropped).
OUTLIER_Z = 3.0
_MAD_TO_SIGMA = 1.4826
_MEANAD_TO_SIGMA = 1.2533
#: Fewest values among which an outlier is flagged.
OUTLIER_MIN_N = 5


def _array(values):
    return np.asarray(values, dtype=float).ravel()


def median(values):
    """Median (mean of the two middle values for an even count); NaN when empty."""
    x = _array(values)
    return float(np.median(x)) if x.size else float("nan")


def cv(values):
    """Coefficient of variation: sample standard deviation (n−1) / mean; NaN for n < 2."""
    x = _array(values)
    if x.size < 2 or np.mean(x) == 0:
        return float("nan")
    return float(np.std(x, ddof=1) / np.mean(x))


def median_ci_coverage(n, k):
    """Coverage of the order-statistic interval [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] (1-based, sorted) for the
    median of a continuous distribution: 1 − 2·P(Binomial(n, ½) ≤ k − 1). Exact, whatever the
    distribution; [min, max] (k = 1) covers 1 − 2·(½)ⁿ: 75 % at n = 3, 93.75 % at n = 5."""
    return float(1.0 - 2.0 * _scipy.binom.cdf(k - 1, n, 0.5))


def min_n_for_median_ci(level=0.95):
    """Fewest values whose [min, max] covers the median with at least ``level``: 6 for 0.95."""
    n = 2
    while median_ci_coverage(n, 1) < level:
        n += 1
    return n


def median_ci(values, level=0.95):
    """Distribution-free interval of the median: ``(lo, hi, reached)``.

    The narrowest order-statistic interval [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] whose coverage is at least
    ``level``; ``reached`` is the coverage it actually has (coverage moves in steps at small n:
    n = 10 gives [x₍₂₎, x₍₉₎] at 97.9 % for a 95 % request). NaNs when no such interval
    exists: fewer than ``min_n_for_median_ci(level)`` values (n too small for the level)."""
    x = np.sort(_array(values))
    n = x.size
    if n < 2 or median_ci_coverage(n, 1) < level:
        return float("nan"), float("nan"), float("nan")
    k = 1
    while k + 1 <= n // 2 and median_ci_coverage(n, k + 1) >= level:
        k += 1
    return float(x[k - 1]), float(x[n - k]), median_ci_coverage(n, k)


def bootstrap_ci(values, level=0.95, n_boot=N_BOOT, seed=DEFAULT_SEED, statistic=np.median):
    """Percentile bootstrap interval ``(lo, hi)`` of ``statistic`` (default the median).

    Not for the median of a few runs: there its coverage is below its label (n = 3 gives
    [min, max], 75 %; n = 10 about 92 % for "95 %"); the report uses ``median_ci``.

    Fewer than 2 values give NaNs (one run has no spread: no interval). Resampling uses numpy's PCG64 seeded with
    ``seed``, so the interval is reproducible.
    """
    x = _array(values)
    if x.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    stat = statistic(x[rng.integers(0, x.size, size=(n_boot, x.size))], axis=1)
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(stat, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_ratio_ci(base, new, level=0.95, n_boot=N_BOOT, seed=DEFAULT_SEED):
    """Percentile bootstrap interval of median(new) / median(base), both sides resampled
    independently (samples from different launches or files); NaNs when a side has fewer
    than 2 values: one run has no spread to resample."""
    a, b = _array(base), _array(new)
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    med_a = np.median(a[rng.integers(0, a.size, size=(n_boot, a.size))], axis=1)
    med_b = np.median(b[rng.integers(0, b.size, size=(n_boot, b.size))], axis=1)
    return _ratio_percentiles(med_a, med_b, level)


def paired_ratio_ci(base, new, level=0.95, n_boot=N_BOOT, seed=DEFAULT_SEED):
    """Percentile bootstrap interval of median(new) / median(base) for paired samples:
    ``base[i]`` and ``new[i]`` ran in the same round of one launch, so rounds are resampled
    (both sides with the same indices) and the machine's drift between rounds cancels.
    NaNs below 2 pairs."""
    a, b = _array(base), _array(new)
    if a.size != b.size:
        raise ValueError("paired samples of different sizes")
    if a.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.size, size=(n_boot, a.size))
    return _ratio_percentiles(np.median(a[idx], axis=1), np.median(b[idx], axis=1), level)


def _ratio_percentiles(med_a, med_b, level):
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = med_b / med_a
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(ratio, [tail, 100 - tail])
    return float(lo), float(hi)


def outlier_mask(values, z=OUTLIER_Z):
    """True where a value lies more than ``z`` robust standard deviations from the median:
    σ = 1.4826 × MAD, or, when MAD = 0 (half the values or more equal), 1.2533 × the mean
    absolute deviation from the median (Iglewicz and Hoaglin). Nothing is flagged below
    ``OUTLIER_MIN_N`` values (at n = 3 a point would be flagged whenever one gap exceeds 4.45×
    the other) nor when every value is equal."""
    x = _array(values)
    if x.size < OUTLIER_MIN_N:
        return np.zeros(x.size, dtype=bool)
    med = np.median(x)
    dev = np.abs(x - med)
    sigma = _MAD_TO_SIGMA * np.median(dev)
    if sigma == 0:
        sigma = _MEANAD_TO_SIGMA * np.mean(dev)
    if sigma == 0:
        return np.zeros(x.size, dtype=bool)
    return dev > z * sigma


def jain_index(values):
    """Jain's fairness index (Σx)² / (n·Σx²): 1 when all shares are equal, 1/n when one
    worker has everything. NaN when empty or all zero."""
    x = _array(values)
    total_sq = float(np.sum(x * x))
    if x.size == 0 or total_sq == 0:
        return float("nan")
    return float(np.sum(x) ** 2 / (x.size * total_sq))


def imbalance(values):
    """Load imbalance max / mean: 1 when perfectly balanced. NaN when empty or mean is 0."""
    x = _array(values)
    if x.size == 0 or np.mean(x) == 0:
        return float("nan")
    return float(np.max(x) / np.mean(x))


def quantile(values, q):
    """Linear-interpolated quantile (numpy's default, as in gilbench's C++), q in [0, 1]."""
    x = _array(values)
    return float(np.quantile(x, q)) if x.size else float("nan")


def min_values_for_quantile(q):
    """Fewest values behind a q-quantile worth printing: 100 / (100 − 100q), 2 for the median,
    100 for p99 (as gilbench's ``stats::min_values_for_quantile``)."""
    if not 0 <= q < 1:
        raise ValueError("quantile outside [0, 1)")
    return math.ceil(1.0 / (1.0 - q) - 1e-9)


def quantile_if_enough(values, q):
    """``quantile(values, q)`` with ``min_values_for_quantile(q)`` values or more, else NaN."""
    x = _array(values)
    return quantile(x, q) if x.size >= min_values_for_quantile(q) else float("nan")


def min_two_sided_p(m, n):
    """Smallest p-value the exact two-sided Mann–Whitney U test can give with sample sizes
    m and n (no ties): 2 / C(m+n, m), capped at 1. 3+3 → 0.1, 4+4 → 0.0286."""
    if m == 0 or n == 0:
        return 1.0
    return min(1.0, 2.0 / comb(m + n, m))


def min_repetitions(alpha=0.05):
    """Fewest repetitions per side (equal sides) with which the exact two-sided U test can
    reach p < alpha: 4 for alpha = 0.05."""
    n = 1
    while min_two_sided_p(n, n) >= alpha:
        n += 1
    return n


def _adjusted(p_values, adjust):
    """``adjust(p sorted ascending, m)`` applied to the non-NaN p-values, put back in their
    places; NaNs (untested) stay NaN and do not count as tests."""
    p = _array(p_values)
    out = np.full(p.size, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    if idx.size:
        order = idx[np.argsort(p[idx], kind="stable")]
        out[order] = adjust(p[order], idx.size)
    return out


def holm(p_values):
    """Holm's step-down adjusted p-values (family-wise error control: reject where adjusted
    p < alpha); NaNs (untested) stay NaN and do not count as tests."""
    return _adjusted(p_values, lambda p, m: np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p)))


def benjamini_hochberg(p_values):
    """Benjamini–Hochberg adjusted p-values (false discovery rate control: reject where
    adjusted p < alpha); NaNs (untested) stay NaN and do not count as tests."""
    return _adjusted(p_values, lambda p, m: np.minimum(
        1.0, np.minimum.accumulate((p * m / np.arange(1, m + 1))[::-1])[::-1]))


def mann_whitney(base, new):
    """Two-sided Mann–Whitney U test of ``new`` against ``base``: ``(U, p)``.

    scipy chooses the exact distribution for small samples without ties, the normal
    approximation otherwise. Identical constant samples give p = 1.
    """
    a, b = _array(base), _array(new)
    if a.size == 0 or b.size == 0:
        return float("nan"), float("nan")
    if np.all(a == a[0]) and np.all(b == a[0]):
        return float(a.size * b.size / 2), 1.0
    result = _scipy.mannwhitneyu(b, a, alternative="two-sided")
    return float(result.statistic), float(result.pvalue)


def _resample_launches(groups, rng, n_boot, paired_with=None):
    """Medians of ``n_boot`` hierarchical resamples: launches with replacement, then runs
    within each chosen launch. ``paired_with``: groups of the same sizes whose runs ran in the
    same rounds; they are resampled with the same indices and their medians returned too."""
    meds, other = np.empty(n_boot), np.empty(n_boot)
    for b in range(n_boot):
        pick = rng.integers(0, len(groups), len(groups))
        idx = [rng.integers(0, groups[i].size, groups[i].size) for i in pick]
        meds[b] = np.median(np.concatenate([groups[i][j] for i, j in zip(pick, idx)]))
        if paired_with is not None:
            other[b] = np.median(np.concatenate([paired_with[i][j] for i, j in zip(pick, idx)]))
    return meds, other


def _groups(groups):
    return [g for g in (_array(g) for g in groups) if g.size]


def hierarchical_median_ci(groups, level=0.95, n_boot=N_BOOT, seed=DEFAULT_SEED):
    """Percentile interval of the median of runs from several launches (``groups``: one
    sequence of values a launch): resample launches with replacement, then runs within each
    chosen launch, so between-launch variance is in the interval. NaNs below 2 launches."""
    gs = _groups(groups)
    if len(gs) < 2:
        return float("nan"), float("nan")
    meds, _ = _resample_launches(gs, np.random.default_rng(seed), n_boot)
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(meds, [tail, 100 - tail])
    return float(lo), float(hi)


def hierarchical_ratio_ci(base, new, level=0.95, n_boot=N_BOOT, seed=DEFAULT_SEED, paired=False):
    """Percentile interval of median(new) / median(base), ``base`` and ``new`` one sequence of
    values a launch, launches resampled first, then runs within. ``paired``: ``base[i][j]``
    and ``new[i][j]`` ran in round j of the same launch i: launches, then rounds, are
    resampled with the same indices on both sides. Otherwise each side is resampled on its
    own (a side of one launch: its runs only)."""
    a, b = _groups(base), _groups(new)
    if not a or not b:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    if paired:
        if [g.size for g in a] != [g.size for g in b]:
            raise ValueError("paired samples of different sizes")
        med_a, med_b = _resample_launches(a, rng, n_boot, paired_with=b)
    else:
        med_a, _ = _resample_launches(a, rng, n_boot)
        med_b, _ = _resample_launches(b, rng, n_boot)
    return _ratio_percentiles(med_a, med_b, level)


#: Fewest runs a side (pairs when paired) from which a bootstrap ratio interval is printed: the
#: measured coverage of a 95 % interval is 75 % paired / 89 % independent at n = 3, 87 % / 92 %
#: at n = 4, 91 % or more from n = 5 (tests/test_ratio_coverage.py, analysis/README.md).
MIN_N_RATIO = 5


def too_small(level=0.95):
    """What is printed instead of an interval n cannot support at ``level``."""
    return f"n too small for a {level:.0%} interval"


class RatioCI(tuple):
    """``(lo, hi, method)`` of ``ratio_ci``: NaN bounds when there is no interval, ``method``
    saying how it was made or why there is none."""

    def __new__(cls, lo, hi, method):
        return super().__new__(cls, (float(lo), float(hi), method))

    lo = property(lambda self: self[0])
    hi = property(lambda self: self[1])
    method = property(lambda self: self[2])


def ratio_ci(base, new, level=0.95, n_boot=N_BOOT, seed=DEFAULT_SEED, paired=False):
    """The interval of median(new) / median(base) that summary, report and compare print: the
    one rule.

    ``base``, ``new``: one sequence of wall times a launch (file and launch), in round order;
    ``paired``: the two sides ran in the same launches, run j of launch i of both in round j
    (the same-launch baseline of a speedup). Below 2 runs a side: no interval ('fewer than 2
    runs'); below ``MIN_N_RATIO``: none either, ``too_small(level)`` (the bootstrap would not
    reach the level). Otherwise the percentile bootstrap: rounds resampled in pairs
    ('paired by round'), or the sides independently ('independent'); when a side's runs come
    from more than one launch, launches first, then runs within ('hierarchical over K
    launches'), because runs of one launch are not independent of each other."""
    a, b = _groups(base), _groups(new)
    n = min(sum(g.size for g in a), sum(g.size for g in b))
    nan = float("nan")
    if n < 2:
        return RatioCI(nan, nan, "fewer than 2 runs")
    if n < MIN_N_RATIO:
        return RatioCI(nan, nan, f"{too_small(level)}: needs {MIN_N_RATIO} runs a side")
    kw = dict(level=level, n_boot=n_boot, seed=seed)
    launches = max(len(a), len(b))
    if paired:
        if launches == 1:
            return RatioCI(*paired_ratio_ci(a[0], b[0], **kw), "paired by round")
        return RatioCI(*hierarchical_ratio_ci(a, b, paired=True, **kw),
                       f"hierarchical over {launches} launches, paired by round")
    if launches == 1:
        return RatioCI(*bootstrap_ratio_ci(a[0], b[0], **kw), "independent")
    where = f"{len(a)}+{len(b)}" if len(a) > 1 and len(b) > 1 else str(launches)
    return RatioCI(*hierarchical_ratio_ci(a, b, **kw), f"hierarchical over {where} launches")


def is_hierarchical(method):
    """Whether an interval's ``method`` resampled launches."""
    return isinstance(method, str) and method.startswith("hierarchical")
