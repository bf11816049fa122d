#include "sweep/runner.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "machine/affinity.hpp"
#include "machine/provenance.hpp"
#include "app/exit_codes.hpp"
#include "app/mpi_errors.hpp"
#include "gil/job_lock.hpp"
#include "python/interpreter.hpp"
#include "python/probe_holder.hpp"
#include "python/stop_watch.hpp"
#include "sweep/kernel.hpp"
#include "sweep/probe.hpp"
#include "sweep/work.hpp"

namespace gilbench {
namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Voluntary and involuntary context switches of the calling thread so far.
std::pair<std::int64_t, std::int64_t> thread_switches() {
  rusage ru{};
  if (getrusage(RUSAGE_THREAD, &ru) != 0) return {-1, -1};
  return {ru.ru_nvcsw, ru.ru_nivcsw};
}

/// Gathers `mine` (same count on every rank) to rank 0.
template <class T>
std::vector<T> gather_fixed(const std::vector<T>& mine, MPI_Comm comm, int rank, int size) {
  std::vector<T> all(rank == 0 ? mine.size() * static_cast<std::size_t>(size) : 0);
  const int bytes = static_cast<int>(mine.size() * sizeof(T));
  MPI_Gather(mine.data(), bytes, MPI_BYTE, all.data(), bytes, MPI_BYTE, 0, comm);
  return all;
}

/// Gathers a different count of `T` from every rank to rank 0.
template <class T>
std::vector<T> gather_varying(const std::vector<T>& mine, MPI_Comm comm, int rank, int size) {
  int bytes = static_cast<int>(mine.size() * sizeof(T));
  std::vector<int> counts(rank == 0 ? static_cast<std::size_t>(size) : 0), displs;
  MPI_Gather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm);
  std::vector<T> all;
  if (rank == 0) {
    displs.resize(counts.size());
    int total = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) displs[i] = total, total += counts[i];
    all.resize(static_cast<std::size_t>(total) / sizeof(T));
  }
  MPI_Gatherv(mine.data(), bytes, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, 0, comm);
  return all;
}

}  // namespace

Runner::Runner(const Config& cfg, MPI_Comm comm, std::chrono::steady_clock::time_point launch_start,
               const std::atomic<bool>* stop, const python::Interpreter* py)
    : cfg_(cfg),
      comm_(comm),
      launch_start_(launch_start),
      stop_(stop),
      py_(py),
      host_(provenance::hostname()),
      rank_cpus_(affinity::allowed_cpus()),
      bind_env_(binding::read_environment()) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  MPI_Comm host;  // the ranks of this host: where this rank's workers go among theirs
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &host);
  MPI_Comm_rank(host, &place_.local_rank);
  MPI_Comm_size(host, &place_.local_ranks);
  MPI_Comm_free(&host);
}

namespace {

/// Pins the calling worker `tid` to its CPU of `pins`: that CPU, or -1 when it stays unpinned.
std::int32_t pin_worker(const binding::Plan& pins, int tid) {
  if (!pins.pinned() || tid >= static_cast<int>(pins.cpus.size())) return -1;
  const int cpu = pins.cpus[static_cast<std::size_t>(tid)];
  return binding::pin_current_thread({cpu}) ? cpu : -1;
}

gil::Params lock_params(const RunConfig& rc, const Config& cfg, const std::atomic<bool>* stop) {
  gil::Params params;
  params.policy = rc.lock;
  params.stop = stop;
  if (rc.lock == gil::Policy::gil) params.switch_interval = rc.switch_interval;
  if (rc.lock == gil::Policy::legacy_gil) params.check_interval = rc.check_interval;
  params.tick_iterations = cfg.tick_iterations;
  if (cfg.iteration_ns > 0) params.iteration_ns = cfg.iteration_ns;  // measured at start-up
  return params;
}

/// --probe with the python kernel: the probe thread takes the real GIL of the main interpreter
/// (python/probe_holder.hpp); null without --probe. `holder` is set to the probe's holder.
std::unique_ptr<LatencyProbe> start_python_probe(const Config& cfg, const python::Interpreter& py,
                                                 std::chrono::steady_clock::time_point epoch,
                                                 python::RealGilHolder*& holder) {
  holder = nullptr;
  if (cfg.probe_period.count() <= 0) return nullptr;
  auto h = std::make_unique<python::RealGilHolder>(py, cfg.probe_python_iterations);
  holder = h.get();
  return std::make_unique<LatencyProbe>(std::move(h), cfg.probe_period, epoch);
}

}  // namespace

