#pragma once
// --bind: whether gilbench pins its workers, and where. The decision is a pure function of the
// binding environment, the rank's allowed CPUs and the team size (unit-tested); pinning itself
// is pthread_setaffinity_np on each worker.
#include <cstdint>
#include <string>
#include <vector>

namespace gilbench::binding {

enum class Mode : std::uint8_t { automatic, cores, none };

/// What else may have bound the workers already.
struct Environment {
  bool openmp = false;    ///< OMP_PLACES, OMP_PROC_BIND (not false) or GOMP_CPU_AFFINITY set
  bool launcher = false;  ///< mpirun/srun binding variables set (Open MPI, Slurm, MPICH hydra)
  int machine_cpus = 0;   ///< online CPUs of the host (0: unknown)
  std::string what;       ///< the variable that bound them, for the reason text
};

/// The rank's place among the ranks on its host: worker t of local rank r gets the
/// (r * threads + t)-th allowed CPU.
struct Place {
  int local_rank = 0, local_ranks = 1;
};

struct Plan {
  std::vector<int> cpus;  ///< cpus[t]: the CPU worker t is pinned to; empty: workers left where they are
  std::string reason;     ///< why they are left (empty when pinned)
  [[nodiscard]] bool pinned() const { return !cpus.empty(); }
};

/// auto: pin when neither OpenMP nor the launcher bound the workers (the allowed set is the whole
/// machine) and the allowed CPUs suffice for every worker of the host; cores: always pin (workers
/// beyond the allowed CPUs wrap around); none: never.
Plan plan(Mode mode, const Environment& env, const std::vector<int>& allowed, int threads, Place place = {});

/// The binding environment of this process (environment variables, online CPUs).
Environment read_environment();

/// Pins the calling thread to `cpus` (sched_setaffinity semantics); false on failure.
bool pin_current_thread(const std::vector<int>& cpus);

std::string to_string(Mode m);  ///< auto, cores, none

}  // namespace gilbench::binding
