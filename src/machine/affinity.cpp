#include "machine/affinity.hpp"

#include <sched.h>

#include <cstdlib>

namespace gilbench::affinity {

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

int current_cpu() { return sched_getcpu(); }

std::string to_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

std::vector<int> parse_list(const std::string& list) {
  std::vector<int> cpus;
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t end = list.find(',', i);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(i, end - i);
    const auto dash = item.find('-');
    const int lo = std::atoi(item.c_str());
    const int hi = dash == std::string::npos ? lo : std::atoi(item.c_str() + dash + 1);
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
    i = end + 1;
  }
  return cpus;
}

}  // namespace gilbench::affinity
