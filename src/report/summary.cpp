#include "report/summary.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <ostream>

#include "report/stats.hpp"
#include "app/units.hpp"

namespace gilbench {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::vector<ConfigSummary> summarise(const std::vector<RunConfig>& configs, int ranks, Scaling scaling, const std::vector<RunRecord>& runs,
                                     const std::vector<Sample>& samples, const std::vector<LatencyRecord>& latency) {
  std::map<std::int64_t, const RunRecord*> by_id;
  for (const RunRecord& r : runs) by_id[r.run_id] = &r;
  struct LockTotals { std::uint64_t switches = 0, acquisitions = 0; double hold = 0, wall = 0; };
  std::map<int, LockTotals> totals;
  for (const Sample& s : samples) {
    auto it = by_id.find(s.run_id);
    if (it == by_id.end() || it->second->warmup) continue;
    LockTotals& t = totals[it->second->config_id];
    t.switches += s.lock.switches;
    t.acquisitions += s.lock.acquisitions;
    t.hold += s.lock.hold_s;
  }

  std::vector<ConfigSummary> out;
  for (const RunConfig& c : configs) {
    ConfigSummary row;
    row.config = c;
    row.ranks = ranks;
    row.mode = mode_name(ranks, c.threads);
    std::vector<double> walls, cpus, lat;
    std::set<std::int64_t> ids;
    for (const RunRecord& r : runs) {
      if (r.config_id != c.id || r.warmup) continue;
      walls.push_back(r.wall_s);
      cpus.push_back(r.cpu_s);
      ids.insert(r.run_id);
      row.interpreters = r.interpreters;
      row.valid = row.valid && r.valid;
      totals[c.id].wall += r.wall_s;
    }
    row.repetitions = walls.size();
    if (!walls.empty()) {
      row.median_s = stats::median(walls);
      row.min_s = stats::min(walls);
      row.cv = stats::cv(walls);
      row.cpu_s = stats::median(cpus);
    }
    for (const LatencyRecord& l : latency)
      if (ids.count(l.run_id) != 0) lat.push_back(l.latency_s);
    row.label = describe(c, ranks, row.interpreters);
    row.latency_events = lat.size();
    if (!lat.empty()) {
      row.latency_mean_s = stats::mean(lat);
      row.latency_median_s = stats::median(lat);
      row.latency_p99_s = stats::quantile(lat, 0.99);
    }
    const LockTotals& t = totals[c.id];
    if (t.wall > 0) row.switches_per_s = static_cast<double>(t.switches) / t.wall;
    if (t.acquisitions > 0) row.mean_slice_s = t.hold / static_cast<double>(t.acquisitions);
    out.push_back(row);
  }
  // Baseline: the 1x1 configuration, lock none preferred.
  if (ranks == 1) {
    for (ConfigSummary& row : out) {
      const ConfigSummary* base = nullptr;
      for (const ConfigSummary& b : out) {
        if (b.config.threads != 1 || b.repetitions == 0) continue;
        if (b.config.lock == gil::Policy::none) { base = &b; break; }
        if (base == nullptr && b.config.lock == row.config.lock) base = &b;
      }
      if (base == nullptr || row.median_s <= 0) continue;
      const double workers = row.config.threads;
      // Weak scaling: every worker does the 1x1 work, so the speed-up is in throughput.
      row.speedup = (scaling == Scaling::weak ? workers : 1.0) * base->median_s / row.median_s;
      row.efficiency = *row.speedup / workers;
    }
  }
  return out;
}

void print_summary(std::ostream& out, const std::vector<ConfigSummary>& rows, OutputFormat format) {
  bool locked = false, probed = false;
  for (const auto& r : rows) {
    locked = locked || r.config.lock != gil::Policy::none;
    probed = probed || r.latency_events > 0;
  }
  if (format == OutputFormat::csv) {
    out << "mode,ranks,threads,lock,switch_interval_s,check_interval,repetitions,median_s,min_s,cv,speedup,efficiency,"
           "switches_per_s,mean_slice_s,cpu_s,interpreters,latency_events,latency_mean_s,latency_median_s,latency_p99_s,valid\n";
    for (const auto& r : rows) {
      out << r.mode << ',' << r.ranks << ',' << r.config.threads << ',' << gil::to_string(r.config.lock) << ','
          << json_number(static_cast<double>(r.config.switch_interval.count()) * 1e-9) << ',' << r.config.check_interval
          << ',' << r.repetitions << ',' << json_number(r.median_s) << ',' << json_number(r.min_s) << ','
          << json_number(r.cv) << ',' << (r.speedup ? json_number(*r.speedup) : "") << ','
          << (r.efficiency ? json_number(*r.efficiency) : "") << ',' << json_number(r.switches_per_s) << ','
          << json_number(r.mean_slice_s) << ',' << json_number(r.cpu_s) << ',' << r.interpreters << ','
          << r.latency_events << ',' << json_number(r.latency_mean_s) << ',' << json_number(r.latency_median_s) << ','
          << json_number(r.latency_p99_s) << ',' << (r.valid ? 1 : 0) << '\n';
    }
    return;
  }
  if (format == OutputFormat::json) {
    out << "{\"configurations\": [";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      out << (i ? ", " : "") << "{\"mode\": \"" << r.mode << "\", \"ranks\": " << r.ranks
          << ", \"threads\": " << r.config.threads << ", \"lock\": \"" << gil::to_string(r.config.lock)
          << "\", \"switch_interval_s\": " << json_number(static_cast<double>(r.config.switch_interval.count()) * 1e-9)
          << ", \"check_interval\": " << r.config.check_interval << ", \"repetitions\": " << r.repetitions
          << ", \"median_s\": " << json_number(r.median_s) << ", \"min_s\": " << json_number(r.min_s)
          << ", \"cv\": " << json_number(r.cv)
          << ", \"speedup\": " << (r.speedup ? json_number(*r.speedup) : "null")
          << ", \"efficiency\": " << (r.efficiency ? json_number(*r.efficiency) : "null")
          << ", \"switches_per_s\": " << json_number(r.switches_per_s)
          << ", \"mean_slice_s\": " << json_number(r.mean_slice_s) << ", \"cpu_s\": " << json_number(r.cpu_s)
          << ", \"interpreters\": " << r.interpreters << ", \"latency_events\": " << r.latency_events
          << ", \"latency_mean_s\": " << json_number(r.latency_mean_s)
          << ", \"latency_median_s\": " << json_number(r.latency_median_s)
          << ", \"latency_p99_s\": " << json_number(r.latency_p99_s) << ", \"valid\": " << (r.valid ? "true" : "false")
          << "}";
    }
    out << "]}\n";
    return;
  }
  char line[256];
  std::snprintf(line, sizeof line, "%-11s %-22s %4s %10s %10s %6s %8s %6s", "mode", "configuration", "reps", "median",
                "min", "CV", "speedup", "eff");
  out << line << (locked ? "  switches/s   slice" : "") << (probed ? "  latency mean/median/p99      CPU" : "") << '\n';
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-11s %-22s %4zu %10s %10s %5s%% %8s %6s", r.mode.c_str(), r.label.c_str(),
                  r.repetitions, units::format_duration(r.median_s).c_str(), units::format_duration(r.min_s).c_str(),
                  fixed(r.cv * 100, 1).c_str(), r.speedup ? (fixed(*r.speedup, 2) + "x").c_str() : "-",
                  r.efficiency ? fixed(*r.efficiency, 2).c_str() : "-");
    out << line;
    if (locked) {
      if (r.config.lock == gil::Policy::none) out << "  " << std::string(10, ' ') << "-       -";
      else {
        std::snprintf(line, sizeof line, "  %10.0f %7s", r.switches_per_s, units::format_duration(r.mean_slice_s).c_str());
        out << line;
      }
    }
    if (probed) {
      std::snprintf(line, sizeof line, "  %8s %8s %8s %8s", units::format_duration(r.latency_mean_s).c_str(),
                    units::format_duration(r.latency_median_s).c_str(), units::format_duration(r.latency_p99_s).c_str(),
                    units::format_duration(r.cpu_s).c_str());
      out << line;
    }
    out << (r.valid ? "" : "  INVALID") << '\n';
  }
}

}  // namespace gilbench
