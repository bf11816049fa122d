#include "report/summary.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace gilbench;

namespace {
RunRecord run(std::int64_t id, int config, double wall, bool warmup = false) {
  RunRecord r;
  r.run_id = id, r.config_id = config, r.wall_s = wall, r.warmup = warmup ? 1 : 0, r.valid = 1;
  return r;
}
}  // namespace

TEST(Summary, MedianMinCvSpeedupEfficiency) {
  std::vector<RunConfig> configs = {{0, 1, gil::Policy::none, {}, 0}, {1, 2, gil::Policy::none, {}, 0},
                                    {2, 2, gil::Policy::gil, std::chrono::milliseconds(5), 0}};
  std::vector<RunRecord> runs = {run(0, 0, 99, true), run(1, 0, 2.0), run(2, 0, 4.0), run(3, 0, 3.0),
                                 run(4, 1, 1.0), run(5, 1, 1.0), run(6, 1, 2.5), run(7, 2, 3.0)};
  Sample s;
  s.run_id = 7, s.lock.switches = 30, s.lock.acquisitions = 40, s.lock.hold_s = 2.0;
  Sample t = s;
  t.lock.acquisitions = 60, t.lock.hold_s = 3.0;
  const auto rows = summarise(configs, 1, Scaling::strong, runs, {s, t});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].repetitions, 3u);     // warm-up excluded
  EXPECT_DOUBLE_EQ(rows[0].median_s, 3.0);
  EXPECT_DOUBLE_EQ(rows[0].min_s, 2.0);
  EXPECT_DOUBLE_EQ(rows[0].cv, 1.0 / 3.0);  // sd 1, mean 3
  EXPECT_DOUBLE_EQ(*rows[1].speedup, 3.0);  // 3.0 / 1.0
  EXPECT_DOUBLE_EQ(*rows[1].efficiency, 1.5);
  EXPECT_DOUBLE_EQ(*rows[2].speedup, 1.0);  // gil 2 threads vs 1x1 none
  EXPECT_DOUBLE_EQ(rows[2].switches_per_s, 60.0 / 3.0);
  EXPECT_DOUBLE_EQ(rows[2].mean_slice_s, 5.0 / 100.0);
  EXPECT_EQ(rows[1].mode, "threads");
}

TEST(Summary, NoBaselineWithoutOneByOneAndWeakSpeedup) {
  std::vector<RunConfig> configs = {{0, 1, gil::Policy::none, {}, 0}, {1, 2, gil::Policy::none, {}, 0}};
  std::vector<RunRecord> runs = {run(0, 0, 2.0), run(1, 1, 2.0)};
  EXPECT_FALSE(summarise(configs, 2, Scaling::strong, runs, {})[1].speedup.has_value());  // 2 ranks: no 1x1 here
  const auto weak = summarise(configs, 1, Scaling::weak, runs, {});
  EXPECT_DOUBLE_EQ(*weak[1].speedup, 2.0);  // twice the work in the same time
  EXPECT_DOUBLE_EQ(*weak[1].efficiency, 1.0);
}

TEST(Summary, CsvAndJsonHoldOnlyTheTable) {
  std::vector<RunConfig> configs = {{0, 1, gil::Policy::none, {}, 0}};
  const auto rows = summarise(configs, 1, Scaling::strong, {run(0, 0, 2.0)}, {});
  std::ostringstream csv, json;
  print_summary(csv, rows, OutputFormat::csv);
  print_summary(json, rows, OutputFormat::json);
  EXPECT_EQ(csv.str().rfind("mode,ranks,threads,lock", 0), 0u);
  EXPECT_NE(csv.str().find("sequential,1,1,none,0,0,1,2,2,0,1,1,0,0,0,1,0,0,0,0,1"), std::string::npos) << csv.str();
  EXPECT_EQ(json.str().front(), '{');
  EXPECT_NE(json.str().find("\"median_s\": 2"), std::string::npos);
}
