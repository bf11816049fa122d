#include "report/summary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

using namespace gilbench;

namespace {
RunRecord run(std::int64_t id, int config, int threads, const char* lock, double wall, bool warmup = false) {
  RunRecord r;
  r.run_id = id, r.config_id = config, r.threads = threads, r.lock = lock, r.wall_s = wall;
  r.warmup = warmup ? 1 : 0, r.valid = 1, r.count = 1000, r.cpu_s = 0;
  if (r.lock == "gil") r.switch_interval_s = 0.005;
  return r;
}
}  // namespace

TEST(Summary, MedianMinCvSpeedupEfficiency) {
  std::vector<RunRecord> runs = {run(0, 0, 1, "none", 99, true), run(1, 0, 1, "none", 2.0), run(2, 0, 1, "none", 4.0),
                                 run(3, 0, 1, "none", 3.0),      run(4, 1, 2, "none", 1.0), run(5, 1, 2, "none", 1.0),
                                 run(6, 1, 2, "none", 2.5),      run(7, 2, 2, "gil", 3.0),  run(8, 3, 1, "gil", 4.5)};
  Sample s;
  s.run_id = 7, s.lock.switches = 30, s.lock.acquisitions = 40, s.lock.hold_s = 2.0;
  Sample t = s;
  t.lock.acquisitions = 60, t.lock.hold_s = 3.0;
  const auto rows = summarise(runs, {s, t});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].repetitions, 3);  // warm-up excluded
  EXPECT_DOUBLE_EQ(rows[0].median_s, 3.0);
  EXPECT_DOUBLE_EQ(rows[0].min_s, 2.0);
  EXPECT_DOUBLE_EQ(*rows[0].cv, 1.0 / 3.0);  // sd 1, mean 3
  EXPECT_DOUBLE_EQ(*rows[1].speedup, 3.0);   // 3.0 / 1.0
  EXPECT_DOUBLE_EQ(*rows[1].efficiency, 1.5);
  EXPECT_EQ(rows[1].baseline, "same launch");
  EXPECT_DOUBLE_EQ(*rows[2].speedup, 1.5);          // gil 2 threads vs 1x1 gil: 4.5 / 3.0
  EXPECT_DOUBLE_EQ(*rows[2].speedup_vs_none, 1.0);  // vs 1x1 none: 3.0 / 3.0
  EXPECT_FALSE(rows[2].cv.has_value());             // one run: no CV
  EXPECT_DOUBLE_EQ(rows[2].switches_per_s, 60.0 / 3.0);
  EXPECT_DOUBLE_EQ(rows[2].mean_slice_s, 5.0 / 100.0);
  EXPECT_EQ(rows[1].mode, "threads");
  EXPECT_EQ(rows[2].label, "1x2 gil 5ms");
}

TEST(Summary, BaselineFromOtherLaunchesAndWeakSpeedup) {
  RunRecord p = run(10, 0, 1, "none", 2.0);
  p.ranks = 2, p.launch_id = 5;
  std::vector<RunRecord> file = {run(0, 0, 1, "none", 4.0), run(1, 0, 1, "none", 3.0), p};
  file[1].launch_id = 2;
  EXPECT_FALSE(summarise({p})[0].speedup.has_value());  // 2 ranks, no 1x1 in the launch or the file
  const auto rows = summarise({p}, {}, {}, file);
  EXPECT_DOUBLE_EQ(*rows[0].speedup, 1.75);  // median(4, 3) / 2
  EXPECT_EQ(rows[0].baseline, "launches 0,2");
  RunRecord w = run(2, 1, 2, "none", 2.0);
  w.scaling = "weak", w.count = 2000;  // twice the 1x1 work in the same time
  const auto weak = summarise({run(1, 0, 1, "none", 2.0), w});
  EXPECT_DOUBLE_EQ(*weak[1].speedup, 2.0);
  EXPECT_DOUBLE_EQ(*weak[1].efficiency, 1.0);
}