/// This rank's part of one run, before the gathers.
struct Runner::RankWork {
  explicit RankWork(int threads)
      : samples(static_cast<std::size_t>(threads)), events(static_cast<std::size_t>(threads)) {}
  std::vector<Sample> samples;
  std::vector<std::vector<gil::TraceEvent>> events;  // per OpenMP thread
  std::vector<gil::TraceEvent> probe_events;         // the latency probe thread's
  std::vector<LatencyRecord> latency;
  double probe_cpu = 0;
  std::uint64_t probe_sent = 0;
  std::uint64_t probe_coalesced = 0;
  std::string lock_transport;       // --lock-scope job: the path the lock took (job_lock_transport)
  std::string failure;              // a lock's exception, from any worker
  std::string unpinned_reason;      // why --bind left the workers where they were (empty: pinned)
  std::string python_error;         // a Python exception in the kernel (the run is INVALID, not aborted)
  double switch_interval_s = 0;     // python: sys.getswitchinterval() in force
  std::int64_t check_interval = 0;  // python: sys.getcheckinterval() in force
  int stopped = 0;                  // the stop flag was set when the workers ended (1) or not (0)
  int team_size = 0;
  std::chrono::steady_clock::time_point start{};
};

RunOutcome Runner::run(const RunConfig& rc, const PlannedRun& pr, std::int64_t run_id, std::int64_t launch_id) {
  RankWork work(rc.threads);
  if (rc.kernel == Kernel::python) {
    if (py_ == nullptr) throw Error(ExitCode::runtime, "python configuration without an interpreter");
    if (py_->interpreters() != cfg_.interpreters)
      throw Error(ExitCode::runtime, "--interpreters " + std::to_string(cfg_.interpreters) +
                                         ": the embedded CPython has " + std::to_string(py_->interpreters()) +
                                         " interpreters");
    // A fresh countdown, and the interval in force set and read back, outside the timed region.
    py_->renew_kernel();
    if (rc.switch_interval.count() > 0)
      work.switch_interval_s = py_->set_switch_interval(static_cast<double>(rc.switch_interval.count()) * 1e-9);
    if (rc.check_interval > 0) work.check_interval = py_->set_check_interval(rc.check_interval);
    MPI_Barrier(comm_);
    work.start = std::chrono::steady_clock::now();
    MPI_Barrier(comm_);
    python::RealGilHolder* real_gil = nullptr;
    std::unique_ptr<LatencyProbe> probe = start_python_probe(cfg_, *py_, work.start, real_gil);
    run_python_workers(rc, run_id, work);
    work.stopped = stop_ != nullptr && stop_->load(std::memory_order_relaxed) ? 1 : 0;
    if (probe) {
      stop_probe(*probe, run_id, work);
      if (!real_gil->error().empty() && work.python_error.empty())
        work.python_error = "the latency probe's handler: " + real_gil->error();
      probe.reset();
    }
    if (work.team_size != rc.threads)
      throw Error(ExitCode::runtime, "OpenMP gave " + std::to_string(work.team_size) + " threads instead of " +
                                         std::to_string(rc.threads) + " (OMP_DYNAMIC or OMP_THREAD_LIMIT?)");
    if (!work.python_error.empty())
      std::fprintf(stderr, "gilbench: rank %d: Python raised in the python kernel (run INVALID): %s\n", rank_,
                   work.python_error.c_str());
    mpi_errors::provoke_if_asked(comm_);
    RunOutcome out = gather(run_id, work);
    if (rank_ == 0) describe_run(rc, pr, run_id, launch_id, work, out);
    return out;
  }
  MPI_Barrier(comm_);
  const auto run_start = work.start = std::chrono::steady_clock::now();
  gil::TraceOptions topt;
  topt.enabled = cfg_.trace;
  topt.window_s = cfg_.trace_window_s;
  topt.max_events = cfg_.trace_max_events;
  topt.epoch = run_start;
  std::vector<std::unique_ptr<gil::Lock>> locks = make_locks(rc, topt);
  if (!locks.empty()) work.lock_transport = std::string(gil::job_lock_transport(*locks[0]));
  MPI_Barrier(comm_);
  std::unique_ptr<LatencyProbe> probe;
  if (cfg_.probe_period.count() > 0)
    probe = std::make_unique<LatencyProbe>(locks[0].get(), threads_in(0, rc.threads, cfg_.interpreters),
                                           cfg_.probe_period, run_start, cfg_.trace, cfg_.probe_work);
  run_workers(rc, run_id, locks, work);
  work.stopped = stop_ != nullptr && stop_->load(std::memory_order_relaxed) ? 1 : 0;
  if (work.team_size != rc.threads)
    throw Error(ExitCode::runtime, "OpenMP gave " + std::to_string(work.team_size) + " threads instead of " +
                                       std::to_string(rc.threads) + " (OMP_DYNAMIC or OMP_THREAD_LIMIT?)");
  if (!work.failure.empty())
    throw Error(ExitCode::runtime, "lock failure on rank " + std::to_string(rank_) + ": " + work.failure);
  if (probe) {
    stop_probe(*probe, run_id, work);
    probe.reset();
  }
  locks.clear();  // job scope: collective shutdown of the lock server
  mpi_errors::provoke_if_asked(comm_);
  RunOutcome out = gather(run_id, work);
  if (rank_ == 0) describe_run(rc, pr, run_id, launch_id, work, out);
  return out;
}

