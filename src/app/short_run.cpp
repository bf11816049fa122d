#include "app/short_run.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "app/units.hpp"

namespace gilbench {

std::string short_run_warning(const std::vector<RunRecord>& runs) {
  std::map<std::tuple<std::int32_t, std::int32_t, std::int32_t>, std::vector<double>> walls;  // config, ranks, threads
  for (const RunRecord& r : runs)
    if (!r.warmup && r.status == "complete") walls[{r.config_id, r.ranks, r.threads}].push_back(r.wall_s);
  std::string names;
  double shortest = kShortRunSeconds;
  int n = 0;
  for (auto& [key, w] : walls) {
    std::sort(w.begin(), w.end());
    const std::size_t m = w.size();
    const double median = m % 2 ? w[m / 2] : (w[m / 2 - 1] + w[m / 2]) / 2;
    if (median >= kShortRunSeconds) continue;
    shortest = std::min(shortest, median);
    if (++n <= 3)
      names += (names.empty() ? "" : ", ") + std::to_string(std::get<1>(key)) + "x" + std::to_string(std::get<2>(key));
  }
  if (n == 0) return "";
  return std::to_string(n) + (n == 1 ? " configuration's" : " configurations'") + " median run is under 100 ms (" +
         names + (n > 3 ? ", ..." : "") + "; shortest " + units::format_duration(shortest) +
         "): timer and scheduler noise dominate; use --count auto (about 1 s per sequential run) or a larger --count";
}

}  // namespace gilbench
