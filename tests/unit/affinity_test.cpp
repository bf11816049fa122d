#include "machine/affinity.hpp"

#include <gtest/gtest.h>

#include "sweep/runner.hpp"

using namespace gilbench;

TEST(Affinity, ListFormat) {
  EXPECT_EQ(affinity::to_list({}), "");
  EXPECT_EQ(affinity::to_list({3}), "3");
  EXPECT_EQ(affinity::to_list({0, 1, 2, 3, 8}), "0-3,8");
  EXPECT_EQ(affinity::to_list({0, 2, 4, 5}), "0,2,4-5");
}

TEST(Affinity, ParseListInvertsToList) {
  EXPECT_EQ(affinity::parse_list("0-3,8"), (std::vector<int>{0, 1, 2, 3, 8}));
  EXPECT_EQ(affinity::parse_list("5"), (std::vector<int>{5}));
  EXPECT_TRUE(affinity::parse_list("").empty());
  const std::vector<int> v{0, 2, 4, 5, 6, 9};
  EXPECT_EQ(affinity::parse_list(affinity::to_list(v)), v);
}

TEST(Affinity, AllowedCpusIncludeTheCurrentOne) {
  const auto cpus = affinity::allowed_cpus();
  ASSERT_FALSE(cpus.empty());
  const int now = affinity::current_cpu();
  EXPECT_NE(std::find(cpus.begin(), cpus.end(), now), cpus.end());
}

namespace {
Sample worker(const char* host, const char* allowed, int n_allowed, int start, int end) {
  Sample s;
  s.host = host;
  s.allowed_cpus = allowed;
  s.n_allowed = n_allowed, s.cpu_start = start, s.cpu_end = end;
  return s;
}
}  // namespace

TEST(Affinity, OversubscriptionPerHost) {
  EXPECT_FALSE(oversubscribed({worker("a", "0-1", 2, 0, 0), worker("a", "0-1", 2, 1, 1)}));
  EXPECT_TRUE(oversubscribed({worker("a", "0-1", 2, 0, 0), worker("a", "0-1", 2, 1, 1), worker("a", "0-1", 2, 1, 0)}));
  // two hosts with one CPU each: not oversubscribed
  EXPECT_FALSE(oversubscribed({worker("a", "0", 1, 0, 0), worker("b", "0", 1, 0, 0)}));
  EXPECT_TRUE(oversubscribed({worker("a", "0", 1, 0, 0), worker("a", "0", 1, 0, 0)}));
}

TEST(Affinity, SharedCpus) {
  EXPECT_FALSE(shares_cpus({worker("a", "0", 1, 0, 0), worker("a", "1", 1, 1, 1)}));
  EXPECT_TRUE(shares_cpus({worker("a", "0", 1, 0, 0), worker("a", "0", 1, 0, 0)}));       // pinned together
  EXPECT_TRUE(shares_cpus({worker("a", "0-3", 4, 2, 2), worker("a", "0-3", 4, 2, 0)}));   // started together
  EXPECT_FALSE(shares_cpus({worker("a", "0-3", 4, 1, 2), worker("a", "0-3", 4, 2, 2)}));  // took turns later
  EXPECT_FALSE(shares_cpus({worker("a", "0", 1, 0, 0), worker("b", "0", 1, 0, 0)}));      // other host
}
