// The countdown kernel against a dependent-add chain measured in the same run. This machine kind
// has no hardware counters: a chain of dependent register adds runs at exactly one add per cycle
// on every x86-64 core, so (chain time per add) / (countdown time per iteration) is the kernel's
// iterations per cycle. Target >= 0.95 (the compiler barrier must cost nothing). The second
// benchmark is the same for countdown_until, the loop of lock `none` with its stop poll (one
// relaxed load every kStopPollIterations): it must stay >= 0.95 too (README, --stop-grace).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "sweep/kernel.hpp"

namespace {

constexpr std::uint64_t kN = std::uint64_t{1} << 26;

/// kN dependent adds: 16 per loop trip, so the loop's own compare/branch hides behind the chain.
std::uint64_t dependent_adds(std::uint64_t n) {
  std::uint64_t x = 0;
  for (std::uint64_t i = 0; i < n / 16; ++i) {
#if defined(__x86_64__)
    asm volatile(
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
        "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
        : "+r"(x));
#else
    for (int k = 0; k < 16; ++k) asm volatile("" : "+r"(x)), ++x;
#endif
  }
  return x;
}

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  benchmark::DoNotOptimize(f());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// One iteration = one run of `kernel` over kN and one chain of kN adds, alternating, so both
/// see the same clock. Reports ns per iteration and iterations per cycle.
template <class Kernel>
void against_add_chain(benchmark::State& state, Kernel kernel) {
  double kernel_s = 0, chain_s = 0;
  for (auto _ : state) {
    kernel_s += seconds(kernel);
    chain_s += seconds([] { return dependent_adds(kN); });
  }
  const double n = static_cast<double>(kN) * static_cast<double>(state.iterations());
  state.counters["kernel_ns_per_iter"] = kernel_s / n * 1e9;
  state.counters["cycle_ns"] = chain_s / n * 1e9;
  state.counters["iters_per_cycle"] = chain_s / kernel_s;
  state.counters["est_GHz"] = n / chain_s * 1e-9;
}

void BM_CountdownVsAddChain(benchmark::State& state) {
  against_add_chain(state, [] { return gilbench::countdown(kN); });
}
BENCHMARK(BM_CountdownVsAddChain)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->MinTime(0.5);

std::atomic<bool> g_never_set{false};  // a global: the compiler cannot prove it stays false

/// As above, for countdown_until (lock none's loop: countdown in batches, polling a stop flag).
void BM_PolledCountdownVsAddChain(benchmark::State& state) {
  against_add_chain(state, [] { return gilbench::countdown_until(kN, g_never_set); });
}
BENCHMARK(BM_PolledCountdownVsAddChain)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->ReportAggregatesOnly(true)
    ->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
