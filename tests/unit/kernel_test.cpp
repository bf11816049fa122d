#include "sweep/kernel.hpp"

#include <gtest/gtest.h>

#include "sweep/runner.hpp"

TEST(Kernel, CountsEveryIteration) {
  EXPECT_EQ(gilbench::countdown(0), 0u);
  EXPECT_EQ(gilbench::countdown(1), 1u);
  EXPECT_EQ(gilbench::countdown(12345), 12345u);
  EXPECT_EQ(gilbench::countdown(50'000'000), 50'000'000u);
}

TEST(Kernel, SelfCheckAcceptsTheRealLoop) { EXPECT_NO_THROW(gilbench::kernel_self_check()); }

TEST(Kernel, RateIsPlausible) {
  // Between 0.1 and 20 iterations per nanosecond on any machine this runs on.
  const double rate = gilbench::measure_kernel_rate(0.05);
  EXPECT_GT(rate, 1e8);
  EXPECT_LT(rate, 2e10);
}
