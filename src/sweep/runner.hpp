#pragma once
// One run: every rank × thread counts its share under the configuration's lock, started together
// (MPI barrier, then OpenMP barrier), each timing itself. Samples are gathered to rank 0.
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "gil/lock.hpp"
#include "machine/binding.hpp"
#include "sweep/plan.hpp"
#include "results/schema.hpp"

namespace gilbench {

class LatencyProbe;
namespace python {
class Interpreter;
}

struct RunOutcome {
  RunRecord run;                       ///< complete on rank 0 only
  std::vector<Sample> samples;         ///< rank 0: every worker of every rank, rank-major
  std::vector<TraceRecord> trace;      ///< rank 0: all ranks' trace events (when --trace)
  std::vector<LatencyRecord> latency;  ///< rank 0: all ranks' probe events (when --probe)
  std::uint64_t probe_sent = 0;        ///< rank 0: probe events sent, summed over ranks
  std::uint64_t probe_coalesced = 0;   ///< rank 0: probe deadlines skipped (sender behind), summed
  double gather_s = 0;                 ///< time this rank spent in the gathers after the run
  bool stopped = false;                ///< rank 0: some rank's stop flag was set when its workers ended
  bool raised = false;                 ///< rank 0: Python raised on some rank (kernel or probe handler): INVALID
  std::string unpinned_reason;         ///< why --bind left rank 0's workers unpinned (empty: pinned)
};

/// Thread t of a rank belongs to interpreter t % K, with local id t / K in that interpreter's lock.
inline int interpreter_of(int thread, int interpreters) { return thread % interpreters; }
inline int local_id(int thread, int interpreters) { return thread / interpreters; }
/// Threads of interpreter i when T threads are dealt over K interpreters.
inline int threads_in(int interpreter, int threads, int interpreters) {
  return threads / interpreters + (interpreter < threads % interpreters ? 1 : 0);
}

class Runner {
 public:
  /// `stop` (may be null: never): once set, a run in flight stops at its workers' next poll and
  /// is recorded with status "interrupted" (RunRecord::status), counting the iterations done.
  /// `py`: the embedded interpreter of the python configurations (null when none runs).
  Runner(const Config& cfg, MPI_Comm comm, std::chrono::steady_clock::time_point launch_start,
         const std::atomic<bool>* stop = nullptr, const python::Interpreter* py = nullptr);

  /// Collective: every rank calls it with the same arguments.
  RunOutcome run(const RunConfig& rc, const PlannedRun& pr, std::int64_t run_id, std::int64_t launch_id);

 private:
  struct RankWork;

  std::vector<std::unique_ptr<gil::Lock>> make_locks(const RunConfig& rc, const gil::TraceOptions& topt) const;
  /// The OpenMP team of either kernel: every worker pinned (--bind), named in its sample, given
  /// its share; after a barrier, `count(tid, sample, share)` timed (wall, CPU, CPUs at both ends).
  void run_team(const RunConfig& rc, std::int64_t run_id, RankWork& work,
                const std::function<void(int, Sample&, std::uint64_t)>& count) const;
  /// The OpenMP team: every worker counts its share under its interpreter's lock, timing itself.
  void run_workers(const RunConfig& rc, std::int64_t run_id, std::vector<std::unique_ptr<gil::Lock>>& locks,
                   RankWork& work) const;
  /// The python kernel: every worker attaches to the interpreter, counts its share, detaches.
  void run_python_workers(const RunConfig& rc, std::int64_t run_id, RankWork& work) const;
  void stop_probe(LatencyProbe& probe, std::int64_t run_id, RankWork& work) const;
  /// Collective: this rank's samples, trace and probe events to rank 0.
  RunOutcome gather(std::int64_t run_id, RankWork& work) const;
  /// Rank 0: the run's record, from the configuration and every rank's samples.
  void describe_run(const RunConfig& rc, const PlannedRun& pr, std::int64_t run_id, std::int64_t launch_id,
                    const RankWork& work, RunOutcome& out) const;

  const Config& cfg_;
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  std::chrono::steady_clock::time_point launch_start_;
  const std::atomic<bool>* stop_;
  const python::Interpreter* py_;
  std::string host_;
  std::vector<int> rank_cpus_;  ///< the rank's allowed CPUs at the start, before any pinning
  binding::Environment bind_env_;
  binding::Place place_;  ///< this rank among the ranks of its host
};

/// Workers of a run that share a CPU: two workers on one host pinned to the same single CPU, or
/// started on the same CPU (cpu_start is read right after the OpenMP barrier, while every worker
/// is running: only the start counts, since threads under a GIL legitimately take turns on one
/// CPU later). Pure (unit-tested).
bool shares_cpus(const std::vector<Sample>& samples);

/// More workers on some host than CPUs they may use there (the union of their allowed sets).
bool oversubscribed(const std::vector<Sample>& samples);

/// Sequential kernel rate (iterations/s) measured for about `seconds` on the calling thread.
double measure_kernel_rate(double seconds);

/// Throws Error(runtime) when the countdown runs impossibly fast (optimised away).
void kernel_self_check();

}  // namespace gilbench
