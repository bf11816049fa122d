#pragma once
// The summary a launch prints on stdout: one row per configuration, from its measured
// (non-warm-up) runs. Speedup and efficiency are against the launch's 1x1 run (lock none when
// there is one, else the same lock), when the launch has one.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "sweep/plan.hpp"
#include "results/records.hpp"

namespace gilbench {

struct ConfigSummary {
  RunConfig config;
  int ranks = 1;
  std::string mode, label;
  std::size_t repetitions = 0;
  double median_s = 0, min_s = 0, cv = 0;
  std::optional<double> speedup, efficiency;
  double switches_per_s = 0;   ///< holder changes per second of wall time (locked runs)
  double mean_slice_s = 0;     ///< mean time a thread held the lock per acquisition
  double cpu_s = 0;            ///< median CPU time burnt per run (all workers + probe)
  std::size_t latency_events = 0;   ///< --probe: events handled in measured runs
  double latency_mean_s = 0, latency_median_s = 0, latency_p99_s = 0;
  int interpreters = 1;
  bool valid = true;
};

std::vector<ConfigSummary> summarise(const std::vector<RunConfig>& configs, int ranks, Scaling scaling, const std::vector<RunRecord>& runs,
                                     const std::vector<Sample>& samples, const std::vector<LatencyRecord>& latency = {});

void print_summary(std::ostream& out, const std::vector<ConfigSummary>& rows, OutputFormat format);

}  // namespace gilbench
