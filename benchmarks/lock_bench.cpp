// Lock micro-benchmarks (Google Benchmark). Each benchmark measures the lock AND its reference
// in the same run, interleaved, and reports the ratio as a counter:
//
//   BM_Uncontended/<policy>   take()+release() with nobody else around vs std::mutex lock+unlock
//                             counters: lock_ns, mutex_ns, ratio (= lock_ns / mutex_ns), and
//                             clock_ns: two steady_clock reads, which take()/release() make to
//                             time hold_s (most of lock_ns where the clock is slow, e.g. in VMs)
//   BM_HandOff                gil hand-off latency (holder's release → the waiter holds it), read
//                             from the lock's own trace, vs a raw condition-variable ping-pong
//                             (notify → the other thread runs); counters: handoff_us,
//                             pingpong_us, ratio (target ≤ 2). The ping-pong's latency depends on
//                             how deeply the idle CPU sleeps between hops (in VMs: 2 µs or 20 µs
//                             regimes), so a second reference is given: raw_us, the same
//                             hand-off protocol (timed wait, request flag polled every 4096
//                             iterations, notify) written with one mutex and one condition
//                             variable and no lock bookkeeping; raw_ratio = handoff_us / raw_us.
//   BM_OneThread/<policy>     one thread, run(n) under the lock vs countdown(n) with no lock
//                             counters: ratio of median wall times (gil target ≤ 1.02),
//                             min_ratio of the fastest runs, cpu_ratio of the thread's CPU times
//                             (on a shared machine the run-to-run noise is ±5 %: look at all three)
//   BM_TwoThreads/<policy>    two threads share n under the lock (5 ms interval / default check
//                             interval) vs one thread doing n alone; counters: ratio (gil target
//                             ≤ 1.05: serial time plus hand-offs; legacy-gil: the convoy, > 1),
//                             min_ratio, switches_per_s. Runs alternate their order.
//
// Run: gilbench_bench_lock [--benchmark_filter=...] [--benchmark_format=json]
// The timing of interest is in the counters; the benchmark's own time is the whole pair.
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "gil/lock.hpp"
#include "sweep/kernel.hpp"

