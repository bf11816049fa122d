#include "app/short_run.hpp"

#include <gtest/gtest.h>

namespace gilbench {
namespace {

RunRecord run(int config, int threads, double wall, bool warmup = false) {
  RunRecord r;
  r.config_id = config;
  r.threads = threads;
  r.wall_s = wall;
  r.warmup = warmup ? 1 : 0;
  return r;
}

TEST(ShortRun, NamesTheConfigurationsWhoseMedianIsUnder100ms) {
  const std::string w = short_run_warning(
      {run(0, 1, 0.015), run(0, 1, 0.016), run(0, 1, 0.5), run(1, 2, 0.3), run(1, 2, 0.3), run(1, 2, 0.01, true)});
  EXPECT_NE(w.find("1 configuration's median run is under 100 ms (1x1 none;"), std::string::npos) << w;
  EXPECT_NE(w.find("--count auto"), std::string::npos) << w;
  EXPECT_EQ(w.find("1x2"), std::string::npos) << w;
}

TEST(ShortRun, NamesConfigurationsByTheSummarysLabel) {
  RunRecord gil = run(1, 1, 0.01);
  gil.lock = "gil";
  gil.switch_interval_s = 0.005;
  const std::string w = short_run_warning({run(0, 1, 0.01), gil});
  EXPECT_NE(w.find("2 configurations' median run is under 100 ms (1x1 none, 1x1 gil 5ms;"), std::string::npos) << w;
}

TEST(ShortRun, SaysNothingWhenEveryMedianIsLongEnough) {
  EXPECT_EQ(short_run_warning({run(0, 1, 0.2), run(0, 1, 0.01, true)}), "");
}

}  // namespace
}  // namespace gilbench