std::vector<std::unique_ptr<gil::Lock>> Runner::make_locks(const RunConfig& rc, const gil::TraceOptions& topt) const {
  const gil::Params params = lock_params(rc, cfg_, stop_);
  std::vector<std::unique_ptr<gil::Lock>> locks;
  if (cfg_.lock_scope == LockScope::job && rc.lock != gil::Policy::none) {
    locks.push_back(gil::make_job_lock(params, comm_, rc.threads, topt, {}, cfg_.job_lock));
    return locks;
  }
  // One lock per emulated interpreter; the latency probe is one more thread of interpreter 0.
  const bool probing = cfg_.probe_period.count() > 0;
  for (int i = 0; i < cfg_.interpreters; ++i) {
    const int users = threads_in(i, rc.threads, cfg_.interpreters) + (probing && i == 0 ? 1 : 0);
    locks.push_back(gil::make_lock(params, users, topt));
  }
  return locks;
}

void Runner::run_team(const RunConfig& rc, std::int64_t run_id, RankWork& work,
                      const std::function<void(int, Sample&, std::uint64_t)>& count) const {
  const int threads = rc.threads;
  work.team_size = threads;
  const binding::Plan pins = binding::plan(cfg_.bind, bind_env_, rank_cpus_, threads, place_);
  work.unpinned_reason = pins.pinned() ? "" : pins.reason;
#pragma omp parallel num_threads(threads) default(shared)
  {
    const int tid = omp_get_thread_num();
#pragma omp single
    work.team_size = omp_get_num_threads();
    Sample& s = work.samples[static_cast<std::size_t>(tid)];
    s.bound_cpu = pin_worker(pins, tid);
    s.run_id = run_id;
    s.rank = rank_;
    s.thread = tid;
    s.interpreter = interpreter_of(tid, cfg_.interpreters);
    s.host = host_;
    const std::vector<int> my_allowed = affinity::allowed_cpus();
    s.allowed_cpus = affinity::to_list(my_allowed);
    s.n_allowed = static_cast<std::int32_t>(my_allowed.size());
    const std::uint64_t share = worker_share(rc.count, cfg_.scaling, size_, threads, rank_, tid);
#pragma omp barrier
    if (work.team_size == threads) {
      s.cpu_start = affinity::current_cpu();
      const double c0 = thread_cpu_seconds();
      const auto t0 = std::chrono::steady_clock::now();
      count(tid, s, share);
      const auto t1 = std::chrono::steady_clock::now();
      s.cpu_s = thread_cpu_seconds() - c0;
      s.wall_s = std::chrono::duration<double>(t1 - t0).count();
      s.cpu_end = affinity::current_cpu();
    }
  }
  // The main thread is worker 0: back to the rank's CPUs, so that the probe and lock-server
  // threads it starts later are not tied to worker 0's CPU.
  if (pins.pinned()) binding::pin_current_thread(rank_cpus_);
}

