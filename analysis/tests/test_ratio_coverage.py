"""Seeded simulation: the ratio intervals reach the level they claim at the n they are given."""
import unittest

import numpy as np

from gilbench_analysis import stats


def coverage(ci, n, trials=200, truth=1.2, cv=0.05, seed=7):
    rng = np.random.default_rng(seed)
    hit = 0
    for t in range(trials):
        a = rng.lognormal(0.0, cv, n)
        b = rng.lognormal(np.log(truth), cv, n)
        lo, hi = ci(a, b, n_boot=400, seed=t)
        hit += bool(lo <= truth <= hi)
    return hit / trials


#: From here the measured coverage is 91-97 % (analysis/README.md); at n = 3..4 it is 75-92 %.
MIN_N_MEASURED = 5


class RatioCoverage(unittest.TestCase):
    def test_reaches_level_from_min_n(self):
        for n in range(MIN_N_MEASURED, 9):
            for ci in (stats.paired_ratio_ci, stats.bootstrap_ratio_ci):
                self.assertGreaterEqual(coverage(ci, n), 0.85, (ci.__name__, n))

    def test_n3_would_undercover(self):
        # why the floor exists: [min,max]-like bootstrap at n = 3 covers about 75 %
        rng = np.random.default_rng(7)
        hit = 0
        for t in range(200):
            a, b = rng.lognormal(0, 0.05, 3), rng.lognormal(np.log(1.2), 0.05, 3)
            idx = np.random.default_rng(t).integers(0, 3, size=(400, 3))
            r = np.median(b[idx], axis=1) / np.median(a[idx], axis=1)
            lo, hi = np.percentile(r, [2.5, 97.5])
            hit += bool(lo <= 1.2 <= hi)
        self.assertLess(hit / 200, 0.85)


if __name__ == "__main__":
    unittest.main()
