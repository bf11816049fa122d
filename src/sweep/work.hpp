#pragma once
// How much each worker counts. Strong scaling splits the total exactly over ranks × threads
// (the first `total % workers` workers do one more); weak scaling gives every worker `count`.
#include <cstdint>

#include "app/config.hpp"

namespace gilbench {

/// Iterations for worker (rank, thread) out of ranks × threads.
std::uint64_t worker_share(std::uint64_t count, Scaling scaling, int ranks, int threads, int rank, int thread);

/// Total iterations a run must do: count (strong) or count × workers (weak).
/// REQUIRES: fits_in_a_run(count, scaling, ranks, threads).
std::uint64_t run_total(std::uint64_t count, Scaling scaling, int ranks, int threads);

/// Whether run_total is representable (weak scaling multiplies the count by the workers).
bool fits_in_a_run(std::uint64_t count, Scaling scaling, int ranks, int threads);

}  // namespace gilbench
