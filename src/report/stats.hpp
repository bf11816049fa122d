#pragma once
// Summary statistics: pure functions on vectors, unit-tested against hand-computed values.
#include <cstddef>
#include <optional>
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

}  // namespace gilbench::stats
