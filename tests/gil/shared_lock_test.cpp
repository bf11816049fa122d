// The job-scope shared-memory locks (policies.hpp: make_shared_gil_lock,
// make_shared_legacy_gil_lock) in one process: two lock objects with their own thread-id
// offsets on one state stand for two ranks of a node, each with 2 std::threads. Never two
// holders, iteration counts, counter consistency, forced switching and the shared ticker —
// on the process-shared futex mutex/condition variable (gil) and the pshared sem_t
// (legacy-gil). Runs under ThreadSanitizer (label lock); the cross-process use is tested under
// mpiexec in job_lock_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include "gil/detail.hpp"
#include "gil/lock.hpp"
#include "gil/policies.hpp"
#include "sweep/kernel.hpp"
#include "watchdog.hpp"

namespace {

using namespace gilbench::gil;
using gilbench::gil::testing::Watchdog;
using std::chrono::microseconds;

constexpr int kRanks = 2, kThreads = 2;

struct Held {
  std::atomic<int> holders{0};
  std::atomic<std::uint64_t> violations{0}, iterations{0}, acquisitions{0}, changes{0};
  std::atomic<int> last{-1};
  HeldHook hook(int offset) {
    return [this, offset](int tid, std::uint64_t k) {
      if (holders.fetch_add(1, std::memory_order_acq_rel) != 0) violations.fetch_add(1);
      iterations.fetch_add(k, std::memory_order_relaxed);
      if (k == 0) {
        acquisitions.fetch_add(1, std::memory_order_relaxed);
        const int me = offset + tid;
        const int prev = last.exchange(me);
        if (prev >= 0 && prev != me) changes.fetch_add(1, std::memory_order_relaxed);
      }
      gilbench::countdown(64);
      if (holders.load(std::memory_order_acquire) != 1) violations.fetch_add(1);
      holders.fetch_sub(1, std::memory_order_acq_rel);
    };
  }
};

/// A node's shared state for `p.policy`, cache-line aligned, constructed and destroyed as the
/// job-scope lock does it.
class State {
 public:
  State(const Params& p, int total, bool cross_process = true) : policy_(p.policy) {
    const std::size_t bytes = policy_ == Policy::gil ? detail::shared_gil_state_size(total)
                                                     : detail::shared_legacy_state_size(total);
    mem_ = std::aligned_alloc(detail::kCacheLine,
                              (bytes + detail::kCacheLine - 1) / detail::kCacheLine * detail::kCacheLine);
    if (policy_ == Policy::gil) detail::init_shared_gil_state(mem_, total, cross_process);
    else detail::init_shared_legacy_state(mem_, p, total, cross_process);
  }
  ~State() {
    if (policy_ == Policy::gil) detail::destroy_shared_gil_state(mem_);
    else detail::destroy_shared_legacy_state(mem_);
    std::free(mem_);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  void* get() const { return mem_; }

 private:
  Policy policy_;
  void* mem_ = nullptr;
};

struct NodeRun {
  std::vector<Counters> c = std::vector<Counters>(kRanks * kThreads);
  std::vector<std::uint64_t> done = std::vector<std::uint64_t>(kRanks * kThreads);
  Counters total() const {
    Counters t;
    for (const auto& x : c) t += x;
    return t;
  }
};

/// cross_process: shared futexes / pshared sem_t (a node of several ranks), else private ones
/// (a node with one rank); in one process both must work.
NodeRun run_node(const Params& p, Held& held, std::uint64_t n, bool cross_process) {
  const State state(p, kRanks * kThreads, cross_process);
  std::vector<std::unique_ptr<Lock>> ranks;
  for (int r = 0; r < kRanks; ++r) {
    const int offset = r * kThreads;
    ranks.push_back(
        p.policy == Policy::gil
            ? detail::make_shared_gil_lock(p, state.get(), offset, kThreads, {}, {}, held.hook(offset))
            : detail::make_shared_legacy_gil_lock(p, state.get(), offset, kThreads, {}, {}, held.hook(offset)));
  }
  NodeRun out;
  std::latch start(kRanks * kThreads);
  std::vector<std::thread> pool;
  for (int r = 0; r < kRanks; ++r) {
    for (int t = 0; t < kThreads; ++t) {
      pool.emplace_back([&, r, t] {
        const auto i = static_cast<std::size_t>(r * kThreads + t);
        start.arrive_and_wait();
        out.done[i] = ranks[static_cast<std::size_t>(r)]->run(t, n, out.c[i], nullptr);
      });
    }
  }
  for (auto& th : pool) th.join();
  return out;
}

TEST(SharedLock, GilTwoRanksNeverTwoHolders) {
  const Watchdog wd("shared gil", std::chrono::seconds(60));
  Params p;
  p.policy = Policy::gil;
  p.switch_interval = microseconds(200);
  constexpr std::uint64_t n = 10'000'000;
  for (const bool cross : {true, false}) {
    SCOPED_TRACE(cross ? "shared futexes" : "private futexes");
    Held held;
    const NodeRun r = run_node(p, held, n, cross);
    const Counters t = r.total();
    for (std::size_t i = 0; i < r.done.size(); ++i) {
      EXPECT_EQ(r.done[i], n);
      EXPECT_EQ(r.c[i].forced_drops, r.c[i].acquisitions - 1) << "every re-take follows a forced drop";
      EXPECT_LE(r.c[i].drop_requests, r.c[i].wait_timeouts);
    }
    EXPECT_EQ(held.violations.load(), 0u) << "two holders at once";
    EXPECT_EQ(held.iterations.load(), n * kRanks * kThreads);
    EXPECT_EQ(t.acquisitions, held.acquisitions.load());
    EXPECT_EQ(t.switches, held.changes.load()) << "switches (node-wide ids) = holder changes";
    EXPECT_GE(t.switches, static_cast<std::uint64_t>(kRanks * kThreads - 1));
    EXPECT_GE(t.forced_drops, 1u);
    EXPECT_LE(t.forced_drops, t.drop_requests);
  }
}

TEST(SharedLock, LegacyTwoRanksNeverTwoHoldersSharedTicker) {
  const Watchdog wd("shared legacy", std::chrono::seconds(60));
  Params p;
  p.policy = Policy::legacy_gil;
  p.check_interval = 9;
  p.tick_iterations = 100;  // a check every 1000 iterations of node-wide work
  constexpr std::uint64_t n = 1'000'000;
  for (const bool cross : {true, false}) {
    SCOPED_TRACE(cross ? "shared futexes" : "private futexes");
    Held held;
    const NodeRun r = run_node(p, held, n, cross);
    const Counters t = r.total();
    for (std::size_t i = 0; i < r.done.size(); ++i) {
      EXPECT_EQ(r.done[i], n);
      EXPECT_EQ(r.c[i].checks, r.c[i].self_reacquires + r.c[i].handoffs);
      EXPECT_EQ(r.c[i].acquisitions, 1 + r.c[i].checks);
    }
    EXPECT_EQ(held.violations.load(), 0u) << "two holders at once";
    EXPECT_EQ(held.iterations.load(), n * kRanks * kThreads);
    EXPECT_EQ(t.acquisitions, held.acquisitions.load());
    EXPECT_EQ(t.switches, held.changes.load());
    EXPECT_EQ(t.checks, (n * kRanks * kThreads - 1) / 1000u) << "one ticker for the node";
  }
}

TEST(SharedLock, VoluntaryTakeRelease) {
  const Watchdog wd("shared take/release", std::chrono::seconds(60));
  for (const Policy pol : {Policy::gil, Policy::legacy_gil}) {
    Params p;
    p.policy = pol;
    p.switch_interval = microseconds(100);
    const State state(p, kRanks * kThreads);
    auto a = pol == Policy::gil ? detail::make_shared_gil_lock(p, state.get(), 0, kThreads, {}, {}, {})
                                : detail::make_shared_legacy_gil_lock(p, state.get(), 0, kThreads, {}, {}, {});
    auto b = pol == Policy::gil ? detail::make_shared_gil_lock(p, state.get(), kThreads, kThreads, {}, {}, {})
                                : detail::make_shared_legacy_gil_lock(p, state.get(), kThreads, kThreads, {}, {}, {});
    std::atomic<int> holders{0};
    std::atomic<std::uint64_t> violations{0};
    Counters ca, cb;
    auto body = [&](Lock& l, int tid, Counters& c) {
      for (int i = 0; i < 200; ++i) {
        l.take(tid, c, nullptr);
        if (holders.fetch_add(1) != 0) violations.fetch_add(1);
        gilbench::countdown(2000);
        holders.fetch_sub(1);
        l.release(tid, c, nullptr);
      }
    };
    std::thread t1([&] { body(*a, 1, ca); });
    std::thread t2([&] { body(*b, 0, cb); });
    t1.join();
    t2.join();
    EXPECT_EQ(violations.load(), 0u) << to_string(pol);
    EXPECT_EQ(ca.acquisitions + cb.acquisitions, 400u);
  }
}

}  // namespace
