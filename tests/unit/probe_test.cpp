#include "sweep/probe.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "gil/lock.hpp"

using namespace gilbench;
using namespace std::chrono_literals;

namespace {
void expect_consistent(const LatencyProbe& probe, double run_s) {
  ASSERT_EQ(probe.events().size(), probe.sent());  // none lost
  for (std::size_t i = 0; i < probe.events().size(); ++i) {
    const ProbeEvent& e = probe.events()[i];
    EXPECT_EQ(e.event, i);  // in order, none duplicated
    EXPECT_GT(e.sent_s, 0.0);
    EXPECT_GE(e.woke_s, e.sent_s);
    EXPECT_GE(e.acquired_s, e.woke_s);
    EXPECT_LT(e.acquired_s, run_s);
  }
}
}  // namespace

TEST(LatencyProbe, WithoutALockEveryEventIsHandled) {
  const auto epoch = std::chrono::steady_clock::now();
  LatencyProbe probe(nullptr, 0, 2ms, epoch);
  std::this_thread::sleep_for(60ms);
  probe.stop();
  EXPECT_GE(probe.sent(), 10u);  // 30 deadlines in 60 ms; a loaded machine still makes 10
  expect_consistent(probe, 5.0);
}

TEST(LatencyProbe, BehindACpuBoundThreadUnderEveryPolicy) {
  for (auto policy : {gil::Policy::none, gil::Policy::gil, gil::Policy::legacy_gil}) {
    gil::Params p;
    p.policy = policy;
    p.switch_interval = 1ms;
    auto lock = gil::make_lock(p, 2);  // thread 0 counts, thread 1 is the probe
    const auto epoch = std::chrono::steady_clock::now();
    LatencyProbe probe(lock.get(), 1, 3ms, epoch);
    gil::Counters c;
    std::uint64_t done = 0;
    std::thread cpu([&] { done = lock->run(0, 200'000'000, c, nullptr); });
    cpu.join();
    probe.stop();
    EXPECT_EQ(done, 200'000'000u);
    expect_consistent(probe, 60.0);
    if (policy != gil::Policy::none && probe.sent() > 0) {
      EXPECT_GE(probe.counters().acquisitions, probe.sent());
    }
  }
}

TEST(LatencyProbe, StopsPromptlyAndTwice) {
  LatencyProbe probe(nullptr, 0, 1s, std::chrono::steady_clock::now());
  const auto t0 = std::chrono::steady_clock::now();
  probe.stop();
  probe.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_EQ(probe.sent(), 0u);
}

TEST(LatencyProbe, APeriodShorterThanAnEventStillStops) {
  // A sender that can never keep up (1 ns period) must still see stop(), skip what it cannot
  // send and leave a bounded, consistent record.
  const auto epoch = std::chrono::steady_clock::now();
  LatencyProbe probe(nullptr, 0, 1ns, epoch);
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  probe.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // it returned at all: before, it never did
  EXPECT_GT(probe.coalesced(), 0u);
  EXPECT_GT(probe.sent(), 0u);
  expect_consistent(probe, 5.0);
}
