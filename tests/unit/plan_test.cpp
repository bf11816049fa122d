#include "sweep/plan.hpp"

#include <gtest/gtest.h>

using namespace gilbench;
using namespace std::chrono_literals;

TEST(Plan, ConfigurationsAreThreadsTimesLockParameters) {
  Config cfg;
  cfg.threads = {1, 2};
  cfg.locks = {gil::Policy::none, gil::Policy::gil, gil::Policy::legacy_gil};
  cfg.switch_intervals = {1ms, 5ms};
  cfg.check_intervals = {100};
  const auto configs = make_configs(cfg);
  // none: 2, gil: 2 threads x 2 intervals, legacy: 2 threads x 1 check interval
  ASSERT_EQ(configs.size(), 8u);
  for (std::size_t i = 0; i < configs.size(); ++i) EXPECT_EQ(configs[i].id, static_cast<int>(i));
  EXPECT_EQ(configs[0].lock, gil::Policy::none);
  EXPECT_EQ(configs[0].switch_interval, 0ns);
  EXPECT_EQ(configs[2].lock, gil::Policy::gil);
  EXPECT_EQ(configs[2].switch_interval, 1ms);
  EXPECT_EQ(configs[3].switch_interval, 5ms);
  EXPECT_EQ(configs[6].lock, gil::Policy::legacy_gil);
  EXPECT_EQ(configs[6].check_interval, 100);
  EXPECT_EQ(describe(configs[3], 1), "1x1 gil 5ms");
  EXPECT_EQ(describe(configs[7], 2), "2x2 legacy-gil 100t");
}

TEST(Plan, WarmupsFirstThenRoundRobin) {
  const auto rounds = make_rounds(3, 1, 2);
  ASSERT_EQ(rounds.size(), 3u);
  for (const auto& r : rounds) ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(rounds[0][0].warmup);
  EXPECT_FALSE(rounds[1][0].warmup);
  EXPECT_EQ(rounds[1][2].config, 2);
  EXPECT_EQ(rounds[2][1].repetition, 1);
  EXPECT_EQ(rounds[2][1].round, 2);
  EXPECT_TRUE(make_rounds(2, 0, 1)[0][0].warmup == false);
}

TEST(Plan, ModeFollowsTheLaunch) {
  EXPECT_EQ(mode_name(1, 1), "sequential");
  EXPECT_EQ(mode_name(1, 4), "threads");
  EXPECT_EQ(mode_name(4, 1), "processes");
  EXPECT_EQ(mode_name(2, 2), "hybrid");
}
