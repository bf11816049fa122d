#include "sweep/probe.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "gil/lock.hpp"
#include "python/probe_holder.hpp"

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

namespace {
/// A holder that records what the probe thread asked of it, in order.
class RecordingHolder final : public ProbeHolder {
 public:
  explicit RecordingHolder(std::string& log, bool fail_attach = false) : log_(log), fail_(fail_attach) {}
  void attach() override {
    if (fail_) throw std::runtime_error("attach failed");
    thread_ = std::this_thread::get_id();
    attached_at_ = std::chrono::steady_clock::now();
    log_ += 'a';
  }
  void take(gil::Counters& c, std::vector<gil::TraceEvent>*) override {
    same_thread_ = same_thread_ && std::this_thread::get_id() == thread_;
    ++c.acquisitions;
    log_ += 't';
  }
  void work() override { log_ += 'w'; }
  void release(gil::Counters&, std::vector<gil::TraceEvent>*) override { log_ += 'r'; }
  void detach() override {
    same_thread_ = same_thread_ && std::this_thread::get_id() == thread_;
    log_ += 'd';
  }
  bool same_thread_ = true;
  std::chrono::steady_clock::time_point attached_at_{};

 private:
  std::string& log_;
  bool fail_;
  std::thread::id thread_;
};
}  // namespace

TEST(LatencyProbe, AnyHolderIsAttachedOnceThenTakenWorkedReleasedPerEvent) {
  std::string log;
  auto holder = std::make_unique<RecordingHolder>(log);
  const RecordingHolder* h = holder.get();
  const auto epoch = std::chrono::steady_clock::now();
  LatencyProbe probe(std::move(holder), 2ms, epoch);
  std::this_thread::sleep_for(40ms);
  probe.stop();
  ASSERT_GE(probe.sent(), 3u);
  // attached before the first event was sent (the sender starts once the constructor saw it)
  EXPECT_LT(std::chrono::duration<double>(h->attached_at_ - epoch).count(), probe.events()[0].sent_s);
  std::string want = "a";
  for (std::uint64_t i = 0; i < probe.sent(); ++i) want += "twr";
  EXPECT_EQ(log, want + "d");
  EXPECT_TRUE(h->same_thread_);  // every call on the probe thread (a thread state is per thread)
  EXPECT_EQ(probe.counters().acquisitions, probe.sent());
  expect_consistent(probe, 5.0);
}

TEST(LatencyProbe, AHolderThatCannotAttachFailsTheConstructor) {
  std::string log;
  EXPECT_THROW(LatencyProbe(std::make_unique<RecordingHolder>(log, true), 2ms, std::chrono::steady_clock::now()),
               std::runtime_error);
  EXPECT_EQ(log, "");
}

TEST(PythonProbeHandler, IterationsAreTheWorkAtTheKernelRate) {
  EXPECT_EQ(python::handler_iterations(1400ns, 25e6), 35u);  // 1.4 µs at 25M iterations/s
  EXPECT_EQ(python::handler_iterations(1400ns, 10e6), 14u);
  EXPECT_EQ(python::handler_iterations(1ns, 25e6), 1u);  // some work asked: at least one iteration
  EXPECT_EQ(python::handler_iterations(0ns, 25e6), 0u);  // --probe-work 0: no handler
  EXPECT_EQ(python::handler_iterations(1400ns, 0), 0u);  // no rate measured
}
