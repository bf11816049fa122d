#pragma once
// The summary a launch prints on stdout: one row per configuration of the launch, from its
// valid measured runs. Its columns are declared once below; table, CSV and JSON are printed
// from that list, `gilbench --schema` dumps it (table "summary"), and gilbench-report prints
// the same columns by the same rule (README "Speedup"):
//   speedup          T1 / Tp (times ranks x threads under weak scaling), T1 the median of the
//                    valid 1x1 runs with the same lock, lock parameters, probe and work
//   speedup_vs_none  the same against the 1x1 runs without a lock: what the lock costs
// The baseline runs come from the same launch when it has them, else from the file's other
// launches (`baseline` says which); with no 1x1 run of the row's N anywhere in the file, those of
// another N compared by rate (T1 scaled to the row's N: the speedup is the ratio of
// iterations/s; `baseline` says "by rate (N ...)").
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "results/schema.hpp"

namespace gilbench {

// X(name, type, unit, header, format, group, meaning)
//   type    str | i64 | f64 | optf64 (a number or none: JSON null, CSV empty, table "-") | flag
//   header  the table's column title; "" = CSV/JSON only
//   format  how the table shows it: text plain duration percent ratio fixed2 rate validity
//   group   all | lock (shown when a row has a lock) | probe (shown when a row has latency events)
// clang-format off
#define GILBENCH_SUMMARY_COLUMNS(X) \
  X(mode, str, "", "mode", text, all, "sequential (1x1), threads (1xT), processes (Px1) or hybrid (PxT)") \
  X(label, str, "", "configuration", text, all, "ranks x threads, lock and its parameter, job-wide for --lock-scope job, e.g. 1x2 gil 5ms, 2x1 gil 1ms job-wide") \
  X(ranks, i64, "", "", text, all, "MPI ranks") \
  X(threads, i64, "", "", text, all, "OpenMP threads per rank") \
  X(interpreters, i64, "", "", text, all, "interpreters per rank: emulated (native) or real subinterpreters, a GIL each (python)") \
  X(kernel, str, "", "", text, all, "native (the C++ countdown) or python (the real interpreter's)") \
  X(lock, str, "", "", text, all, "none, gil or legacy-gil (native); cpython-gil or cpython-nogil (python)") \
  X(lock_scope, str, "", "", text, all, "rank or job (rank for lock none)") \
  X(switch_interval_s, f64, "s", "", text, all, "gil: the switch interval; 0 for other locks") \
  X(check_interval, i64, "ticks", "", text, all, "legacy-gil: the check interval; 0 for other locks") \
  X(tick_iterations, i64, "iterations/tick", "", text, all, "legacy-gil: kernel iterations per tick; 0 for other locks") \
  X(probe_period_s, f64, "s", "", text, all, "latency-probe period; 0 without a probe") \
  X(scaling, str, "", "", text, all, "strong or weak") \
  X(count, i64, "iterations", "", text, all, "total iterations of one run (all workers)") \
  X(repetitions, i64, "", "reps", plain, all, "valid measured runs") \
  X(median_s, f64, "s", "median", duration, all, "median wall time of the valid measured runs") \
  X(min_s, f64, "s", "min", duration, all, "shortest wall time of the valid measured runs") \
  X(cv, optf64, "", "CV", percent, all, "coefficient of variation of the wall times (n-1); none below 2 runs") \
  X(speedup, optf64, "", "speedup", ratio, all, "T1/Tp against 1x1 with the same lock, parameters, probe and work (x workers when weak)") \
  X(efficiency, optf64, "", "eff", fixed2, all, "speedup / (ranks x threads)") \
  X(baseline, str, "", "baseline", text, all, "where T1 came from: same launch, launch N, launches N,M; + by rate (N n1,n2) when no 1x1 run had this N and T1 is the 1x1 time at those Ns scaled to this one (speedup = rate ratio); empty: no baseline") \
  X(speedup_vs_none, optf64, "", "vs none", ratio, all, "T1/Tp against 1x1 without a lock (same probe and work): what the lock costs") \
  X(baseline_none, str, "", "", text, all, "where the lock-free T1 came from (as baseline)") \
  X(switches_per_s, f64, "1/s", "switches/s", rate, lock, "lock holder changes per second of wall time") \
  X(mean_slice_s, f64, "s", "slice", duration, lock, "mean time a thread held the lock per acquisition") \
  X(cpu_s, f64, "s", "CPU", duration, probe, "median CPU time of a run (all workers and the probe)") \
  X(latency_events, i64, "", "events", plain, probe, "latency-probe events of the valid measured runs (behind every latency figure)") \
  X(latency_mean_s, f64, "s", "lat mean", duration, probe, "mean latency of the probe's events") \
  X(latency_median_s, optf64, "s", "lat median", duration, probe, "median latency; none below 2 events") \
  X(latency_p99_s, optf64, "s", "lat p99", duration, probe, "99th percentile of latency (linear interpolation); none below 100 events") \
  X(valid, flag, "", "valid", validity, all, "every measured run of the configuration did all its iterations")
// clang-format on

#define GILBENCH_STYPE_str std::string
#define GILBENCH_STYPE_i64 std::int64_t
#define GILBENCH_STYPE_f64 double
#define GILBENCH_STYPE_optf64 std::optional<double>
#define GILBENCH_STYPE_flag bool
#define GILBENCH_SUMMARY_MEMBER(name, type, unit, header, format, group, meaning) GILBENCH_STYPE_##type name{};

/// One row of the summary: a configuration.
struct SummaryRow {
  GILBENCH_SUMMARY_COLUMNS(GILBENCH_SUMMARY_MEMBER)
  std::int32_t config_id = 0;  ///< not a column: the configuration it summarises
  std::int64_t launch_id = 0;
};

namespace summary {

enum class Type : std::uint8_t { str, i64, f64, optf64, flag };
enum class Format : std::uint8_t { text, plain, duration, percent, ratio, fixed2, rate, validity, signed2 };
enum class Group : std::uint8_t { all, lock, probe };

struct Column {
  const char* name;
  Type type;
  const char* unit;
  const char* header;
  Format format;
  Group group;
  const char* meaning;
};

/// Calls f(const Column&, member&) for every summary column of `r`, in order.
template <class R, class F>
void visit(R& r, F&& f) {
#define GILBENCH_SUMMARY_VISIT(name, type, unit, header, format, group, meaning) \
  f(Column{#name, Type::type, unit, header, Format::format, Group::group, meaning}, r.name);
  GILBENCH_SUMMARY_COLUMNS(GILBENCH_SUMMARY_VISIT)
#undef GILBENCH_SUMMARY_VISIT
}

}  // namespace summary

/// The summary rows of one launch's runs (`runs`, `samples`, `latency`: this launch's), in
/// order of configuration id. `file_runs`: every run of the results file, the launch's own
/// included or not; baselines come from them when the launch has none of its own.
std::vector<SummaryRow> summarise(const std::vector<RunRecord>& runs, const std::vector<Sample>& samples = {},
                                  const std::vector<LatencyRecord>& latency = {},
                                  const std::vector<RunRecord>& file_runs = {});

// Emulation vs real (README "Real interpreter"): every emulated configuration (native kernel, lock
// gil or legacy-gil) beside its real counterpart (python kernel, the interpreter's own GIL) with
// the same ranks x threads x interpreters, scaling and probe, and the same interval: gil's switch
// interval = the 3.x interpreter's switch interval in force, legacy-gil's check interval = the
// 2.7 interpreter's check interval in force. Each side's time ratio is Tp / T1 against its own
// kernel's 1x1 (the speedup's baseline, so ratio = 1/speedup strong, workers/speedup weak), with
// its 95 % percentile-bootstrap interval (stats::ratio_ci: paired by round against a same-launch
// baseline, independent otherwise, none below 5 runs a side); difference = emulated - real.
// gilbench-report pairs by the same rule (metrics.pair_rows); summary.agrees checks both agree.
// X(name, type, header, format, meaning)
// clang-format off
#define GILBENCH_PAIR_COLUMNS(X) \
  X(emulated, str, "emulated", text, "the emulated configuration's label; empty: a real one with no counterpart") \
  X(real, str, "real", text, "the real counterpart's label; empty: an emulated one with no counterpart") \
  X(emulated_ratio, optf64, "emu ratio", ratio, "emulated Tp/T1 against the native 1x1") \
  X(emulated_lo, optf64, "", ratio, "lower end of its 95 % interval; none: no interval (see emulated_ci)") \
  X(emulated_hi, optf64, "", ratio, "upper end of that interval") \
  X(emulated_ci, str, "", text, "how the interval was made, or why there is none") \
  X(real_ratio, optf64, "real ratio", ratio, "real Tp/T1 against the python 1x1") \
  X(real_lo, optf64, "", ratio, "lower end of its 95 % interval") \
  X(real_hi, optf64, "", ratio, "upper end of that interval") \
  X(real_ci, str, "", text, "how the interval was made, or why there is none") \
  X(difference, optf64, "diff", signed2, "emulated_ratio - real_ratio") \
  X(emulated_latency_median_s, optf64, "lat median emu", duration, "emulated latency median (--probe)") \
  X(real_latency_median_s, optf64, "real", duration, "real latency median (--probe)") \
  X(emulated_latency_p99_s, optf64, "lat p99 emu", duration, "emulated latency p99 (--probe)") \
  X(real_latency_p99_s, optf64, "real", duration, "real latency p99 (--probe)") \
  X(note, str, "", text, "empty, or no counterpart")
// clang-format on

#define GILBENCH_PAIR_MEMBER(name, type, header, format, meaning) GILBENCH_STYPE_##type name{};

/// One line of the emulated-vs-real pairing.
struct PairRow {
  GILBENCH_PAIR_COLUMNS(GILBENCH_PAIR_MEMBER)
};

namespace summary {
struct PairColumn {
  const char* name;
  Type type;
  const char* header;
  Format format;
  const char* meaning;
};

/// Calls f(const PairColumn&, member&) for every pairing column of `r`, in order.
template <class R, class F>
void visit_pair(R& r, F&& f) {
#define GILBENCH_PAIR_VISIT(name, type, header, format, meaning) \
  f(PairColumn{#name, Type::type, header, Format::format, meaning}, r.name);
  GILBENCH_PAIR_COLUMNS(GILBENCH_PAIR_VISIT)
#undef GILBENCH_PAIR_VISIT
}

}  // namespace summary

/// The pairing of `rows` (summarise()'s of the same `runs` and `file_runs`): emulated rows in
/// order, each with its first counterpart, then the real rows no emulated one took ("no
/// counterpart" on both kinds). Empty unless the rows hold both an emulated and a real one.
std::vector<PairRow> pair_configurations(const std::vector<SummaryRow>& rows, const std::vector<RunRecord>& runs,
                                         const std::vector<RunRecord>& file_runs = {});

/// The summary, then (table: below it, JSON: "pairs") the pairing when there is one (CSV: the
/// summary only, one table a file).
void print_summary(std::ostream& out, const std::vector<SummaryRow>& rows, OutputFormat format,
                   const std::vector<PairRow>& pairs = {});

}  // namespace gilbench