TEST(Summary, InvalidRunsAreNoBaselineOtherWorkIsComparedByRate) {
  RunRecord bad = run(0, 0, 1, "none", 1.0);
  bad.valid = 0;
  RunRecord other = run(1, 1, 1, "none", 1.0);
  other.count = 5;  // a different amount of work: 5 iterations/s
  const auto rows = summarise({bad, other, run(2, 2, 2, "none", 1.0)});
  EXPECT_FALSE(rows[0].valid);
  EXPECT_EQ(rows[0].repetitions, 0);
  // the only valid 1x1 runs did N = 5: compared by rate, 1000/s vs 5/s
  ASSERT_TRUE(rows[2].speedup.has_value());
  EXPECT_DOUBLE_EQ(*rows[2].speedup, 200.0);
  EXPECT_EQ(rows[2].baseline, "same launch by rate (N 5)");
}

// Issue 13, item 3: --count auto per launch gives each launch its own N; with no 1x1 run of a
// row's N in the file, the 1x1 runs of another launch are compared by rate (iterations/s).
TEST(Summary, OtherNIsComparedByRateAcrossLaunches) {
  std::vector<RunRecord> file;
  for (int i = 0; i < 3; ++i) {  // launch 0: 1x1 at N = 300M, 1.0 s (300M/s)
    RunRecord r = run(i, 0, 1, "none", 1.0);
    r.count = 300'000'000, r.launch_id = 0;
    file.push_back(r);
  }
  std::vector<RunRecord> mine;
  for (int i = 0; i < 3; ++i) {  // launch 1: 1x2 at N = 310M, 0.5 s (620M/s)
    RunRecord r = run(3 + i, 0, 2, "none", 0.5);
    r.count = 310'000'000, r.launch_id = 1;
    mine.push_back(r);
    file.push_back(r);
  }
  auto rows = summarise(mine, {}, {}, file);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_TRUE(rows[0].speedup.has_value());
  EXPECT_DOUBLE_EQ(*rows[0].speedup, 620.0 / 300.0);  // (310M / 0.5 s) / (300M / 1.0 s)
  EXPECT_DOUBLE_EQ(*rows[0].efficiency, 310.0 / 300.0);
  EXPECT_EQ(rows[0].baseline, "launch 0 by rate (N 300000000)");
  EXPECT_EQ(rows[0].baseline_none, "launch 0 by rate (N 300000000)");
  std::ostringstream table;
  print_summary(table, rows, OutputFormat::table);
  EXPECT_NE(table.str().find("baseline by rate: 1x2 none (N 310000000): no 1x1 run with the same N in this file, so "
                             "the baseline is compared by rate (iterations/s = N / wall time) because N differs"),
            std::string::npos)
      << table.str();
  // weak: 2 x 120M against a 1x1 of 100M at 1.0 s: 2 x (1.0 x 120/100) / 0.5 = 4.8 = (240M/0.5 s) / (100M/1 s)
  for (RunRecord& r : file) r.scaling = "weak", r.count = r.threads == 1 ? 100'000'000 : 240'000'000;
  for (RunRecord& r : mine) r.scaling = "weak", r.count = 240'000'000;
  rows = summarise(mine, {}, {}, file);
  EXPECT_DOUBLE_EQ(*rows[0].speedup, 4.8);
  EXPECT_EQ(rows[0].baseline, "launch 0 by rate (N 100000000)");
}

TEST(Summary, CsvAndJsonHoldOnlyTheTable) {
  const auto rows = summarise({run(0, 0, 1, "none", 2.0)});
  std::ostringstream csv, json;
  print_summary(csv, rows, OutputFormat::csv);
  print_summary(json, rows, OutputFormat::json);
  EXPECT_EQ(csv.str().rfind("mode,label,ranks,threads,interpreters,kernel,lock", 0), 0u) << csv.str();
  EXPECT_NE(csv.str().find("\nsequential,1x1 none,1,1,1,native,none,rank,0,0,0,0,strong,1000,1,2,2,,1,1,same "
                           "launch,1,same launch,"),
            std::string::npos)
      << csv.str();
  EXPECT_EQ(json.str().front(), '{');
  EXPECT_NE(json.str().find("\"median_s\": 2,"), std::string::npos) << json.str();
  EXPECT_NE(json.str().find("\"cv\": null"), std::string::npos) << json.str();
}

