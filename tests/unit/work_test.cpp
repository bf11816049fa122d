#include "sweep/work.hpp"

#include <gtest/gtest.h>

#include <tuple>

using namespace gilbench;

TEST(WorkSplit, StrongSplitIsExactWithRemainderSpreadOverFirstWorkers) {
  // 10 over 1 rank x 3 threads: 4, 3, 3
  EXPECT_EQ(worker_share(10, Scaling::strong, 1, 3, 0, 0), 4u);
  EXPECT_EQ(worker_share(10, Scaling::strong, 1, 3, 0, 1), 3u);
  EXPECT_EQ(worker_share(10, Scaling::strong, 1, 3, 0, 2), 3u);
  // 7 over 2 ranks x 2 threads: workers 0..3 get 2,2,2,1
  EXPECT_EQ(worker_share(7, Scaling::strong, 2, 2, 0, 0), 2u);
  EXPECT_EQ(worker_share(7, Scaling::strong, 2, 2, 1, 0), 2u);
  EXPECT_EQ(worker_share(7, Scaling::strong, 2, 2, 1, 1), 1u);
}

TEST(WorkSplit, SumsAreExactForManyShapes) {
  for (std::uint64_t count : {1ULL, 2ULL, 3ULL, 97ULL, 50'000'000ULL, 1'000'000'007ULL}) {
    for (auto [ranks, threads] : {std::tuple{1, 1}, {1, 3}, {2, 1}, {4, 4}, {16, 2}, {64, 4}, {3, 4096}}) {
      std::uint64_t sum = 0, lo = UINT64_MAX, hi = 0;
      for (int r = 0; r < ranks; ++r)
        for (int t = 0; t < threads; ++t) {
          const auto s = worker_share(count, Scaling::strong, ranks, threads, r, t);
          sum += s, lo = std::min(lo, s), hi = std::max(hi, s);
        }
      EXPECT_EQ(sum, count) << count << " over " << ranks << "x" << threads;
      EXPECT_LE(hi - lo, 1u);
      EXPECT_EQ(run_total(count, Scaling::strong, ranks, threads), count);
    }
  }
}

TEST(WorkSplit, WeakGivesEveryWorkerTheCount) {
  EXPECT_EQ(worker_share(1000, Scaling::weak, 4, 2, 3, 1), 1000u);
  EXPECT_EQ(run_total(1000, Scaling::weak, 4, 2), 8000u);
}
