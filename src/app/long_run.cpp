#include "app/long_run.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>

#include "app/units.hpp"
#include "sweep/plan.hpp"
#include "sweep/runner.hpp"
#include "sweep/work.hpp"

namespace gilbench {
namespace {

/// Workers of one run that count at the same time.
double concurrent_workers(const Config& cfg, const RunConfig& rc, int ranks) {
  if (rc.lock == gil::Policy::none) return static_cast<double>(ranks) * rc.threads;
  if (cfg.lock_scope == LockScope::job) return 1;
  return static_cast<double>(ranks) * std::min(cfg.interpreters, rc.threads);
}

/// 2^62 as 2^62, 50000000 as 50M: the count as the user likely typed it.
std::string count_text(std::uint64_t n) {
  if (std::has_single_bit(n) && n >= (std::uint64_t{1} << 20) && n % 1000 != 0)
    return "2^" + std::to_string(std::countr_zero(n));
  return units::format_count(n);
}

std::string duration_text(double s) {
  const bool years = s >= 2 * 365 * 86400.0;
  const double v = years ? s / (365.25 * 86400) : s / 86400;
  char buf[48];
  std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : "%.3g %s", v, years ? "years" : "days");
  return buf;
}

std::string rate_text(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, rate >= 1e9 ? "%.3gG" : "%.3gM", rate >= 1e9 ? rate / 1e9 : rate / 1e6);
  return buf;
}

}  // namespace

double estimated_sweep_seconds(const Config& cfg, int ranks, double rate) {
  double per_round = 0;
  for (const RunConfig& rc : make_configs(cfg)) {
    const double total = static_cast<double>(cfg.count) * (cfg.scaling == Scaling::weak ? ranks * rc.threads : 1.0);
    per_round += total / (concurrent_workers(cfg, rc, ranks) * rate);
  }
  return per_round * (cfg.warmup + cfg.repeat);
}

std::string long_run_warning(const Config& cfg, int ranks, double rate) {
  if (!(rate > 0)) return "";
  const double s = estimated_sweep_seconds(cfg, ranks, rate);
  if (!(s > kLongRunSeconds)) return "";
  const std::size_t runs = make_configs(cfg).size() * static_cast<std::size_t>(cfg.warmup + cfg.repeat);
  return "--count " + count_text(cfg.count) + (cfg.scaling == Scaling::weak ? " per worker" : "") + " x " +
         std::to_string(runs) + " run" + (runs == 1 ? "" : "s") + " would take about " + duration_text(s) +
         " at this machine's rate (" + rate_text(rate) + " iterations/s per worker; warned above 1 day); " +
         "--count auto[:SECONDS] sizes the count for this machine";
}

void warn_if_long(const Config& cfg, int ranks, double rate) {
  if (rate <= 0) {
    if (!(estimated_sweep_seconds(cfg, ranks, kSlowestRate) > kLongRunSeconds)) return;
    rate = measure_kernel_rate(0.1);
  }
  if (const std::string w = long_run_warning(cfg, ranks, rate); !w.empty())
    std::fprintf(stderr, "gilbench: warning: %s\n", w.c_str());
}

}  // namespace gilbench
