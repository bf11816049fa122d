#include "sweep/kernel.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "sweep/runner.hpp"

TEST(Kernel, CountsEveryIteration) {
  EXPECT_EQ(gilbench::countdown(0), 0u);
  EXPECT_EQ(gilbench::countdown(1), 1u);
  EXPECT_EQ(gilbench::countdown(12345), 12345u);
  EXPECT_EQ(gilbench::countdown(50'000'000), 50'000'000u);
}

TEST(Kernel, CountdownUntilCountsExactlyAndStopsWhenFlagged) {
  using gilbench::countdown_until;
  using gilbench::kStopPollIterations;
  std::atomic<bool> stop{false};
  EXPECT_EQ(countdown_until(0, stop), 0u);
  EXPECT_EQ(countdown_until(1, stop), 1u);
  EXPECT_EQ(countdown_until(kStopPollIterations + 3, stop), kStopPollIterations + 3);
  EXPECT_EQ(countdown_until(3 * kStopPollIterations, stop), 3 * kStopPollIterations);
  stop.store(true);
  EXPECT_EQ(countdown_until(50'000'000, stop), 0u);  // polled before the first batch
}

TEST(Kernel, SelfCheckAcceptsTheRealLoop) { EXPECT_NO_THROW(gilbench::kernel_self_check()); }

TEST(Kernel, RateIsPlausible) {
  // Between 0.1 and 20 iterations per nanosecond on any machine this runs on.
  const double rate = gilbench::measure_kernel_rate(0.05);
  EXPECT_GT(rate, 1e8);
  EXPECT_LT(rate, 2e10);
}
