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

TEST(Summary, InvalidRunsAndOtherWorkAreNoBaseline) {
  RunRecord bad = run(0, 0, 1, "none", 1.0);
  bad.valid = 0;
  RunRecord other = run(1, 1, 1, "none", 1.0);
  other.count = 5;  // a different amount of work
  const auto rows = summarise({bad, other, run(2, 2, 2, "none", 1.0)});
  EXPECT_FALSE(rows[0].valid);
  EXPECT_EQ(rows[0].repetitions, 0);
  EXPECT_FALSE(rows[2].speedup.has_value());
}

TEST(Summary, CsvAndJsonHoldOnlyTheTable) {
  const auto rows = summarise({run(0, 0, 1, "none", 2.0)});
  std::ostringstream csv, json;
  print_summary(csv, rows, OutputFormat::csv);
  print_summary(json, rows, OutputFormat::json);
  EXPECT_EQ(csv.str().rfind("mode,label,ranks,threads,interpreters,lock", 0), 0u) << csv.str();
  EXPECT_NE(csv.str().find(
                "\nsequential,1x1 none,1,1,1,none,rank,0,0,0,0,strong,1000,1,2,2,,1,1,same launch,1,same launch,"),
            std::string::npos)
      << csv.str();
  EXPECT_EQ(json.str().front(), '{');
  EXPECT_NE(json.str().find("\"median_s\": 2,"), std::string::npos) << json.str();
  EXPECT_NE(json.str().find("\"cv\": null"), std::string::npos) << json.str();
}
