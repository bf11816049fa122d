// Rank-scope lock policies driven by std::thread: names and parameters, the checksum, mutual
// exclusion (1–16 threads, oversubscribed), counter consistency, forced switching, the legacy
// policy's check arithmetic, bounded-time stress, and the trace. Runs clean under TSan.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "gil/lock.hpp"
#include "sweep/kernel.hpp"
#include "watchdog.hpp"

namespace {

using namespace gilbench::gil;
using gilbench::gil::testing::Watchdog;
using std::chrono::microseconds;
using Clock = std::chrono::steady_clock;

/// The lock's held region as seen from inside (through the HeldHook): an atomic holder count
/// that must be 1, and plain (non-atomic) state only ever touched by the holder — so a lock that
/// failed to order its holders would also be reported by ThreadSanitizer.
struct HeldRegion {
  std::atomic<int> holders{0};
  std::atomic<std::uint64_t> violations{0};
  // plain: touched only with the lock held
  std::uint64_t calls = 0;
  std::uint64_t iterations = 0;
  std::uint64_t acquisitions = 0;  // hook(tid, 0) follows every acquisition in run()
  std::uint64_t changes = 0;       // holder changes seen at those acquisitions
  int last = -1;

  HeldHook hook() {
    return [this](int tid, std::uint64_t k) {
      if (holders.fetch_add(1, std::memory_order_acq_rel) != 0) violations.fetch_add(1);
      ++calls;
      iterations += k;
      if (k == 0) {
        ++acquisitions;
        if (last != tid) {
          if (last >= 0) ++changes;
          last = tid;
        }
      }
      gilbench::countdown(64);  // widen the window an overlap would have to hit
      if (holders.load(std::memory_order_acquire) != 1) violations.fetch_add(1);
      holders.fetch_sub(1, std::memory_order_acq_rel);
    };
  }
};

struct Result {
  std::vector<Counters> c;
  std::vector<std::uint64_t> done;
  std::vector<std::vector<TraceEvent>> trace;
  double wall_s = 0;
  Counters total() const {
    Counters t;
    for (const auto& x : c) t += x;
    return t;
  }
};

/// Every tid runs `n` iterations under `lock` on its own std::thread; all start together.
Result run_threads(Lock& lock, int threads, std::uint64_t n) {
  Result r;
  r.c.resize(threads);
  r.done.resize(threads);
  r.trace.resize(threads);
  std::vector<std::thread> pool;
  std::latch start(threads + 1);
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      r.done[t] = lock.run(t, n, r.c[t], &r.trace[t]);
    });
  }
  const auto t0 = Clock::now();
  start.count_down();
  for (auto& th : pool) th.join();
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

Params gil_params(std::chrono::nanoseconds interval) {
  Params p;
  p.policy = Policy::gil;
  p.switch_interval = interval;
  return p;
}

Params legacy_params(std::int64_t check_interval, std::int64_t tick_iterations) {
  Params p;
  p.policy = Policy::legacy_gil;
  p.check_interval = check_interval;
  p.tick_iterations = tick_iterations;
  return p;
}

// 2.7 checks on tick C + 1 (--_Py_Ticker < 0, then the ticker is reset to C)
std::uint64_t legacy_period(const Params& p) {
  return static_cast<std::uint64_t>(p.check_interval + 1) * static_cast<std::uint64_t>(p.tick_iterations);
}

// ---------------------------------------------------------------------------------------------
// Names and parameters