// Issue 12, item 1: 4 valid runs of 1.0 s and 3 invalid ones of 9.0 s, with lock samples and
// latency events on every run: walls, CPU, repetitions, lock totals and latency come from the
// 4 valid runs only (before: "repetitions 7, cv 0.966").
TEST(Summary, InvalidRunsCountNowhere) {
  std::vector<RunRecord> runs;
  std::vector<Sample> samples;
  std::vector<LatencyRecord> latency;
  for (int i = 0; i < 7; ++i) {
    const bool bad = i >= 4;
    RunRecord r = run(i, 0, 1, "gil", bad ? 9.0 : 1.0);
    r.valid = bad ? 0 : 1, r.cpu_s = bad ? 50.0 : 0.5;
    runs.push_back(r);
    Sample s;
    s.run_id = i, s.lock.switches = bad ? 1000 : 10, s.lock.acquisitions = bad ? 1000 : 20;
    s.lock.hold_s = bad ? 9.0 : 0.2;
    samples.push_back(s);
    LatencyRecord l;
    l.run_id = i, l.latency_s = bad ? 1.0 : 0.001 * (i + 1);
    latency.push_back(l);
  }
  const auto rows = summarise(runs, samples, latency);
  ASSERT_EQ(rows.size(), 1u);
  const SummaryRow& r = rows[0];
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.repetitions, 4);
  EXPECT_DOUBLE_EQ(r.median_s, 1.0);
  EXPECT_DOUBLE_EQ(*r.cv, 0.0);
  EXPECT_DOUBLE_EQ(r.cpu_s, 0.5);
  EXPECT_DOUBLE_EQ(r.switches_per_s, 40.0 / 4.0);  // Σ switches / Σ wall of the valid runs
  EXPECT_DOUBLE_EQ(r.mean_slice_s, 0.8 / 80.0);    // Σ hold / Σ acquisitions
  EXPECT_EQ(r.latency_events, 4);
  EXPECT_DOUBLE_EQ(r.latency_mean_s, 0.0025);
  EXPECT_DOUBLE_EQ(*r.latency_median_s, 0.0025);
  EXPECT_DOUBLE_EQ(*r.speedup, 1.0);  // the baseline is the 4 valid runs too
}

// Issue 12, item 10: no p99 from 5 events (it was their interpolated maximum); the count is
// printed beside the percentiles.
TEST(Summary, LatencyPercentilesNeedEnoughEvents) {
  std::vector<LatencyRecord> latency;
  for (int i = 0; i < 5; ++i) {
    LatencyRecord l;
    l.run_id = 0, l.latency_s = 0.001 * (i + 1);
    latency.push_back(l);
  }
  auto rows = summarise({run(0, 0, 1, "gil", 1.0)}, {}, latency);
  EXPECT_EQ(rows[0].latency_events, 5);
  EXPECT_DOUBLE_EQ(*rows[0].latency_median_s, 0.003);
  EXPECT_FALSE(rows[0].latency_p99_s.has_value());
  std::ostringstream table;
  print_summary(table, rows, OutputFormat::table);
  EXPECT_NE(table.str().find("events"), std::string::npos) << table.str();
  for (int i = 5; i < 100; ++i) latency.push_back(latency[0]);
  rows = summarise({run(0, 0, 1, "gil", 1.0)}, {}, latency);
  EXPECT_TRUE(rows[0].latency_p99_s.has_value());
}

// Issue 12, item 9: one lock-metric definition (README "Lock metrics"), the same hand values as
// gilbench-report's test_one_lock_metric_definition_on_both_sides: totals pooled over the
// valid runs, not the median of per-run ratios (which would give 15/s and 25 ms).
TEST(Summary, LockMetricsPoolTheRunsTotals) {
  Sample a, b;
  a.run_id = 0, a.lock.switches = 10, a.lock.acquisitions = 10, a.lock.hold_s = 0.1;
  b.run_id = 1, b.lock.switches = 60, b.lock.acquisitions = 60, b.lock.hold_s = 2.4;
  const auto rows = summarise({run(0, 0, 1, "gil", 1.0), run(1, 0, 1, "gil", 3.0)}, {a, b});
  EXPECT_DOUBLE_EQ(rows[0].switches_per_s, 70.0 / 4.0);
  EXPECT_DOUBLE_EQ(rows[0].mean_slice_s, 2.5 / 70.0);
}

