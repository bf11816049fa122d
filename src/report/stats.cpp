#include "report/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace gilbench::stats {
namespace {
void require(const std::vector<double>& v) {
  if (v.empty()) throw std::invalid_argument("statistics of an empty sample");
}
}  // namespace

double mean(const std::vector<double>& v) {
  require(v);
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

double min(const std::vector<double>& v) {
  require(v);
  return *std::min_element(v.begin(), v.end());
}

double max(const std::vector<double>& v) {
  require(v);
  return *std::max_element(v.begin(), v.end());
}

double stddev(const std::vector<double>& v) {
  require(v);
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

std::optional<double> cv(const std::vector<double>& v) {
  const double m = mean(v);
  if (v.size() < 2 || m == 0) return std::nullopt;
  return stddev(v) / m;
}

double quantile(std::vector<double> v, double q) {
  require(v);
  if (q < 0 || q > 1) throw std::invalid_argument("quantile outside [0, 1]");
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = static_cast<std::size_t>(std::ceil(pos));
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

std::size_t min_values_for_quantile(double q) {
  if (q < 0 || q >= 1) throw std::invalid_argument("quantile outside [0, 1)");
  return static_cast<std::size_t>(std::ceil(1.0 / (1.0 - q) - 1e-9));
}

std::optional<double> quantile_if_enough(std::vector<double> v, double q) {
  if (v.size() < min_values_for_quantile(q)) return std::nullopt;
  return quantile(std::move(v), q);
}

}  // namespace gilbench::stats