void Runner::run_workers(const RunConfig& rc, std::int64_t run_id, std::vector<std::unique_ptr<gil::Lock>>& locks,
                         RankWork& work) const {
  run_team(rc, run_id, work, [&](int tid, Sample& s, std::uint64_t share) {
    gil::Lock& lock = *locks[static_cast<std::size_t>(s.interpreter)];
    std::vector<gil::TraceEvent>* trace = cfg_.trace ? &work.events[static_cast<std::size_t>(tid)] : nullptr;
    try {
      s.iterations = lock.run(local_id(tid, cfg_.interpreters), share, s.lock, trace);
    } catch (const std::exception& e) {
#pragma omp critical(gilbench_failure)
      work.failure = e.what();
    }
  });
}

void Runner::run_python_workers(const RunConfig& rc, std::int64_t run_id, RankWork& work) const {
  python::StopWatch watch(*py_, stop_, rc.threads);  // a stop request: KeyboardInterrupt in the workers
  run_team(rc, run_id, work, [&](int tid, Sample& s, std::uint64_t share) {
    std::string error;
    const auto [v0, i0] = thread_switches();
    watch.started(tid, s.interpreter);
    // takes the GIL of the thread's interpreter (t % K: 0 the main one, the others a GIL each), counts, lets it go
    s.iterations = py_->count_in(s.interpreter, share, error);
    watch.finished(tid);
    if (!error.empty() && watch.interrupted(tid) && error.find("KeyboardInterrupt") != std::string::npos) {
      s.iterations = 0;  // stopped mid-call: what it counted is unknown; the run is "interrupted"
      error.clear();
    }
    const auto [v1, i1] = thread_switches();
    // As the native locks measure them (gil/detail.hpp): the real GIL's convoy shows here.
    if (v0 >= 0 && v1 >= v0) s.lock.ctx_voluntary = static_cast<std::uint64_t>(v1 - v0);
    if (i0 >= 0 && i1 >= i0) s.lock.ctx_involuntary = static_cast<std::uint64_t>(i1 - i0);
    if (!error.empty()) {
#pragma omp critical(gilbench_failure)
      work.python_error = "thread " + std::to_string(tid) + ": " + error;
    }
  });
}

void Runner::stop_probe(LatencyProbe& probe, std::int64_t run_id, RankWork& work) const {
  probe.stop();
  work.probe_cpu = probe.cpu_s();
  work.probe_sent = probe.sent();
  work.probe_coalesced = probe.coalesced();
  work.probe_events = probe.trace();
  for (const ProbeEvent& e : probe.events())
    work.latency.push_back(LatencyRecord{run_id, rank_, 0, e.event, e.sent_s, e.woke_s, e.acquired_s,
                                         e.acquired_s - e.sent_s, e.woke_s - e.sent_s, e.acquired_s - e.woke_s});
}