// Issue 13, item 18: "100t" and "slice" are explained below a table with locked rows.
TEST(Summary, LegendExplainsTicksAndSlice) {
  RunRecord g = run(0, 0, 1, "gil", 1.0), l = run(1, 1, 1, "legacy-gil", 1.0);
  std::ostringstream table;
  print_summary(table, summarise({g, l}, {}, {}), OutputFormat::table);
  const std::string t = table.str();
  EXPECT_NE(t.find("legend:"), std::string::npos) << t;
  EXPECT_NE(t.find("legacy-gil Nt: the check interval, N ticks (--check-interval)"), std::string::npos) << t;
  EXPECT_NE(t.find("slice: mean time a thread held the lock per acquisition"), std::string::npos) << t;
  EXPECT_NE(t.find("gil DUR: the switch interval DUR (--switch-interval)"), std::string::npos) << t;
  std::ostringstream unlocked;
  print_summary(unlocked, summarise({run(0, 0, 1, "none", 1.0)}, {}, {}), OutputFormat::table);
  EXPECT_EQ(unlocked.str().find("legend:"), std::string::npos) << unlocked.str();
}

// Issue 13, item 4: a speedup "-" is explained below the table, naming the rows and the fix.
TEST(Summary, MissingBaselineIsExplained) {
  std::ostringstream table;
  print_summary(table, summarise({run(0, 0, 2, "none", 1.0), run(1, 1, 4, "none", 1.0)}, {}, {}), OutputFormat::table);
  const std::string t = table.str();
  EXPECT_NE(t.find("speedup -: 1x2 none, 1x4 none have no valid 1x1 run with the same lock"), std::string::npos) << t;
  EXPECT_NE(t.find("--threads 1,2,..."), std::string::npos) << t;
  std::ostringstream with;
  print_summary(with, summarise({run(0, 0, 1, "none", 1.0), run(1, 1, 2, "none", 0.5)}, {}, {}), OutputFormat::table);
  EXPECT_EQ(with.str().find("speedup -"), std::string::npos) << with.str();
}

// Issue 14, emulation vs real: each emulated configuration beside its real counterpart (same
// ranks x threads x interpreters, gil's switch interval = the 3.x interpreter's), both time
// ratios against their own kernel's 1x1 with intervals, the difference; unpaired ones say so.
namespace {
RunRecord kernel_run(std::int64_t id, int config, int threads, const char* kernel, const char* lock, double interval,
                     double wall, int round) {
  RunRecord r = run(id, config, threads, lock, wall);
  r.kernel = kernel, r.switch_interval_s = interval, r.round = round;
  if (r.kernel == "python") r.count = 50;  // each kernel its own N
  return r;
}
}  // namespace