namespace {

using namespace gilbench::gil;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

Params params_for(Policy p) {
  Params q;
  q.policy = p;
  return q;  // defaults: 5 ms interval, 100 ticks × kDefaultTickIterations
}

// ---------------------------------------------------------------------------------------------

/// One run of each side per benchmark iteration, alternating which goes first, so neither side
/// always runs on the warmer (or busier) machine.
template <class A, class B>
void alternate(benchmark::State& state, A& a, B& b) {
  bool flip = false;
  for (auto _ : state) {
    if (flip) {
      b();
      a();
    } else {
      a();
      b();
    }
    flip = !flip;
  }
}

void BM_Uncontended(benchmark::State& state) {
  const auto policy = static_cast<Policy>(state.range(0));
  auto lock = make_lock(params_for(policy), 1);
  std::mutex m;
  Counters c;
  constexpr int kOps = 10000;
  std::vector<double> lock_ns, mutex_ns, clock_ns;
  for (auto _ : state) {
    auto t0 = Clock::now();
    for (int i = 0; i < kOps; ++i) {
      benchmark::DoNotOptimize(Clock::now());
      benchmark::DoNotOptimize(Clock::now());
    }
    clock_ns.push_back(since(t0) * 1e9 / kOps);
    t0 = Clock::now();
    for (int i = 0; i < kOps; ++i) {
      m.lock();
      benchmark::ClobberMemory();
      m.unlock();
    }
    mutex_ns.push_back(since(t0) * 1e9 / kOps);
    t0 = Clock::now();
    for (int i = 0; i < kOps; ++i) {
      lock->take(0, c, nullptr);
      benchmark::ClobberMemory();
      lock->release(0, c, nullptr);
    }
    lock_ns.push_back(since(t0) * 1e9 / kOps);
  }
  const double l = median(lock_ns), mx = median(mutex_ns);
  state.counters["lock_ns"] = l;
  state.counters["mutex_ns"] = mx;
  state.counters["clock_ns"] = median(clock_ns);
  state.counters["ratio"] = mx > 0 ? l / mx : 0;
  state.SetLabel(std::string(to_string(policy)));
}

// ---------------------------------------------------------------------------------------------

/// One-way latency of a condition-variable ping-pong: time from notify (after the flag is set,
/// mutex released) to the other thread running with the flag seen. Median over `rounds`.
double pingpong_one_way_us(int rounds) {
  std::mutex m;
  std::condition_variable cv;
  int turn = 0;
  Clock::time_point sent{};
  std::vector<double> lat[2];
  auto player = [&](int me) {
    for (int r = 0; r < rounds; ++r) {
      std::unique_lock lk(m);
      cv.wait(lk, [&] { return turn == me; });
      if (sent != Clock::time_point{}) lat[me].push_back(since(sent) * 1e6);
      turn = 1 - me;
      sent = Clock::now();
      lk.unlock();
      cv.notify_one();
    }
  };
  std::thread a(player, 0), b(player, 1);
  a.join();
  b.join();
  std::vector<double> all = lat[0];
  all.insert(all.end(), lat[1].begin(), lat[1].end());
  return median(all);
}

/// gil hand-off latency from the lock's own trace: for every acquire by thread X, the time since
/// the other thread's latest release. Two CPU-bound threads, a short interval for many samples.
double gil_handoff_us(std::chrono::nanoseconds interval, std::uint64_t n_per_thread, double* switches_out) {
  Params p;
  p.policy = Policy::gil;
  p.switch_interval = interval;
  TraceOptions t;
  t.enabled = true;
  t.window_s = 1e9;
  t.max_events = 1'000'000;
  auto lock = make_lock(p, 2, t);
  std::vector<TraceEvent> ev[2];
  Counters c[2];
  std::latch go(2);
  std::vector<std::thread> th;
  for (int i = 0; i < 2; ++i) {
    th.emplace_back([&, i] {
      go.arrive_and_wait();
      lock->run(i, n_per_thread, c[i], &ev[i]);
    });
  }
  for (auto& x : th) x.join();
  std::vector<TraceEvent> all = ev[0];
  all.insert(all.end(), ev[1].begin(), ev[1].end());
  std::sort(all.begin(), all.end(), [](const TraceEvent& a, const TraceEvent& b) { return a.t_s < b.t_s; });
  std::vector<double> lat;
  double last_release[2] = {-1, -1};
  for (const TraceEvent& e : all) {
    if (e.kind == EventKind::release) last_release[e.thread] = e.t_s;
    if (e.kind == EventKind::acquire) {
      const double r = last_release[1 - e.thread];
      // only hand-offs from a running holder (not the other thread's final release)
      if (r >= 0 && e.t_s >= r) lat.push_back((e.t_s - r) * 1e6);
      last_release[1 - e.thread] = -1;
    }
  }
  if (switches_out) *switches_out = static_cast<double>(c[0].switches + c[1].switches);
  return median(lat);
}

/// The gil hand-off protocol with nothing else: the waiter's timed wait sets a request flag, the
/// CPU-bound holder polls it every kGilPollIterations iterations, hands over under one mutex and
/// notifies. Median latency from the hand-over to the new holder running, over `rounds` each.
double raw_handoff_us(std::chrono::nanoseconds interval, int rounds) {
  std::mutex m;
  std::condition_variable cv;
  int owner = 0;
  Clock::time_point released{};
  std::atomic<bool> request{false};
  std::atomic<int> finished{0};
  std::vector<double> lat[2];
  auto player = [&](int me) {
    for (int k = 0; k < rounds; ++k) {
      {
        std::unique_lock lk(m);
        while (owner != me) {
          if (!cv.wait_for(lk, interval, [&] { return owner == me; })) request.store(true, std::memory_order_relaxed);
        }
        if (released != Clock::time_point{}) lat[me].push_back(since(released) * 1e6);
      }
      while (!request.load(std::memory_order_relaxed) && finished.load(std::memory_order_relaxed) == 0) {
        benchmark::DoNotOptimize(gilbench::countdown(kGilPollIterations));
      }
      request.store(false, std::memory_order_relaxed);
      {
        const std::lock_guard lk(m);
        owner = 1 - me;
        released = Clock::now();
      }
      cv.notify_one();
    }
    finished.fetch_add(1);
  };
  std::thread a(player, 0), b(player, 1);
  a.join();
  b.join();
  std::vector<double> all = lat[0];
  all.insert(all.end(), lat[1].begin(), lat[1].end());
  return median(all);
}

void BM_HandOff(benchmark::State& state) {
  std::vector<double> h, pp, raw;
  double sw = 0;
  for (auto _ : state) {
    pp.push_back(pingpong_one_way_us(2000));
    raw.push_back(raw_handoff_us(std::chrono::microseconds(500), 100));
    h.push_back(gil_handoff_us(std::chrono::microseconds(500), 250'000'000, &sw));  // ~70 ms per thread
  }
  const double hm = median(h), pm = median(pp), rm = median(raw);
  state.counters["handoff_us"] = hm;
  state.counters["pingpong_us"] = pm;
  state.counters["ratio"] = pm > 0 ? hm / pm : 0;
  state.counters["raw_us"] = rm;
  state.counters["raw_ratio"] = rm > 0 ? hm / rm : 0;
  state.counters["switches"] = sw;
}

// ---------------------------------------------------------------------------------------------

void BM_OneThread(benchmark::State& state) {
  const auto policy = static_cast<Policy>(state.range(0));
  const std::uint64_t n = 400'000'000;  // ~0.11 s
  std::vector<double> locked, bare, locked_cpu, bare_cpu;
  auto run_bare = [&] {
    const auto t0 = Clock::now();
    const double c0 = thread_cpu_s();
    benchmark::DoNotOptimize(gilbench::countdown(n));
    bare_cpu.push_back(thread_cpu_s() - c0);
    bare.push_back(since(t0));
  };
  auto run_locked = [&] {
    auto lock = make_lock(params_for(policy), 1);
    Counters c;
    const auto t0 = Clock::now();
    const double c0 = thread_cpu_s();
    benchmark::DoNotOptimize(lock->run(0, n, c, nullptr));
    locked_cpu.push_back(thread_cpu_s() - c0);
    locked.push_back(since(t0));
  };
  alternate(state, run_bare, run_locked);
  state.counters["lock_s"] = median(locked);
  state.counters["none_s"] = median(bare);
  state.counters["ratio"] = median(locked) / median(bare);
  state.counters["min_ratio"] = *std::min_element(locked.begin(), locked.end()) /
                                *std::min_element(bare.begin(), bare.end());
  state.counters["cpu_ratio"] = median(locked_cpu) / median(bare_cpu);
  state.SetLabel(std::string(to_string(policy)));
}

void BM_TwoThreads(benchmark::State& state) {
  const auto policy = static_cast<Policy>(state.range(0));
  const std::uint64_t n = 1'000'000'000;  // ~0.29 s sequential
  std::vector<double> shared, seq, rate;
  auto run_seq = [&] {
    const auto t0 = Clock::now();
    benchmark::DoNotOptimize(gilbench::countdown(n));
    seq.push_back(since(t0));
  };
  auto run_shared = [&] {
    auto lock = make_lock(params_for(policy), 2);
    Counters c[2];
    std::latch go(3);
    std::vector<std::thread> th;
    for (int i = 0; i < 2; ++i) {
      th.emplace_back([&, i] {
        go.arrive_and_wait();
        lock->run(i, n / 2, c[i], nullptr);
      });
    }
    const auto t0 = Clock::now();
    go.arrive_and_wait();
    for (auto& x : th) x.join();
    const double s = since(t0);
    shared.push_back(s);
    rate.push_back(static_cast<double>(c[0].switches + c[1].switches) / s);
  };
  alternate(state, run_seq, run_shared);
  state.counters["lock_s"] = median(shared);
  state.counters["seq_s"] = median(seq);
  state.counters["ratio"] = median(shared) / median(seq);
  state.counters["min_ratio"] = *std::min_element(shared.begin(), shared.end()) /
                                *std::min_element(seq.begin(), seq.end());
  state.counters["switches_per_s"] = median(rate);
  state.SetLabel(std::string(to_string(policy)));
}

constexpr auto kGil = static_cast<std::int64_t>(Policy::gil);
constexpr auto kLegacy = static_cast<std::int64_t>(Policy::legacy_gil);

BENCHMARK(BM_Uncontended)->Arg(kGil)->Arg(kLegacy)->Iterations(200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HandOff)->Iterations(5)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_OneThread)->Arg(kGil)->Arg(kLegacy)->Iterations(15)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TwoThreads)->Arg(kGil)->Arg(kLegacy)->Iterations(9)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
