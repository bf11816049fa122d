"""Statistics against hand-computed values."""

import math

import numpy as np
import pytest

from gilbench_analysis import stats


def test_median_even_and_odd():
    assert stats.median([1, 2, 3, 4]) == 2.5
    assert stats.median([3, 1, 2]) == 2.0
    assert math.isnan(stats.median([]))


def test_cv_by_hand():
    # mean 2, sample sd 1 → CV 0.5
    assert stats.cv([1, 2, 3]) == pytest.approx(0.5)
    # mean 1.04, squared deviations sum 0.052, sd = sqrt(0.013)
    assert stats.cv([1.0, 1.2, 1.1, 0.9, 1.0]) == pytest.approx(math.sqrt(0.013) / 1.04)
    assert math.isnan(stats.cv([5.0]))


def test_bootstrap_ci_is_reproducible_and_contains_the_median():
    x = [1.0, 1.2, 1.1, 0.9, 1.0, 1.05, 0.97]
    lo, hi = stats.bootstrap_ci(x, seed=7)
    assert (lo, hi) == stats.bootstrap_ci(x, seed=7)
    assert lo <= stats.median(x) <= hi
    assert min(x) <= lo and hi <= max(x)
    assert all(math.isnan(v) for v in stats.bootstrap_ci([2.5]))     # one run: no interval
    assert all(math.isnan(v) for v in stats.bootstrap_ci([]))


def test_bootstrap_ci_narrows_with_level():
    x = np.linspace(1, 2, 21)
    lo90, hi90 = stats.bootstrap_ci(x, level=0.90)
    lo99, hi99 = stats.bootstrap_ci(x, level=0.99)
    assert lo99 <= lo90 <= 1.5 <= hi90 <= hi99


def test_bootstrap_ratio_ci_brackets_the_ratio():
    base, new = [1.0, 1.01, 0.99, 1.0], [2.0, 2.02, 1.98, 2.0]
    lo, hi = stats.bootstrap_ratio_ci(base, new)
    assert lo <= 2.0 <= hi
    # resampled medians stay within each side's range: [1.98/1.01, 2.02/0.99]
    assert 1.98 / 1.01 <= lo and hi <= 2.02 / 0.99


def test_outliers_by_hand():
    # median 1.0, |dev| = 0, .01, .01, 0, 4 → MAD 0.01; 3 × 1.4826 × 0.01 = 0.0445 → only 5.0
    mask = stats.outlier_mask([1.0, 1.01, 0.99, 1.0, 5.0])
    assert mask.tolist() == [False, False, False, False, True]
    # MAD 0: σ = 1.2533 × mean |dev| = 1.2533 × 0.2, 3σ = 0.75 < 1 → the 2 is flagged
    assert stats.outlier_mask([1, 1, 1, 1, 2]).tolist() == [False] * 4 + [True]
    assert not stats.outlier_mask([1.0, 9.0]).any()      # too few to judge


def test_jain_by_hand():
    assert stats.jain_index([1, 1, 1, 1]) == 1.0
    assert stats.jain_index([1, 0, 0, 0]) == 0.25
    assert stats.jain_index([3, 1]) == pytest.approx(16 / 20)
    assert stats.jain_index([0.6, 0.2]) == pytest.approx(0.64 / 0.8)
    assert math.isnan(stats.jain_index([0, 0]))


def test_imbalance_by_hand():
    assert stats.imbalance([1, 2, 3]) == 1.5
    assert stats.imbalance([2, 2]) == 1.0
    assert stats.imbalance([1.0, 0.5, 0.5, 1.0]) == pytest.approx(4 / 3)


def test_quantile_interpolates():
    assert stats.quantile([1, 2, 3, 4], 0.5) == 2.5
    assert stats.quantile(list(range(101)), 0.99) == pytest.approx(99.0)


def test_minimum_repetitions_for_the_u_test():
    assert stats.min_two_sided_p(3, 3) == pytest.approx(0.1)
    assert stats.min_two_sided_p(4, 4) == pytest.approx(2 / 70)
    assert stats.min_two_sided_p(2, 8) == pytest.approx(2 / 45)
    assert stats.min_two_sided_p(0, 5) == 1.0
    assert stats.min_repetitions(0.05) == 4
    assert stats.min_repetitions(0.01) == 5          # 2/252 = 0.0079


def test_mann_whitney_exact_by_hand():
    u, p = stats.mann_whitney([1, 2, 3, 4], [5, 6, 7, 8])
    assert u == 16.0                                  # every NEW value above every BASE value
    assert p == pytest.approx(2 / 70)
    u, p = stats.mann_whitney([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert p == 1.0


def test_holm_and_benjamini_hochberg_by_hand():
    p = [0.01, 0.04, float("nan"), 0.03, 0.005]
    # m = 4 tests; Holm: sorted 0.005·4, 0.01·3, 0.03·2, 0.04·1, then running max
    assert np.allclose(stats.holm(p), [0.03, 0.06, np.nan, 0.06, 0.02], equal_nan=True)
    # BH: 0.005·4/1, 0.01·4/2, 0.03·4/3, 0.04·4/4, then running min from the top
    assert np.allclose(stats.benjamini_hochberg(p), [0.02, 0.04, np.nan, 0.04, 0.02], equal_nan=True)
    assert stats.holm([0.2]).tolist() == [0.2] and stats.holm([]).size == 0