TEST(PolicyNames, RoundTrip) {
  for (const Policy p : {Policy::none, Policy::gil, Policy::legacy_gil}) {
    const auto parsed = parse_policy(to_string(p));
    ASSERT_TRUE(parsed.has_value()) << to_string(p);
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(to_string(Policy::none), "none");
  EXPECT_EQ(to_string(Policy::gil), "gil");
  EXPECT_EQ(to_string(Policy::legacy_gil), "legacy-gil");
  EXPECT_EQ(to_string(EventKind::request), "request");
  EXPECT_EQ(to_string(EventKind::acquire), "acquire");
  EXPECT_EQ(to_string(EventKind::drop_request), "drop_request");
  EXPECT_EQ(to_string(EventKind::release), "release");
}

TEST(PolicyNames, RejectsUnknown) {
  for (const char* s : {"", "GIL", "Gil", "legacy_gil", "legacy", "legacy-gil ", " none", "mutex", "gil2"}) {
    EXPECT_FALSE(parse_policy(s).has_value()) << '"' << s << '"';
  }
}

TEST(Params, Defaults) {
  const Params p;
  EXPECT_EQ(p.policy, Policy::none);
  EXPECT_EQ(p.switch_interval, std::chrono::milliseconds(5));
  EXPECT_EQ(p.check_interval, 100);
  EXPECT_EQ(p.tick_iterations, kDefaultTickIterations);
  EXPECT_FALSE(validate(p).has_value());
}

TEST(TickMapping, FromTheRatesMeasuredAtStartUp) {
  // the reference 7.5 ns per tick at 0.285 ns per iteration (3.508772e9/s): 26.3 -> 26
  TickMapping m = tick_mapping(0, 1e9 / 0.285, 0);
  EXPECT_EQ(m.iterations, 26);
  EXPECT_EQ(m.source, TickSource::reference);
  EXPECT_DOUBLE_EQ(m.tick_s, 7.5e-9);
  // README's 0.377 ns per iteration (2.65e9/s): 7.5e-9 x 2.65e9 = 19.875 -> 20
  EXPECT_EQ(tick_mapping(0, 2.65e9, 0).iterations, 20);
  // a 2.7 measured at 40e6 iterations/s: 25 ns per iteration / 3 ticks = 8.333 ns per tick;
  // x 3e9/s = 25 iterations per tick
  m = tick_mapping(0, 3e9, 40e6);
  EXPECT_EQ(m.source, TickSource::measured_27);
  EXPECT_DOUBLE_EQ(m.tick_s, 1.0 / 120e6);
  EXPECT_EQ(m.iterations, 25);
  // 44e6/s (the 22.5 ns of the reference): 7.576 ns x 2.65e9 = 20.08 -> 20
  EXPECT_EQ(tick_mapping(0, 2.65e9, 44e6).iterations, 20);
  // rounded to nearest: 7.5e-9 x 2.1e9 = 15.75 -> 16, x 1.9e9 = 14.25 -> 14
  EXPECT_EQ(tick_mapping(0, 2.1e9, 0).iterations, 16);
  EXPECT_EQ(tick_mapping(0, 1.9e9, 0).iterations, 14);
  // at least 1: a kernel slower than CPython's tick (1e8/s: 0.75 iterations)
  EXPECT_EQ(tick_mapping(0, 1e8, 0).iterations, 1);
  // --tick-iterations wins over any rate; no per-tick time is used
  m = tick_mapping(7, 3e9, 40e6);
  EXPECT_EQ(m.iterations, 7);
  EXPECT_EQ(m.source, TickSource::override);
  EXPECT_EQ(m.tick_s, 0.0);
  // no native rate measured: the default, from the reference
  m = tick_mapping(0, 0, 0);
  EXPECT_EQ(m.iterations, kDefaultTickIterations);
  EXPECT_EQ(m.source, TickSource::reference);
  EXPECT_EQ(to_string(TickSource::reference), "reference");
  EXPECT_EQ(to_string(TickSource::measured_27), "measured 2.7");
  EXPECT_EQ(to_string(TickSource::override), "--tick-iterations override");
}

TEST(Params, ValidateRejectsBadValues) {
  Params p;
  p.switch_interval = std::chrono::nanoseconds(0);
  EXPECT_EQ(validate(p).value_or(""), "switch interval must be > 0");
  p.switch_interval = std::chrono::nanoseconds(-5);
  EXPECT_TRUE(validate(p).has_value());
  p = Params{};
  p.check_interval = 0;
  EXPECT_EQ(validate(p).value_or(""), "check interval must be >= 1 tick");
  p = Params{};
  p.tick_iterations = 0;
  EXPECT_EQ(validate(p).value_or(""), "tick iterations must be >= 1");
  p = Params{};
  p.iteration_ns = 0;
  EXPECT_EQ(validate(p).value_or(""), "iteration time must be > 0");
  p = Params{};
  p.check_interval = INT64_MAX / 2;
  p.tick_iterations = 3;
  EXPECT_TRUE(validate(p).has_value());
  // C × k fits but the period (C + 1) × k does not
  p.check_interval = INT64_MAX;
  p.tick_iterations = 1;
  EXPECT_EQ(validate(p).value_or(""), "check interval × tick iterations overflows");
  p.check_interval = INT64_MAX - 1;
  EXPECT_FALSE(validate(p).has_value());
  EXPECT_EQ(check_period(p), INT64_MAX);
}

TEST(Params, MakeLockThrowsOnBadInput) {
  Params p = gil_params(std::chrono::nanoseconds(0));
  EXPECT_THROW(make_lock(p, 2), std::invalid_argument);
  p = legacy_params(0, 26);
  EXPECT_THROW(make_lock(p, 2), std::invalid_argument);
  EXPECT_THROW(make_lock(Params{}, 0), std::invalid_argument);
  for (const Policy pol : {Policy::none, Policy::gil, Policy::legacy_gil}) {
    Params q;
    q.policy = pol;
    auto lock = make_lock(q, 2);
    ASSERT_NE(lock, nullptr);
    EXPECT_EQ(lock->policy(), pol);
    Counters c;
    EXPECT_THROW(lock->run(2, 10, c, nullptr), std::out_of_range);
    EXPECT_THROW(lock->run(-1, 10, c, nullptr), std::out_of_range);
    EXPECT_THROW(lock->take(7, c, nullptr), std::out_of_range);
  }
}

TEST(CountersTest, PlusEqualsAddsEveryField) {
  // Every declared counter (GILBENCH_LOCK_COUNTERS) gets its own value, so a field that
  // operator+= missed or mixed up with another shows.
  Counters a, b;
  int value = 0;
#define GILBENCH_SET(name, kind, size, unit, since, required, init, meaning) a.name = ++value;
  GILBENCH_LOCK_COUNTERS(GILBENCH_SET)
#undef GILBENCH_SET
  ASSERT_EQ(value, 13);  // the 10 counts and 3 times of /samples
  b = a;
  b += a;
  value = 0;
#define GILBENCH_CHECK(name, kind, size, unit, since, required, init, meaning) \
  ++value;                                                                     \
  EXPECT_EQ(b.name, 2 * a.name) << #name;                                      \
  EXPECT_EQ(a.name, static_cast<decltype(a.name)>(value)) << #name;
  GILBENCH_LOCK_COUNTERS(GILBENCH_CHECK)
#undef GILBENCH_CHECK
}

// ---------------------------------------------------------------------------------------------
// Checksum under every policy

std::string case_name(const ::testing::TestParamInfo<std::tuple<Policy, int>>& param_info) {
  std::string s(to_string(std::get<0>(param_info.param)));
  std::replace(s.begin(), s.end(), '-', '_');
  return s + "_" + std::to_string(std::get<1>(param_info.param)) + "threads";
}

class Checksum : public ::testing::TestWithParam<std::tuple<Policy, int>> {};

TEST_P(Checksum, EveryThreadDoesAllItsIterations) {
  const auto [policy, threads] = GetParam();
  Params p;
  p.policy = policy;
  p.switch_interval = microseconds(100);
  p.check_interval = 10;
  p.tick_iterations = 13;
  const Watchdog wd("checksum");
  auto lock = make_lock(p, threads);
  // n not a multiple of the poll batch or the check period
  const std::uint64_t n = 3'000'017;
  const Result r = run_threads(*lock, threads, n);
  std::uint64_t sum = 0;
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(r.done[t], n) << "thread " << t;
    sum += r.done[t];
  }
  EXPECT_EQ(sum, n * static_cast<std::uint64_t>(threads));
  // a run of zero iterations still takes and releases
  Counters c;
  EXPECT_EQ(lock->run(0, 0, c, nullptr), 0u);
  EXPECT_EQ(c.acquisitions, policy == Policy::none ? 0u : 1u);
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, Checksum,
                         ::testing::Combine(::testing::Values(Policy::none, Policy::gil, Policy::legacy_gil),
                                            ::testing::Values(1, 2, 5)),
                         case_name);

