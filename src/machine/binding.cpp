#include "machine/binding.hpp"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>

namespace gilbench::binding {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

bool says_none(const char* v) {
  const std::string s(v);
  return s.find("none") != std::string::npos || s == "false" || s == "FALSE" || s == "0";
}

}  // namespace

std::string to_string(Mode m) {
  switch (m) {
    case Mode::automatic: return "auto";
    case Mode::cores: return "cores";
    case Mode::none: return "none";
  }
  return "?";
}

Plan plan(Mode mode, const Environment& env, const std::vector<int>& allowed, int threads, Place place) {
  Plan p;
  if (mode == Mode::none) {
    p.reason = "--bind none";
    return p;
  }
  if (allowed.empty() || threads <= 0) {
    p.reason = "the allowed CPU set is unknown";
    return p;
  }
  const long needed = static_cast<long>(place.local_ranks) * threads;
  const long n = static_cast<long>(allowed.size());
  if (mode == Mode::automatic) {
    if (env.openmp) p.reason = "OpenMP's environment binds the threads (" + env.what + ")";
    else if (env.launcher) p.reason = "the launcher binds the ranks (" + env.what + ")";
    else if (env.machine_cpus > 0 && n < env.machine_cpus)
      p.reason = "the launcher gave this rank " + std::to_string(n) + " of the host's " +
                 std::to_string(env.machine_cpus) + " CPUs";
    else if (needed > n)
      p.reason = std::to_string(needed) + " workers on the host, " + std::to_string(n) + " allowed CPUs";
    if (!p.reason.empty()) return p;
  }
  for (int t = 0; t < threads; ++t)
    p.cpus.push_back(allowed[static_cast<std::size_t>((static_cast<long>(place.local_rank) * threads + t) % n)]);
  return p;
}

Environment read_environment() {
  Environment e;
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  e.machine_cpus = online > 0 ? static_cast<int>(online) : 0;
  const char* bind = env("OMP_PROC_BIND");
  if (bind != nullptr && !says_none(bind)) e.openmp = true, e.what = std::string("OMP_PROC_BIND=") + bind;
  else if (bind == nullptr && env("OMP_PLACES") != nullptr)
    e.openmp = true, e.what = std::string("OMP_PLACES=") + env("OMP_PLACES");
  else if (env("GOMP_CPU_AFFINITY") != nullptr)
    e.openmp = true, e.what = std::string("GOMP_CPU_AFFINITY=") + env("GOMP_CPU_AFFINITY");
  for (const char* name : {"OMPI_MCA_hwloc_base_binding_policy", "SLURM_CPU_BIND_TYPE", "HYDRA_BIND"})
    if (const char* v = env(name); v != nullptr && !says_none(v) && !e.openmp)
      e.launcher = true, e.what = std::string(name) + "=" + v;
  return e;
}

bool pin_current_thread(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus)
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace gilbench::binding
