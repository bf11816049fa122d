#pragma once
// The rows of the results file (docs/schema.md), as plain structs. runner.cpp fills them,
// h5_store.cpp writes them, report.cpp summarises them.
#include <cstdint>
#include <string>
#include <vector>

#include "gil/lock.hpp"

namespace gilbench {

inline constexpr int kSchemaVersion = 3;

struct LaunchRecord {
  std::int64_t launch_id = 0;
  std::string start_time;
  double start_unix = 0;
  std::string gilbench_version, git_revision, compiler, cxx_flags;
  std::string mpi_library, mpi_version, mpi_thread_level, hdf5_version, openmp_version;
  std::string cpu_model, kernel, governor, smt;
  double cpu_mhz = 0, loadavg = 0, timer_resolution_s = 0;
  std::string hosts, command_line, env_omp, env_slurm;
  std::int32_t ranks = 1, allowed_cpus = 0;
  std::uint8_t oversubscribed = 0, shared_cores = 0;
  double count_auto_s = 0, calibrated_rate = 0;
  std::string exit_status = "complete";
  std::int32_t rounds_written = 0;
  double gather_s = 0;  ///< rank 0's time in the sample gathers of all runs
  double write_s = 0;   ///< rank 0's time appending rounds to the file
  // Slurm
  std::string slurm_job_id, slurm_array_job_id, slurm_array_task_id, slurm_step_id, slurm_nodelist,
      slurm_partition;
  std::int32_t slurm_ntasks = 0, slurm_cpus_per_task = 0;
};

struct RunRecord {
  std::int64_t run_id = 0, launch_id = 0;
  std::int32_t config_id = 0, ranks = 1, threads = 1;
  std::string lock = "none", lock_scope = "rank", scaling = "strong";
  double switch_interval_s = 0;
  std::int64_t check_interval = 0, tick_iterations = 0;
  std::uint64_t count = 0;
  std::int32_t repetition = 0, round = 0;
  std::uint8_t warmup = 0, valid = 0, oversubscribed = 0, shared_cores = 0;
  double wall_s = 0, start_s = 0;
  std::int32_t interpreters = 1;
  double probe_period_s = 0;  ///< 0: no latency probe
  double cpu_s = 0;           ///< CPU time of every worker (and the probe) of the run
};

/// One worker's measurements in one run. Trivially copyable: gathered with MPI as bytes.
struct Sample {
  std::int64_t run_id = 0;
  std::int32_t rank = 0, thread = 0;
  std::int32_t interpreter = 0;  ///< emulated interpreter (lock) of this thread
  char host[64] = {};
  char allowed_cpus[256] = {};
  std::int32_t n_allowed = 0, cpu_start = -1, cpu_end = -1;
  std::uint64_t iterations = 0;
  double wall_s = 0, cpu_s = 0;
  gil::Counters lock;
};

/// One latency-probe event (--probe): times since the start of the run.
struct LatencyRecord {
  std::int64_t run_id = 0;
  std::int32_t rank = 0, interpreter = 0;
  std::uint64_t event = 0;
  double sent_s = 0, woke_s = 0, acquired_s = 0;
  double latency_s = 0;  ///< acquired - sent: what a Python I/O thread waits
  double wake_s = 0;     ///< woke - sent: OS wake-up cost
  double queue_s = 0;    ///< acquired - woke: waiting for the lock behind the CPU threads
};

/// One lock event of the --trace window, with the worker that made it.
struct TraceRecord {
  std::int64_t run_id = 0;
  std::int32_t rank = 0, thread = 0;
  double t_s = 0;          ///< since the start of the run
  std::uint8_t event = 0;  ///< gil::EventKind
};

}  // namespace gilbench