// ---------------------------------------------------------------------------------------------
// Params::stop (--stop-grace over): every policy stops at its next poll, counting exactly

class Stop : public ::testing::TestWithParam<std::tuple<Policy, int>> {};

TEST_P(Stop, SetFlagEndsEveryThreadsRunAtItsNextPoll) {
  const auto [policy, threads] = GetParam();
  std::atomic<bool> stop{false};
  Params p;
  p.policy = policy;
  p.switch_interval = microseconds(100);
  p.check_interval = 1'000'000'000;  // legacy-gil: a check every 2.6e10 iterations, so the poll is the cap's
  p.stop = &stop;
  const Watchdog wd("stop");
  auto lock = make_lock(p, threads);
  const std::uint64_t n = std::uint64_t{1} << 40;  // minutes of work: only the flag ends it in time
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop.store(true);
  });
  const Result r = run_threads(*lock, threads, n);
  setter.join();
  for (int t = 0; t < threads; ++t) EXPECT_LT(r.done[t], n) << "thread " << t;
  Counters c;  // already set: at most one batch, and the lock is released
  EXPECT_LE(lock->run(0, n, c, nullptr), gilbench::kStopPollIterations);
  stop.store(false);  // cleared: exact again
  EXPECT_EQ(lock->run(threads - 1, 3'000'017, c, nullptr), 3'000'017u);
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, Stop,
                         ::testing::Combine(::testing::Values(Policy::none, Policy::gil, Policy::legacy_gil),
                                            ::testing::Values(1, 3)),
                         case_name);

// ---------------------------------------------------------------------------------------------
// Mutual exclusion and counter consistency, 1–16 threads (oversubscribed on small machines)

class Exclusion : public ::testing::TestWithParam<std::tuple<Policy, int>> {};

