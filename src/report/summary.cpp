#include "report/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <set>
#include <type_traits>

#include "report/stats.hpp"
#include "sweep/plan.hpp"

namespace gilbench {
namespace {

/// A measurement: measured (not a warm-up), valid, and not cut short by a signal.
bool measured_valid(const RunRecord& r) { return r.warmup == 0 && r.valid != 0 && r.status != "interrupted"; }

/// The run with the parameters its lock does not use set neutral (as the summary reports them).
RunRecord normalised(RunRecord r) {
  const std::string_view lock = r.lock.view();
  const bool python = r.kernel == "python";  // the interval in force is the interpreter's
  if (lock != "gil" && !python) r.switch_interval_s = 0;
  if (lock != "legacy-gil" && !python) r.check_interval = 0;
  if (lock != "legacy-gil") r.tick_iterations = 0;
  if (lock == "none") r.lock_scope = "rank";
  return r;
}

/// Same lock, the parameters it uses and the probe: what a baseline must share with a row.
bool same_policy(const RunRecord& a, const RunRecord& b) {
  return a.kernel == b.kernel.view() && a.lock == b.lock.view() && a.switch_interval_s == b.switch_interval_s &&
         a.check_interval == b.check_interval && a.tick_iterations == b.tick_iterations &&
         a.probe_period_s == b.probe_period_s;
}

/// The 1x1 work that matches `row`'s: the same total (strong) or one worker's share (weak).
std::uint64_t baseline_count(const RunRecord& row) {
  const auto workers = static_cast<std::uint64_t>(row.ranks) * static_cast<std::uint64_t>(row.threads);
  return row.scaling == "weak" ? row.count / std::max<std::uint64_t>(workers, 1) : row.count;
}

struct Baseline {
  std::vector<double> walls;           ///< by rate: each scaled to baseline_count(row) at its run's own rate
  std::vector<const RunRecord*> runs;  ///< the runs behind `walls`, in the same order
  std::string origin;  ///< "same launch", "launch 3", "launches 0,2" (+ " by rate (N ...)"); empty: none
};

/// Valid measured 1x1 runs matching `row` (with lock none when `lock_free`): the row's own
/// launch's when it has some, else those of every other launch of the file, pooled. With none
/// at the row's N (e.g. --count auto per launch), the same search at any N, compared by rate:
/// each baseline time is scaled to the row's work, wall x baseline_count(row) / N (README,
/// Speedup), so the speedup is the ratio of the rates (iterations/s); the origin says "by rate"
/// and names the baseline's Ns.
Baseline find_baseline(const RunRecord& row, bool lock_free, const std::vector<RunRecord>& own,
                       const std::vector<RunRecord>& file_runs) {
  RunRecord want = row;
  if (lock_free) want.lock = "none";
  want = normalised(want);
  const std::uint64_t work = baseline_count(row);
  const auto matches = [&](const RunRecord& r, bool by_rate) {
    const RunRecord n = normalised(r);
    return measured_valid(r) && r.ranks == 1 && r.threads == 1 && same_policy(n, want) && r.count > 0 &&
           (by_rate ? r.count != work : r.count == work);
  };
  for (const bool by_rate : {false, true}) {
    Baseline b;
    std::set<std::uint64_t> counts;
    const auto take = [&](const RunRecord& r) {
      b.walls.push_back(by_rate ? r.wall_s * static_cast<double>(work) / static_cast<double>(r.count) : r.wall_s);
      b.runs.push_back(&r);
      counts.insert(r.count);
    };
    for (const RunRecord& r : own)
      if (matches(r, by_rate)) take(r);
    std::set<std::int64_t> launches;
    if (!b.walls.empty()) {
      b.origin = "same launch";
    } else {
      for (const RunRecord& r : file_runs)
        if (r.launch_id != row.launch_id && matches(r, by_rate)) take(r), launches.insert(r.launch_id);
      if (launches.empty()) continue;
      b.origin = launches.size() == 1 ? "launch " : "launches ";
      for (auto it = launches.begin(); it != launches.end(); ++it)
        b.origin += (it == launches.begin() ? "" : ",") + std::to_string(*it);
    }
    if (by_rate) {
      b.origin += " by rate (N ";
      for (auto it = counts.begin(); it != counts.end(); ++it)
        b.origin += (it == counts.begin() ? "" : ",") + std::to_string(*it);
      b.origin += ")";
    }
    return b;
  }
  return {};
}

std::optional<double> speedup_against(const Baseline& b, const RunRecord& row, double median_s) {
  if (b.walls.empty() || !(median_s > 0)) return std::nullopt;
  const double workers = static_cast<double>(row.ranks) * row.threads;
  return (row.scaling == "weak" ? workers : 1.0) * stats::median(b.walls) / median_s;
}

/// The key columns of a row, from the first measured run of its configuration.
void describe_row(SummaryRow& row, const RunRecord& first) {
  const RunRecord r = normalised(first);
  row.mode = mode_name(r.ranks, r.threads);
  row.label = describe(r);
  row.ranks = r.ranks, row.threads = r.threads, row.interpreters = r.interpreters;
  row.lock = r.lock.str(), row.lock_scope = r.lock_scope.str(), row.scaling = r.scaling.str();
  row.switch_interval_s = r.switch_interval_s, row.check_interval = r.check_interval;
  row.tick_iterations = r.tick_iterations, row.probe_period_s = r.probe_period_s;
  row.count = static_cast<std::int64_t>(r.count);
  row.kernel = r.kernel.str(), row.config_id = r.config_id, row.launch_id = r.launch_id;
}

/// Wall-time statistics over the valid runs, lock and latency figures over their samples/events.
void measure_row(SummaryRow& row, const std::vector<const RunRecord*>& group, const std::vector<Sample>& samples,
                 const std::vector<LatencyRecord>& latency) {
  std::vector<double> walls, cpus, lat;
  std::set<std::int64_t> ids;
  row.valid = true;
  for (const RunRecord* r : group) {
    row.valid = row.valid && r->valid != 0;
    if (!measured_valid(*r)) continue;
    walls.push_back(r->wall_s), cpus.push_back(r->cpu_s), ids.insert(r->run_id);
  }
  row.repetitions = static_cast<std::int64_t>(walls.size());
  if (walls.empty()) return;
  row.median_s = stats::median(walls), row.min_s = stats::min(walls), row.cpu_s = stats::median(cpus);
  row.cv = stats::cv(walls);
  std::uint64_t switches = 0, acquisitions = 0;
  double hold = 0, wall = 0;
  for (const double w : walls) wall += w;
  for (const Sample& s : samples)
    if (ids.count(s.run_id) != 0)
      switches += s.lock.switches, acquisitions += s.lock.acquisitions, hold += s.lock.hold_s;
  for (const LatencyRecord& l : latency)
    if (ids.count(l.run_id) != 0) lat.push_back(l.latency_s);
  if (wall > 0) row.switches_per_s = static_cast<double>(switches) / wall;
  if (acquisitions > 0) row.mean_slice_s = hold / static_cast<double>(acquisitions);
  row.latency_events = static_cast<std::int64_t>(lat.size());
  if (!lat.empty())
    row.latency_mean_s = stats::mean(lat), row.latency_median_s = stats::quantile_if_enough(lat, 0.5),
    row.latency_p99_s = stats::quantile_if_enough(lat, 0.99);
}

/// An emulated lock's row (native, gil or legacy-gil, one lock a rank) and a real one (python).
bool emulated(const SummaryRow& r) {
  return r.kernel != "python" && (r.lock == "gil" || r.lock == "legacy-gil") && r.lock_scope == "rank";
}
bool real(const SummaryRow& r) { return r.kernel == "python"; }

/// Same ranks x threads x interpreters, scaling and probe, and the interval the emulated lock
/// uses in force in the interpreter (gil: the 3.x switch interval; legacy-gil: the 2.7 check interval).
bool counterparts(const SummaryRow& e, const SummaryRow& p) {
  if (e.ranks != p.ranks || e.threads != p.threads || e.interpreters != p.interpreters || e.scaling != p.scaling ||
      std::abs(e.probe_period_s - p.probe_period_s) > 1e-12)
    return false;
  if (e.lock == "gil") return p.check_interval == 0 && std::abs(e.switch_interval_s - p.switch_interval_s) < 1e-12;
  return p.check_interval > 0 && e.check_interval == p.check_interval;
}

/// Tp/T1 of `row` against its own kernel's 1x1 (the speedup's baseline) and its interval: paired
/// by round when the baseline ran in the same launch, independent otherwise.
struct Ratio {
  std::optional<double> value;
  stats::RatioInterval ci;
};
Ratio time_ratio(const SummaryRow& row, const std::vector<RunRecord>& runs, const std::vector<RunRecord>& file_runs) {
  Ratio out;
  const RunRecord* first = nullptr;
  std::map<std::int32_t, double> by_round;  // round -> wall of the row's valid runs
  std::vector<double> walls;
  for (const RunRecord& r : runs)
    if (r.config_id == row.config_id && r.launch_id == row.launch_id && r.warmup == 0) {
      if (first == nullptr) first = &r;
      if (measured_valid(r)) walls.push_back(r.wall_s), by_round[r.round] = r.wall_s;
    }
  if (first == nullptr || walls.empty()) return out;
  const Baseline base = find_baseline(*first, false, runs, file_runs);
  if (base.walls.empty()) return out;
  out.value = stats::median(walls) / stats::median(base.walls);
  if (base.origin == "same launch") {
    std::vector<double> a, b;
    for (const RunRecord* r : base.runs)
      if (const auto it = by_round.find(r->round); it != by_round.end())
        a.push_back(r->wall_s), b.push_back(it->second);
    if (base.runs.size() == walls.size() && base.runs.front()->config_id == row.config_id)
      out.ci.method = "exactly 1 (the baseline itself)";
    else out.ci = stats::ratio_ci(a, b, true);
  } else {
    out.ci = stats::ratio_ci(base.walls, walls, false);
  }
  return out;
}

}  // namespace

std::vector<PairRow> pair_configurations(const std::vector<SummaryRow>& rows, const std::vector<RunRecord>& runs,
                                         const std::vector<RunRecord>& file_runs) {
  const bool any_emulated = std::any_of(rows.begin(), rows.end(), emulated);
  const bool any_real = std::any_of(rows.begin(), rows.end(), real);
  std::vector<PairRow> out;
  if (!any_emulated || !any_real) return out;
  std::vector<bool> taken(rows.size(), false);
  const auto fill = [&](PairRow& p, const SummaryRow& r, bool is_real) {
    const Ratio t = time_ratio(r, runs, file_runs);
    (is_real ? p.real : p.emulated) = r.label;
    (is_real ? p.real_ratio : p.emulated_ratio) = t.value;
    (is_real ? p.real_lo : p.emulated_lo) = t.ci.lo;
    (is_real ? p.real_hi : p.emulated_hi) = t.ci.hi;
    (is_real ? p.real_ci : p.emulated_ci) = t.ci.method;
    (is_real ? p.real_latency_median_s : p.emulated_latency_median_s) = r.latency_median_s;
    (is_real ? p.real_latency_p99_s : p.emulated_latency_p99_s) = r.latency_p99_s;
  };
  for (const SummaryRow& e : rows) {
    if (!emulated(e)) continue;
    PairRow p;
    fill(p, e, false);
    for (std::size_t j = 0; j < rows.size(); ++j)
      if (real(rows[j]) && counterparts(e, rows[j])) {
        fill(p, rows[j], true);
        taken[j] = true;
        break;
      }
    if (p.real.empty()) p.note = "no counterpart";
    if (p.emulated_ratio && p.real_ratio) p.difference = *p.emulated_ratio - *p.real_ratio;
    out.push_back(std::move(p));
  }
  for (std::size_t j = 0; j < rows.size(); ++j)
    if (real(rows[j]) && !taken[j]) {
      PairRow p;
      fill(p, rows[j], true);
      p.note = "no counterpart";
      out.push_back(std::move(p));
    }
  return out;
}

std::vector<SummaryRow> summarise(const std::vector<RunRecord>& runs, const std::vector<Sample>& samples,
                                  const std::vector<LatencyRecord>& latency, const std::vector<RunRecord>& file_runs) {
  std::map<std::int32_t, std::vector<const RunRecord*>> configs;  // config id -> its measured runs
  for (const RunRecord& r : runs)
    if (r.warmup == 0) configs[r.config_id].push_back(&r);
  std::vector<SummaryRow> out;
  for (const auto& [id, group] : configs) {
    SummaryRow row;
    describe_row(row, *group.front());
    measure_row(row, group, samples, latency);
    const Baseline same = find_baseline(*group.front(), false, runs, file_runs);
    const Baseline none = find_baseline(*group.front(), true, runs, file_runs);
    row.speedup = speedup_against(same, *group.front(), row.median_s);
    row.speedup_vs_none = speedup_against(none, *group.front(), row.median_s);
    if (row.speedup) row.efficiency = *row.speedup / static_cast<double>(row.ranks * row.threads);
    row.baseline = row.speedup ? same.origin : "";
    row.baseline_none = row.speedup_vs_none ? none.origin : "";
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace gilbench
