#include "sweep/plan.hpp"

#include <algorithm>

#include "app/units.hpp"

namespace gilbench {

std::vector<RunConfig> make_configs(const Config& cfg, const KernelCounts& counts) {
  std::vector<RunConfig> out;
  const bool native = std::find(cfg.kernels.begin(), cfg.kernels.end(), Kernel::native) != cfg.kernels.end();
  const bool python = std::find(cfg.kernels.begin(), cfg.kernels.end(), Kernel::python) != cfg.kernels.end();
  const std::uint64_t native_n = counts.native != 0 ? counts.native : cfg.count;
  const std::uint64_t python_n = counts.python != 0 ? counts.python : cfg.count;
  for (const gil::Policy lock : native ? cfg.locks : std::vector<gil::Policy>{}) {
    for (const int t : cfg.threads) {
      auto add = [&](std::chrono::nanoseconds interval, std::int64_t check) {
        out.push_back(RunConfig{static_cast<int>(out.size()), Kernel::native, native_n, t, lock, interval, check});
      };
      switch (lock) {
        case gil::Policy::gil:
          for (auto iv : cfg.switch_intervals) add(iv, 0);
          break;
        case gil::Policy::legacy_gil:
          for (auto ci : cfg.check_intervals) add(std::chrono::nanoseconds(0), ci);
          break;
        default: add(std::chrono::nanoseconds(0), 0);
      }
    }
  }
  for (const int t : python ? cfg.threads : std::vector<int>{}) {
    auto add = [&](std::chrono::nanoseconds interval, std::int64_t check) {
      out.push_back(
          RunConfig{static_cast<int>(out.size()), Kernel::python, python_n, t, gil::Policy::none, interval, check});
    };
    if (counts.python_major == 2)
      for (auto ci : cfg.check_intervals) add(std::chrono::nanoseconds(0), ci);
    else
      for (auto iv : cfg.switch_intervals) add(iv, 0);
  }
  return out;
}

std::vector<std::vector<PlannedRun>> make_rounds(int n_configs, int warmup, int repeat) {
  std::vector<std::vector<PlannedRun>> rounds;
  auto add_round = [&](int repetition, bool is_warmup) {
    std::vector<PlannedRun> round;
    for (int c = 0; c < n_configs; ++c)
      round.push_back(PlannedRun{c, repetition, is_warmup, static_cast<int>(rounds.size())});
    rounds.push_back(std::move(round));
  };
  for (int w = 0; w < warmup; ++w) add_round(w, true);
  for (int r = 0; r < repeat; ++r) add_round(r, false);
  return rounds;
}

std::string mode_name(int ranks, int threads) {
  if (ranks == 1 && threads == 1) return "sequential";
  if (ranks == 1) return "threads";
  if (threads == 1) return "processes";
  return "hybrid";
}

namespace {
/// A python run is named by its kernel ("1x2 python 5ms"): its lock is the interpreter's.
std::string label(int ranks, int threads, std::string_view lock, int interpreters, double switch_interval_s,
                  std::int64_t check_interval, bool job_wide, bool python) {
  std::string s = std::to_string(ranks) + "x" + std::to_string(threads) + " " + std::string(python ? "python" : lock);
  if (interpreters > 1) s += "/" + std::to_string(interpreters) + "i";
  if (lock == "gil" || (python && switch_interval_s > 0)) s += " " + units::format_duration(switch_interval_s);
  if (lock == "legacy-gil" || (python && check_interval > 0)) s += " " + std::to_string(check_interval) + "t";
  if (job_wide && lock != "none") s += " job-wide";  // one lock for every thread of every rank
  return s;
}
}  // namespace

std::string describe(const RunConfig& c, int ranks, int interpreters) {
  return label(ranks, c.threads, gil::to_string(c.lock), interpreters,
               static_cast<double>(c.switch_interval.count()) * 1e-9, c.check_interval, false,
               c.kernel == Kernel::python);
}

std::string describe(const RunRecord& r) {
  return label(r.ranks, r.threads, r.lock.view(), r.interpreters, r.switch_interval_s, r.check_interval,
               r.lock_scope.view() == "job", r.kernel == "python");
}

}  // namespace gilbench