TEST(Summary, PairsEmulatedWithRealCounterparts) {
  std::vector<RunRecord> runs;
  std::int64_t id = 0;
  for (int round = 0; round < 5; ++round) {
    const double d = 0.01 * round;  // the same drift on every configuration of a round
    runs.push_back(kernel_run(id++, 0, 1, "native", "gil", 0.005, 1.0 + d, round));
    runs.push_back(kernel_run(id++, 1, 2, "native", "gil", 0.005, 1.2 + d, round));
    runs.push_back(kernel_run(id++, 2, 2, "native", "gil", 0.001, 1.5 + d, round));  // no 1x1 at 1ms: no ratio
    runs.push_back(kernel_run(id++, 3, 1, "python", "cpython-gil", 0.005, 2.0 + 2 * d, round));
    runs.push_back(kernel_run(id++, 4, 2, "python", "cpython-gil", 0.005, 2.1 + 2 * d, round));
    runs.push_back(kernel_run(id++, 5, 4, "python", "cpython-gil", 0.005, 2.2 + 2 * d, round));
  }
  const auto rows = summarise(runs);
  const auto pairs = pair_configurations(rows, runs);
  ASSERT_EQ(pairs.size(), 4u);
  EXPECT_EQ(pairs[0].emulated, "1x1 gil 5ms");
  EXPECT_EQ(pairs[0].real, "1x1 python 5ms");
  EXPECT_DOUBLE_EQ(*pairs[0].emulated_ratio, 1.0);
  EXPECT_EQ(pairs[0].emulated_ci, "exactly 1 (the baseline itself)");
  EXPECT_EQ(pairs[1].emulated, "1x2 gil 5ms");
  EXPECT_EQ(pairs[1].real, "1x2 python 5ms");
  EXPECT_DOUBLE_EQ(*pairs[1].emulated_ratio, 1.22 / 1.02);  // medians of round 2
  EXPECT_DOUBLE_EQ(*pairs[1].real_ratio, 2.14 / 2.04);
  EXPECT_DOUBLE_EQ(*pairs[1].difference, 1.22 / 1.02 - 2.14 / 2.04);
  EXPECT_EQ(pairs[1].emulated_ci, "paired by round");
  // Every round's ratio lies in [1.2/1.04, 1.2/1.0]: so does every resampled median's.
  EXPECT_GE(*pairs[1].emulated_lo, 1.24 / 1.04 - 1e-12);
  EXPECT_LE(*pairs[1].emulated_hi, 1.2 / 1.0 + 1e-12);
  EXPECT_LE(*pairs[1].emulated_lo, *pairs[1].emulated_ratio);
  EXPECT_GE(*pairs[1].emulated_hi, *pairs[1].emulated_ratio);
  EXPECT_TRUE(pairs[1].note.empty());
  EXPECT_EQ(pairs[2].emulated, "1x2 gil 1ms");
  EXPECT_TRUE(pairs[2].real.empty());
  EXPECT_FALSE(pairs[2].emulated_ratio.has_value());
  EXPECT_EQ(pairs[2].note, "no counterpart");
  EXPECT_EQ(pairs[3].real, "1x4 python 5ms");  // a real configuration no emulated one took
  EXPECT_TRUE(pairs[3].emulated.empty());
  EXPECT_DOUBLE_EQ(*pairs[3].real_ratio, 2.24 / 2.04);
  EXPECT_EQ(pairs[3].note, "no counterpart");
  std::ostringstream table, json;
  print_summary(table, rows, OutputFormat::table, pairs);
  EXPECT_NE(table.str().find("emulated vs real"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("1x2 gil 1ms"), std::string::npos);
  print_summary(json, rows, OutputFormat::json, pairs);
  EXPECT_NE(json.str().find("\"pairs\": [{\"emulated\": \"1x1 gil 5ms\", \"real\": \"1x1 python 5ms\""),
            std::string::npos)
      << json.str();
}

TEST(Summary, LegacyGilPairsByCheckIntervalAndNativeOnlyHasNoPairing) {
  RunRecord e = run(0, 0, 2, "legacy-gil", 1.0), p = run(1, 1, 2, "cpython-gil", 1.0);
  e.check_interval = 100, p.kernel = "python", p.check_interval = 100, p.switch_interval_s = 0;
  RunRecord q = p;
  q.run_id = 2, q.config_id = 2, q.check_interval = 10;
  const std::vector<RunRecord> runs = {e, p, q};
  const auto pairs = pair_configurations(summarise(runs), runs);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].emulated, "1x2 legacy-gil 100t");
  EXPECT_EQ(pairs[0].real, "1x2 python 100t");
  EXPECT_EQ(pairs[1].real, "1x2 python 10t");
  EXPECT_EQ(pairs[1].note, "no counterpart");
  const std::vector<RunRecord> native = {run(0, 0, 1, "gil", 1.0), run(1, 1, 2, "gil", 1.0)};
  EXPECT_TRUE(pair_configurations(summarise(native), native).empty());
}
