#include "report/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace gilbench::stats;

TEST(Stats, MedianOddEven) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median({1, 2, 3, 4}), 2.5);
  EXPECT_DOUBLE_EQ(median({5}), 5.0);
}

TEST(Stats, MeanMinMax) {
  EXPECT_DOUBLE_EQ(mean({1, 2, 3, 4}), 2.5);
  EXPECT_DOUBLE_EQ(min({4, -1, 3}), -1.0);
  EXPECT_DOUBLE_EQ(max({4, -1, 3}), 4.0);
}

TEST(Stats, StddevAndCvAgainstHandValues) {
  // {2,4,4,4,5,5,7,9}: mean 5, sum of squares 32, sample variance 32/7.
  const std::vector<double> v{2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(stddev(v), std::sqrt(32.0 / 7.0));
  EXPECT_DOUBLE_EQ(*cv(v), std::sqrt(32.0 / 7.0) / 5.0);
  EXPECT_DOUBLE_EQ(*cv({2.0, 2.0, 2.0}), 0.0);
}

// Issue 12, item 8: one run has no CV (was 0; gilbench-report says "-"), nor a zero mean.
TEST(Stats, CvOfOneRunIsNone) {
  EXPECT_FALSE(cv({1.0}).has_value());
  EXPECT_FALSE(cv({0.0, 0.0}).has_value());
}

TEST(Stats, QuantileInterpolatesLikeNumpy) {
  // numpy.quantile([1,2,3,4,5], 0.9) == 4.6 ; ([10,20], 0.25) == 12.5
  EXPECT_NEAR(quantile({1, 2, 3, 4, 5}, 0.9), 4.6, 1e-12);
  EXPECT_DOUBLE_EQ(quantile({10, 20}, 0.25), 12.5);
  EXPECT_DOUBLE_EQ(quantile({10, 20}, 0.0), 10.0);
  EXPECT_DOUBLE_EQ(quantile({10, 20}, 1.0), 20.0);
}

TEST(Stats, EmptyInputIsAnError) {
  EXPECT_THROW(median({}), std::invalid_argument);
  EXPECT_THROW(mean({}), std::invalid_argument);
  EXPECT_THROW(quantile({1.0}, 1.5), std::invalid_argument);
}

// Issue 12, item 10: a percentile needs 100/(100 - q) values behind it.
TEST(Stats, QuantileNeedsEnoughValues) {
  EXPECT_EQ(min_values_for_quantile(0.5), 2u);
  EXPECT_EQ(min_values_for_quantile(0.9), 10u);
  EXPECT_EQ(min_values_for_quantile(0.99), 100u);
  EXPECT_FALSE(quantile_if_enough({1, 2, 3, 4, 5}, 0.99).has_value());  // an interpolated max
  EXPECT_FALSE(quantile_if_enough({1}, 0.5).has_value());
  EXPECT_DOUBLE_EQ(*quantile_if_enough({1, 2}, 0.5), 1.5);
  std::vector<double> hundred(100);
  for (std::size_t i = 0; i < hundred.size(); ++i) hundred[i] = static_cast<double>(i);
  EXPECT_NEAR(*quantile_if_enough(hundred, 0.99), 98.01, 1e-9);
}

TEST(Stats, RatioIntervalRule) {
  using gilbench::stats::ratio_ci;
  EXPECT_EQ(ratio_ci({1.0}, {2.0}, true).method, "fewer than 2 runs");
  const auto small = ratio_ci({1, 1, 1, 1}, {2, 2, 2, 2}, true);
  EXPECT_FALSE(small.lo.has_value());
  EXPECT_EQ(small.method, "n too small for a 95% interval: needs 5 runs a side");
  const auto constant = ratio_ci({1, 1, 1, 1, 1}, {2, 2, 2, 2, 2}, false);
  EXPECT_EQ(constant.method, "independent");
  EXPECT_DOUBLE_EQ(*constant.lo, 2.0);
  EXPECT_DOUBLE_EQ(*constant.hi, 2.0);
  // Paired: base and new move together round by round, every pair's ratio is exactly 2.
  const auto paired = ratio_ci({1, 2, 3, 4, 5}, {2, 4, 6, 8, 10}, true);
  EXPECT_EQ(paired.method, "paired by round");
  EXPECT_DOUBLE_EQ(*paired.lo, 2.0);
  EXPECT_DOUBLE_EQ(*paired.hi, 2.0);
  const auto apart = ratio_ci({1, 2, 3, 4, 5}, {2, 4, 6, 8, 10}, false);
  EXPECT_LT(*apart.lo, 2.0);
  EXPECT_GT(*apart.hi, 2.0);
}
