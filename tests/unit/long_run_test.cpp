#include "app/long_run.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace gilbench;

namespace {
Config counting(std::uint64_t count) {
  Config c;
  c.count = count;
  return c;  // 1 configuration (1x1 none), 1 warm-up + 5 repetitions
}
}  // namespace

TEST(LongRun, EstimateCountsEveryRunAndTheWorkersThatCountAtOnce) {
  Config c = counting(1'000'000'000);
  EXPECT_DOUBLE_EQ(estimated_sweep_seconds(c, 1, 1e9), 6.0);
  c.threads = {1, 4};  // strong: 1 s + 0.25 s a round
  EXPECT_DOUBLE_EQ(estimated_sweep_seconds(c, 1, 1e9), 7.5);
  EXPECT_DOUBLE_EQ(estimated_sweep_seconds(c, 2, 1e9), 3.75);
  c.scaling = Scaling::weak;  // every worker counts the whole count
  EXPECT_DOUBLE_EQ(estimated_sweep_seconds(c, 2, 1e9), 12.0);
  c = counting(1'000'000'000);
  c.threads = {4};
  c.locks = {gil::Policy::gil};  // one lock: the 4 threads take turns
  EXPECT_DOUBLE_EQ(estimated_sweep_seconds(c, 1, 1e9), 6.0);
  c.interpreters = 2;  // two locks: two threads at once
  EXPECT_DOUBLE_EQ(estimated_sweep_seconds(c, 1, 1e9), 3.0);
  c.interpreters = 1;
  c.lock_scope = LockScope::job;  // one lock for every rank
  EXPECT_DOUBLE_EQ(estimated_sweep_seconds(c, 4, 1e9), 6.0);
}

TEST(LongRun, WarnsAboveOneDayOnly) {
  EXPECT_EQ(long_run_warning(counting(50'000'000), 1, 1e9), "");
  EXPECT_EQ(long_run_warning(counting(14'000'000'000'000), 1, 1e9), "") << "6 x 14000 s: under a day";
  EXPECT_EQ(long_run_warning(counting(100'000'000'000'000), 1, 1e9),
            "--count 100T x 6 runs would take about 6.94 days at this machine's rate (1G iterations/s per worker; "
            "warned above 1 day); --count auto[:SECONDS] sizes the count for this machine");
  const std::string w = long_run_warning(counting(std::uint64_t{1} << 62), 1, 1.5e9);
  EXPECT_EQ(w.rfind("--count 2^62 x 6 runs would take about 585 years at this machine's rate (1.5G", 0), 0u) << w;
  EXPECT_EQ(long_run_warning(counting(std::uint64_t{1} << 62), 1, 0), "") << "no rate, no estimate";
}

TEST(LongRun, OrdinaryCountsNeedNoMeasurement) {
  // warn_if_long measures the rate (0.1 s) only when the sweep could pass the bound at kSlowestRate
  Config c;
  c.threads = {1, 2, 4, 8};
  c.locks = {gil::Policy::none, gil::Policy::gil, gil::Policy::legacy_gil};
  c.count = 1'000'000'000;
  EXPECT_LT(estimated_sweep_seconds(c, 1, kSlowestRate), kLongRunSeconds);
  c.count = std::uint64_t{1} << 62;
  EXPECT_GT(estimated_sweep_seconds(c, 1, kSlowestRate), kLongRunSeconds);
}
