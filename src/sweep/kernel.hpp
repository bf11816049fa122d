#pragma once
// The countdown kernel: the work every worker does. Header-only so the locked variants in
// src/gil/ inline it into their batch loops.
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

}  // namespace gilbench
