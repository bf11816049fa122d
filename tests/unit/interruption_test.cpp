#include "app/interruption.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <vector>

#include "app/signals.hpp"

using namespace gilbench;

TEST(Interruption, NoSignalNoStop) {
  const std::vector<int> none = {0, 0, 0};
  EXPECT_EQ(combine(none.data(), 3).signal, 0);
}

TEST(Interruption, OneRankNamed) {
  const std::vector<int> s = {0, SIGTERM, 0, SIGINT};
  const Interruption i = combine(s.data(), 4);
  EXPECT_EQ(i.signal, SIGTERM);
  EXPECT_EQ(i.rank, 1);
  EXPECT_FALSE(i.every_rank);
  EXPECT_EQ(describe(i, 4), "SIGTERM on rank 1");
}

TEST(Interruption, EveryRankOrOneInAll) {
  const std::vector<int> all = {SIGUSR1, SIGUSR1};
  const Interruption i = combine(all.data(), 2);
  EXPECT_TRUE(i.every_rank);
  EXPECT_EQ(i.rank, 0);
  EXPECT_EQ(describe(i, 2), "SIGUSR1");  // mpirun forwarded it to every rank
  const std::vector<int> one = {SIGINT};
  EXPECT_EQ(describe(combine(one.data(), 1), 1), "SIGINT");
  const std::vector<int> rank0 = {SIGTERM, 0};
  EXPECT_EQ(describe(combine(rank0.data(), 2), 2), "SIGTERM on rank 0");
}

TEST(Interruption, SignalNames) {
  EXPECT_EQ(signals::name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signals::name(SIGINT), "SIGINT");
  EXPECT_EQ(signals::name(SIGUSR1), "SIGUSR1");
  EXPECT_EQ(signals::name(42), "signal 42");
}
