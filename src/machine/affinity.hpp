#pragma once
// Where a worker may run and where it did run: sched_getaffinity / sched_getcpu.
#include <string>
#include <vector>

namespace gilbench::affinity {

std::vector<int> allowed_cpus();                       ///< the calling thread's allowed CPUs, sorted
int current_cpu();                                     ///< sched_getcpu(), -1 if unavailable
std::string to_list(const std::vector<int>& cpus);     ///< {0,1,2,3,8} → "0-3,8"
std::vector<int> parse_list(const std::string& list);  ///< "0-3,8" → {0,1,2,3,8} (inverse of to_list)

}  // namespace gilbench::affinity
