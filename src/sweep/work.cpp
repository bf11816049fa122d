#include "sweep/work.hpp"

#include <cstdint>

namespace gilbench {

std::uint64_t worker_share(std::uint64_t count, Scaling scaling, int ranks, int threads, int rank, int thread) {
  if (scaling == Scaling::weak) return count;
  const auto workers = static_cast<std::uint64_t>(ranks) * static_cast<std::uint64_t>(threads);
  const auto index = static_cast<std::uint64_t>(rank) * static_cast<std::uint64_t>(threads) +
                     static_cast<std::uint64_t>(thread);
  return count / workers + (index < count % workers ? 1 : 0);
}

bool fits_in_a_run(std::uint64_t count, Scaling scaling, int ranks, int threads) {
  if (scaling == Scaling::strong || count == 0) return true;
  const auto workers = static_cast<std::uint64_t>(ranks) * static_cast<std::uint64_t>(threads);
  return count <= UINT64_MAX / workers;
}

std::uint64_t run_total(std::uint64_t count, Scaling scaling, int ranks, int threads) {
  if (scaling == Scaling::strong) return count;
  return count * static_cast<std::uint64_t>(ranks) * static_cast<std::uint64_t>(threads);
}

}  // namespace gilbench
