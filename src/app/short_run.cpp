#include "app/short_run.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "app/units.hpp"
#include "sweep/plan.hpp"

namespace gilbench {

std::string short_run_warning(const std::vector<RunRecord>& runs) {
  // (launch, configuration) -> the summary's label and the measured walls
  std::map<std::tuple<std::int32_t, std::int32_t>, std::pair<std::string, std::vector<double>>> walls;
  for (const RunRecord& r : runs)
    if (!r.warmup && r.status == "complete") {
      auto& [label, w] = walls[{r.launch_id, r.config_id}];
      if (label.empty()) label = describe(r);
      w.push_back(r.wall_s);
    }
  std::string names;
  double shortest = kShortRunSeconds;
  int n = 0;
  for (auto& [key, entry] : walls) {
    auto& [label, w] = entry;
    std::sort(w.begin(), w.end());
    const std::size_t m = w.size();
    const double median = m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2;
    if (median >= kShortRunSeconds) continue;
    shortest = std::min(shortest, median);
    if (++n <= 3) names += (names.empty() ? "" : ", ") + label;
  }
  if (n == 0) return "";
  return std::to_string(n) + (n == 1 ? " configuration's" : " configurations'") + " median run is under 100 ms (" +
         names + (n > 3 ? ", ..." : "") + "; shortest " + units::format_duration(shortest) +
         "): timer and scheduler noise dominate; use --count auto (about 1 s per sequential run) or a larger --count";
}

}  // namespace gilbench
