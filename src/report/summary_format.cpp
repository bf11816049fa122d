// The summary's three reporters (table, CSV, JSON), all driven by GILBENCH_SUMMARY_COLUMNS.
#include <cmath>
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "app/units.hpp"
#include "report/json.hpp"
#include "report/summary.hpp"

namespace gilbench {
namespace {

const SummaryRow kEmptyRow{};  // the column list without values

/// A value as JSON (CSV: the same, but none is empty and text is unquoted).
template <class T>
std::string machine_cell(const T& v, bool json) {
  if constexpr (std::is_same_v<T, std::string>) return json ? json::text(v) : v;
  else if constexpr (std::is_same_v<T, bool>) return json ? (v ? "true" : "false") : (v ? "1" : "0");
  else if constexpr (std::is_same_v<T, std::optional<double>>) return v ? json::number(*v) : (json ? "null" : "");
  else if constexpr (std::is_same_v<T, double>) return json::number(v);
  else return std::to_string(v);
}

std::string fixed(double v, int digits, const char* suffix = "") {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", digits, v, suffix);
  return buf;
}

/// A value as the table shows it.
template <class T>
std::string table_cell(const summary::Column& c, const T& v) {
  using summary::Format;
  if constexpr (std::is_same_v<T, std::string>) return v.empty() ? "-" : v;
  else if constexpr (std::is_same_v<T, bool>) return v ? "yes" : "INVALID";
  else if constexpr (std::is_same_v<T, std::optional<double>>) {
    if (!v) return "-";
    return c.format == Format::percent    ? fixed(*v * 100, 1, "%")
           : c.format == Format::ratio    ? fixed(*v, 2, "x")
           : c.format == Format::duration ? units::format_duration(*v)
                                          : fixed(*v, 2);
  } else if constexpr (std::is_same_v<T, double>) {
    return c.format == Format::duration ? units::format_duration(v) : fixed(v, 0);
  } else {
    return std::to_string(v);
  }
}

bool shown(const summary::Column& c, bool locked, bool probed) {
  if (*c.header == '\0') return false;
  return c.group == summary::Group::all || (c.group == summary::Group::lock && locked) ||
         (c.group == summary::Group::probe && probed);
}

/// `"pairs": [...]` of the JSON summary: every pairing column of every line.
std::string json_pairs(const std::vector<PairRow>& pairs) {
  std::string text = ", \"pairs\": [";
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    std::string line;
    summary::visit_pair(pairs[i], [&](const summary::PairColumn& c, const auto& v) {
      line += (line.empty() ? "" : ", ") + json::text(c.name) + ": " + machine_cell(v, true);
    });
    text += (i ? ", {" : "{") + line + "}";
  }
  return text + "]";
}

void print_machine(std::ostream& out, const std::vector<SummaryRow>& rows, bool json,
                   const std::vector<PairRow>& pairs) {
  if (json) out << "{\"configurations\": [";
  if (!json) {
    std::string header;
    summary::visit(kEmptyRow, [&](const summary::Column& c, const auto&) {
      header += (header.empty() ? "" : ",") + std::string(c.name);
    });
    out << header << '\n';
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string line;
    summary::visit(rows[i], [&](const summary::Column& c, const auto& v) {
      if (!line.empty()) line += json ? ", " : ",";
      line += json ? json::text(c.name) + ": " + machine_cell(v, true) : machine_cell(v, false);
    });
    out << (json ? (i ? ", {" : "{") + line + "}" : line + "\n");
  }
  if (json) out << "]" << (pairs.empty() ? "" : json_pairs(pairs)) << "}\n";
}

/// Below a table with locked rows: what the lock parameters of the labels ("gil 5ms",
/// "legacy-gil 100t") and the lock columns mean (their meanings from the column declarations).
void print_lock_legend(std::ostream& out, const std::vector<SummaryRow>& rows) {
  bool gil = false, legacy = false;
  for (const SummaryRow& r : rows) gil = gil || r.lock == "gil", legacy = legacy || r.lock == "legacy-gil";
  std::string text = "legend:";
  if (gil) text += " gil DUR: the switch interval DUR (--switch-interval);";
  if (legacy) text += " legacy-gil Nt: the check interval, N ticks (--check-interval);";
  summary::visit(kEmptyRow, [&](const summary::Column& c, const auto&) {
    if (c.group == summary::Group::lock && *c.header != '\0')
      text += std::string(" ") + c.header + ": " + c.meaning + ";";
  });
  text.back() = '\n';
  out << text;
}

/// Below a table where a parallel row has speedup "-": which rows, why, and what to add (the
/// report says the same, analysis/gilbench_analysis/report.py).
void print_missing_baselines(std::ostream& out, const std::vector<SummaryRow>& rows) {
  std::string names;
  int n = 0;
  bool interpreters = false;  // --interpreters K > 1 refuses --threads 1 in the same launch
  for (const SummaryRow& r : rows) {
    if (r.speedup || r.repetitions == 0) continue;
    if (++n <= 3) names += (names.empty() ? "" : ", ") + r.label;
    interpreters = interpreters || r.interpreters > 1;
  }
  if (n == 0) return;
  out << "speedup -: " << names << (n > 3 ? ", ..." : "") << (n == 1 ? " has" : " have")
      << " no valid 1x1 run with the same lock, parameters, probe and N in this file; "
      << (interpreters ? "run a --threads 1 --interpreters 1 launch with the same N into the same --output\n"
                       : "add 1 to --threads (--threads 1,2,...), or run a 1-rank launch into the same --output\n");
}

/// Below a table where a row's baseline was compared by rate (no 1x1 run with its N): which
/// rows and how (the report says the same, analysis/gilbench_analysis/report.py).
void print_rate_baselines(std::ostream& out, const std::vector<SummaryRow>& rows) {
  std::string names;
  int n = 0;
  for (const SummaryRow& r : rows) {
    const bool by_rate = r.baseline.find(" by rate ") != std::string::npos ||
                         r.baseline_none.find(" by rate ") != std::string::npos;
    if (by_rate && ++n <= 3) names += (names.empty() ? "" : ", ") + r.label + " (N " + std::to_string(r.count) + ")";
  }
  if (n == 0) return;
  out << "baseline by rate: " << names << (n > 3 ? ", ..." : "")
      << ": no 1x1 run with the same N in this file, so the baseline is compared by rate (iterations/s = N / wall "
         "time) because N differs: T1 is the 1x1 time at the N its baseline names, scaled to this N\n";
}

/// Lock figures (switches/s, slice) are gilbench's counters of an emulated lock: none for lock
/// none, and none for the real interpreter's GIL (cpython-gil, cpython-nogil), which it cannot count.
bool counted_lock(std::string_view lock) { return lock != "none" && !lock.starts_with("cpython"); }

/// Lines of cells as left- (text) or right-aligned columns, two spaces apart.
void print_aligned(std::ostream& out, const std::vector<std::vector<std::string>>& cells,
                   const std::vector<bool>& left) {
  std::vector<std::size_t> width(left.size(), 0);
  for (const auto& line : cells)
    for (std::size_t j = 0; j < line.size(); ++j) width[j] = std::max(width[j], line[j].size());
  for (const auto& line : cells) {
    std::string text;
    for (std::size_t j = 0; j < line.size(); ++j) {
      const std::string pad(width[j] - line[j].size(), ' ');
      text += (j ? "  " : "") + (left[j] ? line[j] + pad : pad + line[j]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << '\n';
  }
}

std::string ratio_cell(const std::optional<double>& v, const std::optional<double>& lo,
                       const std::optional<double>& hi) {
  if (!v) return "-";
  std::string text = fixed(*v, 2);
  if (lo && hi) text += " [" + fixed(*lo, 2) + ", " + fixed(*hi, 2) + "]";
  return text;
}

std::string duration_cell(const std::optional<double>& v) { return v ? units::format_duration(*v) : "-"; }

/// The pairing below the summary table: both time ratios with their intervals, the difference,
/// latency side by side when a probe ran (README "Real interpreter").
void print_pairs(std::ostream& out, const std::vector<PairRow>& pairs) {
  bool probed = false;
  for (const PairRow& p : pairs)
    probed = probed || p.emulated_latency_median_s || p.real_latency_median_s || p.emulated_latency_p99_s ||
             p.real_latency_p99_s;
  out << "\nemulated vs real: time ratio Tp/T1, each against its own kernel's 1x1 [95% interval]; diff = emulated - "
         "real\n";
  std::vector<std::vector<std::string>> cells;
  std::vector<bool> left = {true, true, false, false, false};
  cells.push_back({"emulated", "real", "emulated ratio", "real ratio", "diff"});
  if (probed) {
    for (const char* h : {"lat median emu", "real", "lat p99 emu", "real"}) cells[0].emplace_back(h);
    left.insert(left.end(), 4, false);
  }
  cells[0].emplace_back(""), left.push_back(true);
  for (const PairRow& p : pairs) {
    std::vector<std::string> line = {p.emulated.empty() ? "-" : p.emulated, p.real.empty() ? "-" : p.real,
                                     ratio_cell(p.emulated_ratio, p.emulated_lo, p.emulated_hi),
                                     ratio_cell(p.real_ratio, p.real_lo, p.real_hi),
                                     p.difference ? (*p.difference >= 0 ? "+" : "") + fixed(*p.difference, 2) : "-"};
    if (probed)
      for (const auto* v :
           {&p.emulated_latency_median_s, &p.real_latency_median_s, &p.emulated_latency_p99_s, &p.real_latency_p99_s})
        line.push_back(duration_cell(*v));
    line.push_back(p.note);
    cells.push_back(std::move(line));
  }
  print_aligned(out, cells, left);
}

void print_table(std::ostream& out, const std::vector<SummaryRow>& rows) {
  bool locked = false, probed = false;
  for (const SummaryRow& r : rows) locked = locked || counted_lock(r.lock), probed = probed || r.latency_events > 0;
  std::vector<std::vector<std::string>> cells(rows.size() + 1);
  std::vector<bool> left;
  summary::visit(kEmptyRow, [&](const summary::Column& c, const auto&) {
    if (!shown(c, locked, probed)) return;
    cells[0].emplace_back(c.header);
    left.push_back(c.format == summary::Format::text);
  });
  for (std::size_t i = 0; i < rows.size(); ++i)
    summary::visit(rows[i], [&](const summary::Column& c, const auto& v) {
      if (!shown(c, locked, probed)) return;
      const bool unlocked_lock_figure = c.group == summary::Group::lock && !counted_lock(rows[i].lock);
      cells[i + 1].push_back(unlocked_lock_figure ? "-" : table_cell(c, v));
    });
  print_aligned(out, cells, left);
  if (locked) print_lock_legend(out, rows);
  print_missing_baselines(out, rows);
  print_rate_baselines(out, rows);
}

}  // namespace

void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, OutputFormat format,
                   const std::vector<PairRow>& pairs) {
  if (format == OutputFormat::table) {
    print_table(out, rows);
    if (!pairs.empty()) print_pairs(out, pairs);
  } else {
    print_machine(out, rows, format == OutputFormat::json, pairs);
  }
}

}  // namespace gilbench
