#pragma once
// The countdown kernel: the work every worker does. Header-only so the locked variants in
// src/gil/ inline it into their batch loops.
#include <atomic>
#include <cstdint>

namespace gilbench {

/// Counts n down to 0, one decrement per iteration; returns the iterations done (== n).
/// The empty asm with "+r" is a compiler barrier on the counter: the compiler must assume the
/// value changed, so it can neither fold the loop into `n = 0` nor vectorise it. One
/// decrement + compare + branch per iteration: ~1 iteration per cycle.
inline std::uint64_t countdown(std::uint64_t n) noexcept {
  std::uint64_t done = 0;
  while (n > 0) {
    --n;
    ++done;
    asm volatile("" : "+r"(n), "+r"(done));
  }
  return done;
}

/// Iterations between two polls of the stop flag where a loop has no check points of its own
/// (lock `none`; legacy-gil batches longer than this): 2^20, ~0.3 ms at one iteration per cycle.
/// One relaxed load and a predictable branch per 2^20 iterations (benchmarks/kernel_bench.cpp).
inline constexpr std::uint64_t kStopPollIterations = std::uint64_t{1} << 20;

/// countdown(n) in batches of kStopPollIterations that stops early once `stop` is set (polled
/// before every batch, so a set flag stops it before any work). Returns the iterations done:
/// n, or fewer when stopped — exactly the iterations counted either way.
inline std::uint64_t countdown_until(std::uint64_t n, const std::atomic<bool>& stop) noexcept {
  std::uint64_t done = 0;
  while (n > 0 && !stop.load(std::memory_order_relaxed)) {
    const std::uint64_t k = n < kStopPollIterations ? n : kStopPollIterations;
    done += countdown(k);
    n -= k;
  }
  return done;
}

}  // namespace gilbench
