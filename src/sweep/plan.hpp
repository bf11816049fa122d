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
  int threads = 1;
  gil::Policy lock = gil::Policy::none;
  std::chrono::nanoseconds switch_interval{0};  ///< gil only (0 otherwise)
  std::int64_t check_interval = 0;              ///< legacy-gil only (0 otherwise)
};

struct PlannedRun {
  int config = 0;      ///< index into the configurations
  int repetition = 0;  ///< 0-based among warm-ups or among measured repetitions
  bool warmup = false;
  int round = 0;
};

/// threads × locks × (switch intervals for gil | check intervals for legacy-gil | one for none).
std::vector<RunConfig> make_configs(const Config& cfg);

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