TEST_P(Exclusion, NeverTwoHoldersAndCountersAddUp) {
  const auto [policy, threads] = GetParam();
  // Short slices so that there are many hand-offs: 50 µs interval (~6 ms of work per thread);
  // a check every 64 iterations (~80 000 checks per thread).
  const Params p = policy == Policy::gil ? gil_params(microseconds(50)) : legacy_params(4, 16);
  const std::uint64_t n = policy == Policy::gil ? 20'000'000 : 5'000'000;
  HeldRegion held;
  const Watchdog wd("exclusion");
  auto lock = make_lock(p, threads, {}, held.hook());
  const Result r = run_threads(*lock, threads, n);
  const Counters tot = r.total();
  const auto T = static_cast<std::uint64_t>(threads);

  RecordProperty("switches", std::to_string(tot.switches));
  RecordProperty("forced_drops", std::to_string(tot.forced_drops));
  RecordProperty("handoffs", std::to_string(tot.handoffs));
  EXPECT_EQ(held.violations.load(), 0u) << "two holders at once";
  EXPECT_EQ(held.holders.load(), 0);
  EXPECT_EQ(held.iterations, n * T) << "all the work ran with the lock held";
  for (int t = 0; t < threads; ++t) EXPECT_EQ(r.done[t], n);
  // every acquisition and holder change, as seen from inside, is counted — by the new holder
  EXPECT_EQ(tot.acquisitions, held.acquisitions);
  EXPECT_EQ(tot.switches, held.changes);
  EXPECT_GT(tot.hold_s, 0.0);
  if (threads == 1) {
    EXPECT_EQ(tot.switches, 0u);
  }

  if (policy == Policy::gil) {
    for (int t = 0; t < threads; ++t) {
      const Counters& c = r.c[t];
      EXPECT_GE(c.acquisitions, 1u);
      EXPECT_EQ(c.forced_drops, c.acquisitions - 1) << "every re-take in run() follows a forced drop";
      EXPECT_LE(c.drop_requests, c.wait_timeouts);
      EXPECT_EQ(c.checks + c.self_reacquires + c.handoffs, 0u);
    }
    // each request causes at most one forced drop (the new holder or the dropper resets it)
    EXPECT_LE(tot.forced_drops, tot.drop_requests);
    // tenures are timed inside the lock, so they cannot overlap
    EXPECT_LE(tot.hold_s, r.wall_s);
    if (threads == 1) {
      EXPECT_EQ(tot.drop_requests + tot.wait_timeouts + tot.forced_drops, 0u);
    }
  } else {
    for (int t = 0; t < threads; ++t) {
      const Counters& c = r.c[t];
      EXPECT_EQ(c.checks, c.self_reacquires + c.handoffs);
      EXPECT_EQ(c.acquisitions, 1 + c.checks);
      EXPECT_EQ(c.forced_drops + c.drop_requests + c.wait_timeouts, 0u);
      EXPECT_EQ(c.switch_wait_s, 0.0);
    }
    // one check each time the shared ticker runs out while work remains
    EXPECT_EQ(tot.checks, (n * T - 1) / legacy_period(p));
    // a hand-off is a check after which the re-taker finds another holder was there
    EXPECT_LE(tot.handoffs, tot.switches);
    // tenures end no later than the next holder's start, so they cannot overlap either
    EXPECT_LE(tot.hold_s, r.wall_s);
    if (threads == 1) {
      EXPECT_EQ(tot.handoffs, 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LockPolicies, Exclusion,
                         ::testing::Combine(::testing::Values(Policy::gil, Policy::legacy_gil),
                                            ::testing::Values(1, 2, 3, 4, 8, 16)),
                         case_name);

// ---------------------------------------------------------------------------------------------
// gil: forced switching

TEST(Gil, SingleThreadNeverAsksOrWaits) {
  auto lock = make_lock(gil_params(microseconds(50)), 1);
  const Result r = run_threads(*lock, 1, 20'000'000);
  const Counters& c = r.c[0];
  EXPECT_EQ(r.done[0], 20'000'000u);
  EXPECT_EQ(c.acquisitions, 1u);
  EXPECT_EQ(c.switches + c.forced_drops + c.drop_requests + c.wait_timeouts, 0u);
  EXPECT_EQ(c.wait_s, 0.0);
  EXPECT_EQ(c.switch_wait_s, 0.0);
  EXPECT_GT(c.hold_s, 0.0);
}

TEST(Gil, PollBatchIsAHundredthOfTheIntervalAtMost4096) {
  // min(4096, interval / (100 · t_iter)) with t_iter = 0.285 ns (hand-checked)
  EXPECT_EQ(gil_poll_iterations(gil_params(microseconds(50))), 1754u);   // 50 000 / 28.5
  EXPECT_EQ(gil_poll_iterations(gil_params(microseconds(200))), 4096u);  // 7017 → capped
  EXPECT_EQ(gil_poll_iterations(gil_params(std::chrono::nanoseconds(10))), 1u);
  Params p = gil_params(microseconds(20));
  p.iteration_ns = 1.0;
  EXPECT_EQ(gil_poll_iterations(p), 200u);
  // the running lock polls in those batches: the held hook sees each batch's iterations
  std::uint64_t biggest = 0, calls = 0;
  auto lock = make_lock(gil_params(microseconds(20)), 1, {}, [&](int, std::uint64_t k) {
    biggest = std::max(biggest, k);
    ++calls;
  });
  Counters c;
  lock->run(0, 100'000, c, nullptr);
  EXPECT_EQ(biggest, 701u);  // 20 000 / 28.5 (4096 before)
  EXPECT_EQ(calls, 1 + (100'000 + 700) / 701);
}

TEST(Gil, SwitchIntervalInForceIsWholeMicrosecondsAtLeastOne) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(in_force_switch_interval(nanoseconds(5'000'000)), nanoseconds(5'000'000));
  EXPECT_EQ(in_force_switch_interval(nanoseconds(1'999)), nanoseconds(1'000));  // truncated
  EXPECT_EQ(in_force_switch_interval(nanoseconds(50'700)), nanoseconds(50'000));
  EXPECT_EQ(in_force_switch_interval(nanoseconds(500)), nanoseconds(1'000));  // 0 µs → take_gil's 1
  EXPECT_EQ(in_force_switch_interval(nanoseconds(1)), nanoseconds(1'000));
}

TEST(Trace, BudgetIsReservedBeforeTheLockIsTaken) {
  // events are appended with the lock held: the vector must never grow there
  TraceOptions topt;
  topt.enabled = true;
  topt.window_s = 60;
  topt.max_events = 5'000;
  for (const Params& p : {gil_params(microseconds(50)), legacy_params(2, 8)}) {
    auto lock = make_lock(p, 1, topt);
    std::vector<TraceEvent> trace;
    Counters c;
    lock->run(0, 1'000, c, &trace);
    EXPECT_GE(trace.capacity(), 5'000u);
    EXPECT_FALSE(trace.empty());
  }
}

TEST(Gil, ReleaseWithADropRequestPendingWaitsForTheNextHolder) {
  // PyEval_SaveThread → drop_gil(tstate): with gil_drop_request set, the releaser waits on
  // switch_cond until another thread has taken the lock.
  const Watchdog wd("release forced switch");
  auto lock = make_lock(gil_params(microseconds(200)), 2);
  Counters a, b;
  lock->take(0, a, nullptr);
  std::thread runner([&] { lock->run(1, 1'000, b, nullptr); });
  // the runner waits 200 µs, then asks for a drop; 200 ms is 1000 intervals
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  lock->release(0, a, nullptr);
  // Back at once: the runner has held the lock in between, so this take is a switch (without
  // the wait the released lock is usually still free and thread 0 takes it back unswitched).
  Counters e;
  lock->take(0, e, nullptr);
  EXPECT_EQ(e.switches, 1u) << "release returned before another thread took the lock";
  lock->release(0, e, nullptr);
  runner.join();
  EXPECT_GE(b.drop_requests, 1u);
  EXPECT_EQ(b.switches, 1u);
  // without a pending request, release does not wait
  Counters d;
  lock->take(0, d, nullptr);
  lock->release(0, d, nullptr);
  EXPECT_EQ(d.switch_wait_s, 0.0);
}

TEST(Gil, ForcedDropGoesToTheAwakeRequesterNotTheLongestSleeper) {
  // Three contenders (issue 15): holder A, sleeper R (asleep longest, e.g. the latency probe
  // after a switch), requester S (its timed wait just expired with no switch: it set
  // drop_request). CPython's holder drops while S is still on its way into the wait, and S
  // consumes the one COND_SIGNAL; R sleeps on. The requester window is lengthened here so that
  // the drop always falls inside it.
  const Watchdog wd("requester window");
  Params p = gil_params(std::chrono::milliseconds(200));
  p.requester_window = std::chrono::seconds(20);  // ends as soon as the lock is free
  auto lock = make_lock(p, 3);
  Counters a, s, r;
  std::atomic<int> first{-1};
  lock->take(0, a, nullptr);  // A holds
  // S waits from t = 0: times out at 200 ms, nobody switched, so it asks for a drop
  std::thread requester([&] {
    lock->take(1, s, nullptr);
    int none = -1;
    first.compare_exchange_strong(none, 1);
    lock->release(1, s, nullptr);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  // R waits from t = 60 ms (deadline 260 ms): a sleeper, not a requester, when A drops
  std::thread sleeper([&] {
    lock->take(2, r, nullptr);
    int none = -1;
    first.compare_exchange_strong(none, 2);
    lock->release(2, r, nullptr);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(170));  // t = 230 ms: S in its window
  lock->release(0, a, nullptr);  // drop_request pending: forced switching, waits for a taker
  requester.join();
  sleeper.join();
  EXPECT_EQ(first.load(), 1) << "the release woke the sleeper, not the requester in its window";
  EXPECT_EQ(s.drop_requests, 1u);
  EXPECT_EQ(s.switches, 1u);
  EXPECT_EQ(r.drop_requests, 0u) << "R's wait saw a switch (S took the lock): no request";
  EXPECT_EQ(r.switches, 1u);
  EXPECT_GT(a.switch_wait_s, 0.0) << "A's release waited for the switch";
}

TEST(Gil, TinyIntervalGivesBothThreadsTurns) {
  HeldRegion held;
  std::vector<int> order;  // holder sequence, appended with the lock held
  auto hook = held.hook();
  const Watchdog wd("forced switching");
  auto lock = make_lock(gil_params(microseconds(200)), 2, {}, [&](int tid, std::uint64_t k) {
    hook(tid, k);
    if (k == 0 && (order.empty() || order.back() != tid)) order.push_back(tid);
  });
  // ~60 ms of CPU work per thread: ≥ 300 intervals, so even on a busy machine each thread is
  // asked to drop at least once
  const Result r = run_threads(*lock, 2, 200'000'000);
  const Counters tot = r.total();
  EXPECT_EQ(held.violations.load(), 0u);
  ASSERT_GE(order.size(), 3u) << "A → B → A: the first holder was made to drop, then asked back";
  EXPECT_NE(order[0], order[1]);
  EXPECT_GE(tot.drop_requests, 2u);
  EXPECT_GE(tot.forced_drops, 2u);
  EXPECT_GE(tot.switches, 2u);
  EXPECT_EQ(tot.switches, order.size() - 1);
  // Forced switching: every forced drop hands the lock to the other thread before the dropper
  // can take it back; the only other switch is the final release to a thread still waiting.
  EXPECT_GE(tot.switches, tot.forced_drops);
  EXPECT_LE(tot.switches, tot.forced_drops + 1);
  for (int t = 0; t < 2; ++t) {
    EXPECT_GE(r.c[t].acquisitions, 2u) << "thread " << t;
    EXPECT_GT(r.c[t].wait_s, 0.0) << "thread " << t;
  }
  // waiting in the interpreter lock blocks in the kernel
  EXPECT_GE(tot.ctx_voluntary, 1u);
}

TEST(Gil, VoluntaryTakeReleaseExcludesRunners) {
  // Two countdown threads plus two "blocking call" threads that take/release repeatedly.
  HeldRegion held;
  const Watchdog wd("take/release");
  auto lock = make_lock(gil_params(microseconds(100)), 4, {}, held.hook());
  std::vector<Counters> c(4);
  std::vector<std::thread> pool;
  std::uint64_t probe_sections = 0;  // plain, under the lock
  for (int t = 0; t < 2; ++t) pool.emplace_back([&, t] { lock->run(t, 20'000'000, c[t], nullptr); });
  for (int t = 2; t < 4; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        lock->take(t, c[t], nullptr);
        if (held.holders.fetch_add(1) != 0) held.violations.fetch_add(1);
        ++probe_sections;
        held.holders.fetch_sub(1);
        lock->release(t, c[t], nullptr);
        std::this_thread::sleep_for(microseconds(50));
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(held.violations.load(), 0u);
  EXPECT_EQ(probe_sections, 100u);
  for (int t = 2; t < 4; ++t) {
    EXPECT_EQ(c[t].acquisitions, 50u);
    EXPECT_EQ(c[t].forced_drops, 0u);
    // release() is drop_gil(tstate): with a drop request pending it waits until another thread
    // took the lock (CPython's I/O threads do; Gil.ReleaseWithADropRequestPendingWaitsForTheNextHolder)
    // — whether one was pending here depends on timing, so only its sign is checked.
    EXPECT_GE(c[t].switch_wait_s, 0.0);
    EXPECT_GE(c[t].hold_s, 0.0);
  }
}

// ---------------------------------------------------------------------------------------------
// legacy-gil: the check arithmetic

TEST(LegacyGil, SingleThreadChecksAreExact) {
  const Params p = legacy_params(10, 7);  // 2.7: a check on tick 11, every 77 iterations
  EXPECT_EQ(check_period(p), 77);
  auto lock = make_lock(p, 1);
  Counters c;
  EXPECT_EQ(lock->run(0, 10'000, c, nullptr), 10'000u);
  EXPECT_EQ(c.checks, 129u);  // ⌊9 999 / 77⌋ (at C × k = 70 it would be 142)
  EXPECT_EQ(c.self_reacquires, c.checks);
  EXPECT_EQ(c.handoffs, 0u);
  EXPECT_EQ(c.switches, 0u);
  EXPECT_EQ(c.acquisitions, c.checks + 1);
  // the ticker is the interpreter's: a second run carries on where the first stopped
  // (10 000 = 129 × 77 + 67, so 10 iterations are left before the next check)
  Counters d;
  lock->run(0, 10, d, nullptr);
  EXPECT_EQ(d.checks, 0u);
  lock->run(0, 11, d, nullptr);
  EXPECT_EQ(d.checks, 1u);
}

TEST(LegacyGil, CheckIntervalOneChecksEveryTwoTicks) {
  // C = 1: 2.7 checks every 2 ticks, twice C × k; N = 1000, k = 3: ⌊999 / 6⌋ = 166 (not 333)
  auto lock = make_lock(legacy_params(1, 3), 1);
  Counters c;
  lock->run(0, 1000, c, nullptr);
  EXPECT_EQ(c.checks, 166u);
  // N exactly a period: the last iteration is not followed by a check
  Counters d;
  auto fresh = make_lock(legacy_params(1, 3), 1);
  fresh->run(0, 6, d, nullptr);
  EXPECT_EQ(d.checks, 0u);
}

TEST(LegacyGil, DefaultMappingChecksEveryCheckIntervalPlusOneTicks) {
  Params p;
  p.policy = Policy::legacy_gil;  // defaults: (100 + 1) ticks × kDefaultTickIterations
  auto lock = make_lock(p, 1);
  Counters c;
  const std::uint64_t n = 1'000'000;
  lock->run(0, n, c, nullptr);
  EXPECT_EQ(c.checks, (n - 1) / (101u * static_cast<std::uint64_t>(kDefaultTickIterations)));
}

TEST(LegacyGil, ContendedThreadsHandOff) {
  HeldRegion held;
  const Watchdog wd("legacy hand-off");
  auto lock = make_lock(legacy_params(1, 1), 2, {}, held.hook());  // release every 2 iterations
  const Result r = run_threads(*lock, 2, 200'000);
  const Counters tot = r.total();
  EXPECT_EQ(held.violations.load(), 0u);
  EXPECT_EQ(tot.checks, (2 * 200'000u - 1) / 2);
  EXPECT_EQ(tot.checks, tot.self_reacquires + tot.handoffs);
  EXPECT_EQ(tot.switches, held.changes);
}

TEST(LegacyGil, VoluntaryTakeReleaseExcludesRunners) {
  HeldRegion held;
  const Watchdog wd("legacy take/release");
  auto lock = make_lock(legacy_params(5, 5), 3, {}, held.hook());
  std::vector<Counters> c(3);
  std::uint64_t probe_sections = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < 2; ++t) pool.emplace_back([&, t] { lock->run(t, 2'000'000, c[t], nullptr); });
  pool.emplace_back([&] {
    for (int i = 0; i < 200; ++i) {
      lock->take(2, c[2], nullptr);
      if (held.holders.fetch_add(1) != 0) held.violations.fetch_add(1);
      ++probe_sections;
      held.holders.fetch_sub(1);
      lock->release(2, c[2], nullptr);
    }
  });
  for (auto& th : pool) th.join();
  EXPECT_EQ(held.violations.load(), 0u);
  EXPECT_EQ(probe_sections, 200u);
  EXPECT_EQ(c[2].acquisitions, 200u);
  EXPECT_EQ(c[2].checks, 0u);
}

// ---------------------------------------------------------------------------------------------
// none

TEST(NoLock, RunsTheKernelAndCountsNothing) {
  std::uint64_t seen = 0;
  std::atomic<int> calls{0};
  auto lock = make_lock(Params{}, 2, {}, [&](int, std::uint64_t k) {
    if (calls.fetch_add(1) == 0) seen = k;
  });
  Counters c;
  std::vector<TraceEvent> trace;
  EXPECT_EQ(lock->run(1, 123'457, c, &trace), 123'457u);
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(seen, 123'457u);
  EXPECT_TRUE(trace.empty());
  lock->take(0, c, nullptr);
  lock->release(0, c, nullptr);
  EXPECT_EQ(c.acquisitions + c.switches + c.forced_drops + c.drop_requests + c.wait_timeouts + c.checks +
                c.self_reacquires + c.handoffs,
            0u);
  EXPECT_EQ(c.wait_s + c.hold_s + c.switch_wait_s, 0.0);
}

// ---------------------------------------------------------------------------------------------
// Stress: many short slices, fresh locks, mixed take/release — bounded in time

TEST(Stress, GilManyShortSlicesManyLocks) {
  const Watchdog wd("gil stress", std::chrono::seconds(60));
  for (int round = 0; round < 30; ++round) {
    HeldRegion held;
    auto lock = make_lock(gil_params(microseconds(5 + round)), 8, {}, held.hook());
    const Result r = run_threads(*lock, 8, 300'000);
    ASSERT_EQ(held.violations.load(), 0u) << "round " << round;
    ASSERT_EQ(held.iterations, 8u * 300'000u);
    ASSERT_EQ(r.total().switches, held.changes);
  }
}

TEST(Stress, LegacyReleaseEveryIteration) {
  const Watchdog wd("legacy stress", std::chrono::seconds(60));
  for (int round = 0; round < 10; ++round) {
    HeldRegion held;
    auto lock = make_lock(legacy_params(1, 1), 6, {}, held.hook());  // a check every 2 iterations
    const Result r = run_threads(*lock, 6, 20'000);
    ASSERT_EQ(held.violations.load(), 0u) << "round " << round;
    ASSERT_EQ(r.total().checks, (6u * 20'000u - 1) / 2);
  }
}

TEST(Stress, GilRunnersAndProbesTogether) {
  const Watchdog wd("gil mixed stress", std::chrono::seconds(60));
  for (int round = 0; round < 10; ++round) {
    HeldRegion held;
    auto lock = make_lock(gil_params(microseconds(20)), 6, {}, held.hook());
    std::vector<Counters> c(6);
    std::vector<std::thread> pool;
    for (int t = 0; t < 3; ++t) pool.emplace_back([&, t] { lock->run(t, 2'000'000, c[t], nullptr); });
    for (int t = 3; t < 6; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < 30; ++i) {
          lock->take(t, c[t], nullptr);
          if (held.holders.fetch_add(1) != 0) held.violations.fetch_add(1);
          held.holders.fetch_sub(1);
          lock->release(t, c[t], nullptr);
          if (i % 3 == 0) std::this_thread::yield();
        }
      });
    }
    for (auto& th : pool) th.join();
    ASSERT_EQ(held.violations.load(), 0u) << "round " << round;
    for (int t = 3; t < 6; ++t) ASSERT_EQ(c[t].acquisitions, 30u);
  }
}

// ---------------------------------------------------------------------------------------------
// Trace

/// One thread's events follow request → drop_request* → acquire → release → request ...
/// (possibly cut short by the window or the budget), in time order, with its own thread id.
void expect_well_formed(const std::vector<TraceEvent>& ev, int tid) {
  enum { idle, waiting, holding } state = idle;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i].thread, tid);
    if (i > 0) {
      EXPECT_LE(ev[i - 1].t_s, ev[i].t_s) << "event " << i << " out of order";
    }
    switch (ev[i].kind) {
      case EventKind::request:
        EXPECT_EQ(state, idle) << "event " << i;
        state = waiting;
        break;
      case EventKind::drop_request: EXPECT_EQ(state, waiting) << "event " << i; break;
      case EventKind::acquire:
        EXPECT_EQ(state, waiting) << "event " << i;
        state = holding;
        break;
      case EventKind::release:
        EXPECT_EQ(state, holding) << "event " << i;
        state = idle;
        break;
    }
  }
}

/// With complete traces, the [acquire, release] intervals of different threads never overlap.
void expect_disjoint_tenures(const std::vector<std::vector<TraceEvent>>& traces) {
  std::vector<std::pair<double, double>> tenures;
  for (const auto& ev : traces) {
    double start = -1;
    for (const auto& e : ev) {
      if (e.kind == EventKind::acquire) start = e.t_s;
      if (e.kind == EventKind::release) tenures.emplace_back(start, e.t_s);
    }
  }
  std::sort(tenures.begin(), tenures.end());
  for (std::size_t i = 1; i < tenures.size(); ++i) {
    EXPECT_LE(tenures[i - 1].second, tenures[i].first) << "tenures " << i - 1 << " and " << i << " overlap";
  }
}

TEST(Trace, GilEventsAreWellFormedAndDisjoint) {
  TraceOptions topt;
  topt.enabled = true;
  topt.window_s = 60;
  topt.max_events = 1'000'000;
  auto lock = make_lock(gil_params(microseconds(200)), 2, topt);
  const Result r = run_threads(*lock, 2, 60'000'000);
  std::uint64_t requests = 0, acquires = 0, drop_requests = 0;
  for (int t = 0; t < 2; ++t) {
    expect_well_formed(r.trace[t], t);
    ASSERT_FALSE(r.trace[t].empty());
    EXPECT_EQ(r.trace[t].front().kind, EventKind::request);
    EXPECT_EQ(r.trace[t].back().kind, EventKind::release);
    EXPECT_GE(r.trace[t].front().t_s, 0.0);
    for (const auto& e : r.trace[t]) {
      requests += e.kind == EventKind::request;
      acquires += e.kind == EventKind::acquire;
      drop_requests += e.kind == EventKind::drop_request;
    }
  }
  const Counters tot = r.total();
  EXPECT_EQ(acquires, tot.acquisitions);
  EXPECT_EQ(requests, tot.acquisitions);
  EXPECT_EQ(drop_requests, tot.drop_requests);
  expect_disjoint_tenures(r.trace);
}

TEST(Trace, LegacyHandOffsAreTracedSelfReacquiresAreNot) {
  TraceOptions topt;
  topt.enabled = true;
  topt.window_s = 60;
  topt.max_events = 1'000'000;  // reserved up front; ≤ 3 per hand-off, < 34 000 hand-offs
  auto lock = make_lock(legacy_params(2, 8), 2, topt);
  const Result r = run_threads(*lock, 2, 400'000);
  std::uint64_t acquires = 0;
  for (int t = 0; t < 2; ++t) {
    expect_well_formed(r.trace[t], t);
    for (const auto& e : r.trace[t]) acquires += e.kind == EventKind::acquire;
  }
  const Counters tot = r.total();
  // one acquire per run start plus one per hand-off
  EXPECT_EQ(acquires, 2 + tot.handoffs);
  expect_disjoint_tenures(r.trace);
}

TEST(Trace, BoundedByMaxEventsAndWindow) {
  for (const Policy pol : {Policy::gil, Policy::legacy_gil}) {
    const Params p = pol == Policy::gil ? gil_params(microseconds(30)) : legacy_params(10, 26);
    {
      TraceOptions topt;
      topt.enabled = true;
      topt.max_events = 7;
      auto lock = make_lock(p, 2, topt);
      const Result r = run_threads(*lock, 2, 20'000'000);
      for (int t = 0; t < 2; ++t) {
        EXPECT_LE(r.trace[t].size(), 7u);
        EXPECT_FALSE(r.trace[t].empty());
        expect_well_formed(r.trace[t], t);
      }
    }
    {
      TraceOptions topt;
      topt.enabled = true;
      topt.window_s = 0.002;
      auto lock = make_lock(p, 2, topt);
      const Result r = run_threads(*lock, 2, 40'000'000);  // >= 10 ms per thread
      for (int t = 0; t < 2; ++t) {
        for (const auto& e : r.trace[t]) EXPECT_LE(e.t_s, 0.002);
        expect_well_formed(r.trace[t], t);
      }
    }
    {
      // appends to what the vector holds; the budget counts only this call's events
      TraceOptions topt;
      topt.enabled = true;
      topt.max_events = 3;
      auto lock = make_lock(p, 1, topt);
      std::vector<TraceEvent> ev(5, TraceEvent{-1.0, 9, EventKind::release});
      Counters c;
      lock->run(0, 1000, c, &ev);
      EXPECT_EQ(ev.size(), 5u + 3u);
      EXPECT_EQ(ev[5].kind, EventKind::request);
      EXPECT_EQ(ev[6].kind, EventKind::acquire);
      EXPECT_EQ(ev[7].kind, EventKind::release);
    }
  }
}

TEST(Trace, TakeReleaseAreTracedIntoOneVectorWithOneBudget) {
  // The latency probe's pattern: many take()/release() calls of one thread append to one
  // vector, beside a runner; max_events bounds the vector, not each call.
  for (const Policy pol : {Policy::gil, Policy::legacy_gil}) {
    const Params p = pol == Policy::gil ? gil_params(microseconds(200)) : legacy_params(100, 26);
    TraceOptions topt;
    topt.enabled = true;
    topt.window_s = 60;
    topt.max_events = 1'000'000;
    auto lock = make_lock(p, 2, topt);
    std::vector<std::vector<TraceEvent>> trace(2);
    std::vector<Counters> c(2);
    std::thread runner([&] { lock->run(0, 40'000'000, c[0], &trace[0]); });
    for (int i = 0; i < 20; ++i) {
      lock->take(1, c[1], &trace[1]);
      lock->release(1, c[1], &trace[1]);
      std::this_thread::sleep_for(microseconds(100));
    }
    runner.join();
    expect_well_formed(trace[1], 1);
    std::uint64_t acquires = 0, releases = 0;
    for (const auto& e : trace[1]) {
      acquires += e.kind == EventKind::acquire;
      releases += e.kind == EventKind::release;
    }
    EXPECT_EQ(acquires, 20u);
    EXPECT_EQ(releases, 20u);
    EXPECT_EQ(acquires, c[1].acquisitions);
    expect_disjoint_tenures(trace);

    TraceOptions small = topt;
    small.max_events = 7;
    auto bounded = make_lock(p, 1, small);
    std::vector<TraceEvent> ev;
    Counters cb;
    for (int i = 0; i < 5; ++i) {
      bounded->take(0, cb, &ev);
      bounded->release(0, cb, &ev);
    }
    EXPECT_EQ(ev.size(), 7u) << "the budget holds over the calls sharing the vector";
    EXPECT_EQ(cb.acquisitions, 5u);
    bounded->take(0, cb, nullptr);  // no vector: fine
    bounded->release(0, cb, nullptr);
  }
}

TEST(Trace, OffRecordsNothingAndEpochIsSettable) {
  for (const Policy pol : {Policy::gil, Policy::legacy_gil}) {
    Params p;
    p.policy = pol;
    auto off = make_lock(p, 1);
    std::vector<TraceEvent> ev;
    Counters c;
    off->run(0, 100'000, c, &ev);
    EXPECT_TRUE(ev.empty());

    TraceOptions topt;
    topt.enabled = true;
    topt.epoch = Clock::now() - std::chrono::seconds(3);
    topt.window_s = 10;
    auto on = make_lock(p, 1, topt);
    on->run(0, 100'000, c, &ev);
    ASSERT_EQ(ev.size(), 3u);
    EXPECT_GE(ev[0].t_s, 3.0);
    EXPECT_LT(ev[0].t_s, 9.0);
    on->run(0, 100'000, c, nullptr);  // no vector: fine
  }
}

}  // namespace
