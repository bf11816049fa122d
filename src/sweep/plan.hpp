#pragma once
// The sweep of one launch: which configurations, in which order. Warm-up rounds come first;
// then every round runs each configuration once (round robin), so slow drift of the machine
// spreads over all configurations instead of biasing the last one.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "results/schema.hpp"

namespace gilbench {

struct RunConfig {
  int id = 0;
  Kernel kernel = Kernel::native;
  std::uint64_t count = 0;  ///< this kernel's N (--count, or native's scaled one: main.cpp)
  int threads = 1;
  gil::Policy lock = gil::Policy::none;
  std::chrono::nanoseconds switch_interval{0};  ///< gil, or python on 3.x (0 otherwise)
  std::int64_t check_interval = 0;              ///< legacy-gil, or python on 2.x (0 otherwise)
};

struct PlannedRun {
  int config = 0;      ///< index into the configurations
  int repetition = 0;  ///< 0-based among warm-ups or among measured repetitions
  bool warmup = false;
  int round = 0;
};

/// Each kernel's N and the interpreter generation the python configurations map onto.
struct KernelCounts {
  std::uint64_t native = 0;  ///< 0: cfg.count
  std::uint64_t python = 0;  ///< 0: cfg.count
  int python_major = 3;      ///< 3: switch intervals; 2: check intervals
};

/// Native: threads × locks × (switch intervals for gil | check intervals for legacy-gil | one
/// for none); then python: threads × (switch intervals on 3.x | check intervals on 2.x).
std::vector<RunConfig> make_configs(const Config& cfg, const KernelCounts& counts = {});

/// Rounds in execution order; each round holds one run per configuration.
std::vector<std::vector<PlannedRun>> make_rounds(int n_configs, int warmup, int repeat);

/// "1x2 gil 5ms" (or "1x2 gil/2i 5ms" with 2 interpreters) — how a configuration is named in the
/// progress line and the summary.
std::string describe(const RunConfig& c, int ranks, int interpreters = 1);
/// The same text for a run as the file holds it (the summary's and gilbench-report's label).
std::string describe(const RunRecord& r);

/// sequential | threads | processes | hybrid
std::string mode_name(int ranks, int threads);

}  // namespace gilbench
