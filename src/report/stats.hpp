#pragma once
// Summary statistics: pure functions on vectors, unit-tested against hand-computed values.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gilbench::stats {

double mean(const std::vector<double>& v);  ///< REQUIRES: !v.empty()
double median(std::vector<double> v);       ///< mean of the two middle values for even sizes
double min(const std::vector<double>& v);
double max(const std::vector<double>& v);
double stddev(const std::vector<double>& v);  ///< sample standard deviation (n-1); 0 for n < 2
/// stddev / mean; none for n < 2 (one run has no spread to speak of) or a zero mean, as in
/// gilbench-report (shown "-" on both sides).
std::optional<double> cv(const std::vector<double>& v);
/// Linear-interpolated quantile (numpy's default), q in [0, 1].
double quantile(std::vector<double> v, double q);
/// Fewest values behind a q-quantile worth printing: 100/(100 - 100q) (2 for the median, 100
/// for p99); below that the "p99" of 5 events is an interpolated maximum.
std::size_t min_values_for_quantile(double q);
/// quantile(v, q) when v has min_values_for_quantile(q) values or more; none below.
std::optional<double> quantile_if_enough(std::vector<double> v, double q);

/// Fewest runs a side (pairs when paired) behind a printed ratio interval (the report's
/// stats.MIN_N_RATIO: a 95 % bootstrap interval covers 91 % or more from 5 runs on).
inline constexpr std::size_t kMinRatioRuns = 5;

struct RatioInterval {
  std::optional<double> lo, hi;  ///< none: no interval (method says why)
  std::string method;            ///< the report's words: paired by round, independent, or why none
};

/// The report's rule (analysis stats.ratio_ci) for runs of one launch: the 95 % percentile
/// bootstrap interval of median(next) / median(base), `n_boot` resamples. `paired`: base[i] and
/// next[i] ran in the same round, rounds are resampled with the same indices on both sides;
/// otherwise each side is resampled on its own. None below 2 runs a side ("fewer than 2 runs")
/// or below kMinRatioRuns ("n too small for a 95% interval: needs 5 runs a side"). Deterministic
/// (a fixed-seed splitmix64, not numpy's stream: bounds agree with the report's to bootstrap
/// noise, not to the digit).
RatioInterval ratio_ci(const std::vector<double>& base, const std::vector<double>& next, bool paired,
                       double level = 0.95, int n_boot = 2000, std::uint64_t seed = 20240229);

}  // namespace gilbench::stats