RunOutcome Runner::gather(std::int64_t run_id, RankWork& work) const {
  // A trace event names its thread inside its interpreter's lock; the record names the OpenMP
  // thread, and the probe thread by the number after the last worker's, with role "probe".
  std::vector<TraceRecord> my_trace;
  for (std::size_t t = 0; t < work.events.size(); ++t)
    for (const gil::TraceEvent& e : work.events[t])
      my_trace.push_back(
          TraceRecord{run_id, rank_, static_cast<std::int32_t>(t), e.t_s, static_cast<std::uint8_t>(e.kind), "worker"});
  for (const gil::TraceEvent& e : work.probe_events)
    my_trace.push_back(TraceRecord{run_id, rank_, static_cast<std::int32_t>(work.events.size()), e.t_s,
                                   static_cast<std::uint8_t>(e.kind), "probe"});

  RunOutcome out;
  const auto g0 = std::chrono::steady_clock::now();
  out.samples = gather_fixed(work.samples, comm_, rank_, size_);
  int flags[2] = {work.stopped, work.python_error.empty() ? 0 : 1}, any[2] = {0, 0};
  MPI_Reduce(flags, any, 2, MPI_INT, MPI_MAX, 0, comm_);
  out.stopped = any[0] != 0;
  out.raised = any[1] != 0;
  if (cfg_.trace) out.trace = gather_varying(my_trace, comm_, rank_, size_);
  if (cfg_.probe_period.count() > 0) {
    out.latency = gather_varying(work.latency, comm_, rank_, size_);
    MPI_Reduce(&work.probe_sent, &out.probe_sent, 1, MPI_UINT64_T, MPI_SUM, 0, comm_);
    MPI_Reduce(&work.probe_coalesced, &out.probe_coalesced, 1, MPI_UINT64_T, MPI_SUM, 0, comm_);
    MPI_Reduce(rank_ == 0 ? MPI_IN_PLACE : &work.probe_cpu, &work.probe_cpu, 1, MPI_DOUBLE, MPI_SUM, 0, comm_);
  }
  out.gather_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
  return out;
}

