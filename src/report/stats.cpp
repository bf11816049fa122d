#include "report/stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

RatioInterval ratio_ci(const std::vector<double>& base, const std::vector<double>& next, bool paired, double level,
                       int n_boot, std::uint64_t seed) {
  if (paired && base.size() != next.size()) throw std::invalid_argument("paired samples of different sizes");
  const std::size_t n = std::min(base.size(), next.size());
  RatioInterval out;
  if (n < 2) return out.method = "fewer than 2 runs", out;
  if (n < kMinRatioRuns) {
    char text[96];
    std::snprintf(text, sizeof text, "n too small for a %.0f%% interval: needs %zu runs a side", level * 100,
                  kMinRatioRuns);
    return out.method = text, out;
  }
  std::uint64_t state = seed;
  const auto draw = [&state](std::size_t size) {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>((z ^ (z >> 31)) % size);
  };
  std::vector<double> ratios, a(base.size()), b(next.size());
  ratios.reserve(static_cast<std::size_t>(n_boot));
  for (int k = 0; k < n_boot; ++k) {
    if (paired) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        const std::size_t j = draw(a.size());
        a[i] = base[j], b[i] = next[j];
      }
    } else {
      for (double& x : a) x = base[draw(base.size())];
      for (double& x : b) x = next[draw(next.size())];
    }
    ratios.push_back(median(b) / median(a));
  }
  const double tail = (1 - level) / 2;
  out.lo = quantile(ratios, tail), out.hi = quantile(ratios, 1 - tail);
  out.method = paired ? "paired by round" : "independent";
  return out;
}

}  // namespace gilbench::stats