void Runner::describe_run(const RunConfig& rc, const PlannedRun& pr, std::int64_t run_id, std::int64_t launch_id,
                          const RankWork& work, RunOutcome& out) const {
  for (Sample& s : out.samples) s.run_id = run_id;
  const bool probing = cfg_.probe_period.count() > 0;
  RunRecord& r = out.run;
  r.run_id = run_id;
  r.launch_id = launch_id;
  r.config_id = rc.id;
  r.ranks = size_;
  r.threads = rc.threads;
  const bool python = rc.kernel == Kernel::python;
  r.kernel = python ? "python" : "native";
  r.lock = python ? std::string(py_->info().lock()) : std::string(gil::to_string(rc.lock));
  r.lock_scope = !python && cfg_.lock_scope == LockScope::job ? "job" : "rank";
  r.lock_transport = work.lock_transport;
  r.scaling = cfg_.scaling == Scaling::weak ? "weak" : "strong";
  // native gil: the interval in force (CPython's: whole µs, >= 1 µs), which is what the lock waits
  r.switch_interval_s = python ? work.switch_interval_s
                        : rc.lock == gil::Policy::gil
                            ? static_cast<double>(gil::in_force_switch_interval(rc.switch_interval).count()) * 1e-9
                            : static_cast<double>(rc.switch_interval.count()) * 1e-9;
  r.check_interval = python ? work.check_interval : rc.check_interval;
  r.tick_iterations = !python && rc.lock == gil::Policy::legacy_gil ? cfg_.tick_iterations : 0;
  r.count = run_total(rc.count, cfg_.scaling, size_, rc.threads);
  r.repetition = pr.repetition;
  r.round = pr.round;
  r.warmup = pr.warmup ? 1 : 0;
  r.start_s = std::chrono::duration<double>(work.start - launch_start_).count();
  std::uint64_t done = 0;
  bool within_shares = true;  // no worker counted more than its share
  for (const Sample& s : out.samples) {
    done += s.iterations;
    within_shares = within_shares &&
                    s.iterations <= worker_share(rc.count, cfg_.scaling, size_, rc.threads, s.rank, s.thread);
    r.wall_s = std::max(r.wall_s, s.wall_s);
  }
  // Stopped after --stop-grace with work left: interrupted, not INVALID; the samples' iterations
  // say how much was done. Otherwise every worker must have counted its share exactly.
  const bool interrupted = out.stopped && done < r.count && within_shares && !out.raised;
  r.status = interrupted ? "interrupted" : "complete";
  const bool all_events = !probing || out.latency.size() == out.probe_sent;
  r.valid = (interrupted || done == r.count) && all_events && !out.raised ? 1 : 0;
  r.interpreters = cfg_.interpreters;
  r.probe_period_s = static_cast<double>(cfg_.probe_period.count()) * 1e-9;
  r.probe_work_s = cfg_.probe_period.count() > 0 ? static_cast<double>(cfg_.probe_work.count()) * 1e-9 : 0.0;
  r.cpu_s = work.probe_cpu;  // summed over ranks by gather()
  for (const Sample& s : out.samples) r.cpu_s += s.cpu_s;
  r.oversubscribed = oversubscribed(out.samples) ? 1 : 0;
  r.shared_cores = shares_cpus(out.samples) ? 1 : 0;
  bool pinned = !out.samples.empty();
  for (const Sample& s : out.samples) pinned = pinned && s.bound_cpu >= 0;
  r.bind = pinned ? "cores" : "none";
  out.unpinned_reason = work.unpinned_reason;
}

bool shares_cpus(const std::vector<Sample>& samples) {
  std::set<std::pair<std::string, int>> pinned, stayed;
  for (const Sample& s : samples) {
    const std::string host = s.host.str();
    if (s.n_allowed == 1 && !pinned.insert({host, std::atoi(s.allowed_cpus.c_str())}).second) return true;
    if (s.cpu_start >= 0 && !stayed.insert({host, s.cpu_start}).second) return true;
  }
  return false;
}

bool oversubscribed(const std::vector<Sample>& samples) {
  std::map<std::string, std::pair<int, std::set<int>>> per_host;  // workers, union of allowed CPUs
  for (const Sample& s : samples) {
    auto& [workers, cpus] = per_host[s.host.str()];
    ++workers;
    for (int c : affinity::parse_list(s.allowed_cpus.str())) cpus.insert(c);
  }
  for (const auto& [host, entry] : per_host)
    if (entry.first > static_cast<int>(entry.second.size())) return true;
  return false;
}

double measure_kernel_rate(double seconds) {
  std::uint64_t n = 1 << 20, total = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    total += countdown(n);
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (elapsed < seconds / 8) n *= 2;
  }
  return static_cast<double>(total) / elapsed;
}

void kernel_self_check() {
  // 2^26 iterations take ~20 ms at one per cycle. A folded loop takes nanoseconds: anything
  // faster than 20 iterations per nanosecond (~8 per cycle at 2.5 GHz) cannot be real.
  constexpr std::uint64_t n = std::uint64_t{1} << 26;
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t done = countdown(n);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (done != n)
    throw Error(ExitCode::runtime,
                "kernel self-check: countdown(" + std::to_string(n) + ") returned " + std::to_string(done));
  if (s < static_cast<double>(n) / 20e9)
    throw Error(ExitCode::runtime, "kernel self-check: the countdown loop was optimised away (" + std::to_string(s) +
                                       " s for 2^26 iterations); refusing to report timings");
}

}  // namespace gilbench
