// init → parse → check output → calibrate → sweep (run, gather, append each round) → verify →
// summary → exit code. Only rank 0 talks; every rank leaves with the same exit code.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>  // environ

#include "machine/affinity.hpp"
#include "app/agreement.hpp"
#include "app/cli.hpp"
#include "app/long_run.hpp"
#include "app/short_run.hpp"
#include "app/config.hpp"
#include "machine/provenance.hpp"
#include "app/exit_codes.hpp"
#include "app/interruption.hpp"
#include "app/mpi_errors.hpp"
#include "python/interpreter.hpp"
#include "python/library.hpp"
#include "python/probe_holder.hpp"
#include "python/trial.hpp"
#include "results/h5_store.hpp"
#include "sweep/plan.hpp"
#include "app/progress.hpp"
#include "results/schema.hpp"
#include "sweep/runner.hpp"
#include "sweep/work.hpp"
#include "app/signals.hpp"
#include "app/std_streams.hpp"
#include "report/summary.hpp"
#include "app/units.hpp"

namespace gilbench {
namespace {

/// Rank 0's status, shared with every rank; on failure rank 0 prints the message and everyone
/// leaves through MPI_Finalize with the code (no MPI_Abort banner for bad input).
int agree(MPI_Comm comm, int rank, ExitCode code, const std::string& message) {
  int c = static_cast<int>(code);
  MPI_Bcast(&c, 1, MPI_INT, 0, comm);
  if (c != 0 && rank == 0) std::fprintf(stderr, "gilbench: %s\n", message.c_str());
  return c;
}

std::string hosts_of_all_ranks(MPI_Comm comm, int rank, int size) {
  char mine[64] = {};
  std::strncpy(mine, provenance::hostname().c_str(), sizeof mine - 1);
  std::vector<char> all(rank == 0 ? 64 * static_cast<std::size_t>(size) : 0);
  MPI_Gather(mine, 64, MPI_CHAR, all.data(), 64, MPI_CHAR, 0, comm);
  std::vector<std::string> hosts;
  for (int r = 0; rank == 0 && r < size; ++r) {
    std::string h(all.data() + 64 * r);
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  }
  std::string out;
  for (const auto& h : hosts) out += (out.empty() ? "" : ",") + h;
  return out;
}

std::string join_threads(const std::vector<int>& t) {
  std::string s;
  for (int v : t) s += (s.empty() ? "" : ",") + std::to_string(v);
  return s;
}

std::string join_locks(const std::vector<gil::Policy>& locks) {
  std::string s;
  for (auto p : locks) s += (s.empty() ? "" : ",") + std::string(gil::to_string(p));
  return s;
}

/// This process's place in the job, and the thread level MPI granted.
struct World {
  MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0, size = 1, provided = MPI_THREAD_SINGLE;
};

World init_mpi(int& argc, char**& argv, bool job_scope) {
  World w;
  MPI_Init_thread(&argc, &argv, job_scope ? MPI_THREAD_MULTIPLE : MPI_THREAD_FUNNELED, &w.provided);
  // Test hook: pretend the MPI library granted less (to exercise the refusal of job scope).
  if (const char* cap = std::getenv("GILBENCH_TEST_THREAD_LEVEL"); cap != nullptr && std::string(cap) == "funneled")
    w.provided = std::min(w.provided, static_cast<int>(MPI_THREAD_FUNNELED));
  mpi_errors::install(w.comm);  // an MPI error: one line, exit 6 (never MPI's own code, never a hang)
  MPI_Comm_rank(w.comm, &w.rank);
  MPI_Comm_size(w.comm, &w.size);
  return w;
}

/// --job-lock shm with ranks on more than one node: usage error (2) on every rank, before any
/// run (MPI_COMM_TYPE_SHARED gives every rank the same answer); else 0.
int check_job_lock_path(const World& w, bool job_scope, gil::JobPath path) {
  if (!job_scope || path != gil::JobPath::shm) return 0;
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(w.comm, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &node);
  int node_size = 0;
  MPI_Comm_size(node, &node_size);
  MPI_Comm_free(&node);
  if (node_size == w.size) return 0;
  if (w.rank == 0)
    std::fprintf(stderr, "gilbench: --job-lock shm: the ranks are on more than one node (use auto or messages)\n");
  return static_cast<int>(ExitCode::usage);
}

/// The exit code when MPI's thread level is too low for the run, else 0.
int check_thread_level(const World& w, bool job_scope) {
  if (job_scope && w.provided < MPI_THREAD_MULTIPLE) {
    if (w.rank == 0)
      std::fprintf(stderr, "gilbench: --lock-scope job needs MPI_THREAD_MULTIPLE, but this MPI granted only %s\n",
                   provenance::thread_level_name(w.provided).c_str());
    return static_cast<int>(ExitCode::usage);
  }
  if (w.provided < MPI_THREAD_FUNNELED) {
    if (w.rank == 0)
      std::fprintf(stderr, "gilbench: this MPI granted %s; OpenMP threads need at least MPI_THREAD_FUNNELED\n",
                   provenance::thread_level_name(w.provided).c_str());
    return static_cast<int>(ExitCode::runtime);
  }
  return 0;
}

/// Weak scaling multiplies --count by every rank's threads: refuse a total that overflows.
int check_work(const World& w, const Config& cfg) {
  for (int t : cfg.threads)
    if (!fits_in_a_run(cfg.count, cfg.scaling, w.size, t)) {
      if (w.rank == 0)
        std::fprintf(stderr,
                     "gilbench: --count: %llu per worker x %d ranks x %d threads overflows 64 bits (weak scaling)\n",
                     static_cast<unsigned long long>(cfg.count), w.size, t);
      return static_cast<int>(ExitCode::usage);
    }
  return 0;
}

/// Results file: checked (and locked) on rank 0 before any work, never modified when refused.
int open_store(const World& w, const Config& cfg, std::unique_ptr<ResultsStore>& store) {
  ExitCode code = ExitCode::ok;
  std::string message;
  if (w.rank == 0) {
    try {
      store = std::make_unique<ResultsStore>(cfg.output);
    } catch (const Error& e) {
      code = e.code();
      message = e.what();
    }
  }
  return agree(w.comm, w.rank, code, message);
}

/// Kernel self-check on every rank: the exit code if any rank's loop was optimised away, else 0.
int self_check(const World& w) {
  int bad = 0;
  std::string message;
  try {
    kernel_self_check();
  } catch (const Error& e) {
    bad = 1;
    message = e.what();
  }
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, w.comm);
  if (!bad) return 0;
  if (!message.empty()) std::fprintf(stderr, "gilbench: rank %d: %s\n", w.rank, message.c_str());
  return static_cast<int>(ExitCode::runtime);
}

bool runs_kernel(const Config& cfg, Kernel k) {
  return std::find(cfg.kernels.begin(), cfg.kernels.end(), k) != cfg.kernels.end();
}

/// The python kernel's interpreter, found and tried before MPI_Init (a failed start aborts the
/// process it happens in: the trial's is a child). Empty `error` when no python kernel runs.
struct PythonChoice {
  python::Location where;
  python::Info info;
  int interpreters = 1;  ///< --interpreters: the main one and interpreters - 1 own-GIL subinterpreters (3.12+)
  ExitCode code = ExitCode::ok;
  std::string error;
};

PythonChoice choose_python(const ParseResult& parsed) {
  PythonChoice c;
  if (parsed.action != ParseResult::Action::run || !runs_kernel(parsed.config, Kernel::python)) return c;
  try {
    c.where = python::locate(parsed.config.python);
    c.interpreters = parsed.config.interpreters;
    c.info = python::trial_start(c.where, c.interpreters);
  } catch (const Error& e) {
    c.code = e.code();
    c.error = e.what();
    return c;
  }
  // What the loaded version cannot honour (exit 2).
  const Config& cfg = parsed.config;
  const std::string v = "CPython " + c.info.version;
  if (c.info.major == 2 && cfg.switch_interval_given && !runs_kernel(cfg, Kernel::native))
    c.error = "--switch-interval: " + v + " has no switch interval (it switches every --check-interval ticks)";
  else if (c.info.major == 3 && cfg.check_interval_given && !runs_kernel(cfg, Kernel::native))
    c.error = "--check-interval: " + v + " has no check interval (sys.setcheckinterval is gone; use --switch-interval)";
  else if (cfg.interpreters > 1 && (c.info.major < 3 || c.info.minor < 12))
    c.error = "--interpreters " + std::to_string(cfg.interpreters) + ": subinterpreters with their own GIL need " +
              "CPython 3.12 or later, not " + v;
  if (!c.error.empty()) c.code = ExitCode::usage;
  return c;
}

/// Collective: every rank's python choice must have worked; else the first failing one's line.
int agree_on_python(const World& w, const PythonChoice& c) {
  int code = static_cast<int>(c.code), rank0 = code;
  MPI_Bcast(&rank0, 1, MPI_INT, 0, w.comm);
  int worst = 0;
  MPI_Allreduce(&code, &worst, 1, MPI_INT, MPI_MAX, w.comm);
  if (worst == 0) return 0;
  if (w.rank == 0 && code != 0) std::fprintf(stderr, "gilbench: %s\n", c.error.c_str());
  if (w.rank != 0 && rank0 == 0 && code != 0) std::fprintf(stderr, "gilbench: rank %d: %s\n", w.rank, c.error.c_str());
  return rank0 != 0 ? rank0 : worst;
}

/// Starts this rank's interpreter (the trial showed it starts). The exit code on failure, else 0.
int start_python(const World& w, const PythonChoice& c, std::unique_ptr<python::Interpreter>& py) {
  if (c.where.library.empty()) return 0;
  ExitCode code = ExitCode::ok;
  std::string message;
  try {
    py = std::make_unique<python::Interpreter>(c.where);
    py->add_subinterpreters(c.interpreters);  // choose_python refused K > 1 before 3.12
  } catch (const Error& e) {
    code = e.code();
    message = e.what();
  }
  PythonChoice r;
  r.code = code;
  r.error = message;
  return agree_on_python(w, r);
}

/// Each kernel's N and its measured rate. --count auto[:S]: each kernel calibrated to S seconds
/// sequential; a given --count with both kernels is python's N, native's scaled by the rates.
/// The tick mapping of the legacy-gil emulation (gil::tick_mapping) is set here too.
struct Calibration {
  KernelCounts counts;
  double native_rate = 0, python_rate = 0;
  std::optional<gil::TickMapping> tick;  ///< set when a native legacy-gil configuration runs
};

/// Whether the sweep emulates the legacy GIL (a native kernel under --lock legacy-gil).
bool emulates_legacy_gil(const Config& cfg) {
  return runs_kernel(cfg, Kernel::native) &&
         std::find(cfg.locks.begin(), cfg.locks.end(), gil::Policy::legacy_gil) != cfg.locks.end();
}

/// Below this switch interval the gil poll batch (gil::gil_poll_iterations) is shorter than its
/// 4096 cap at some plausible kernel speed, so the launch measures the kernel's own time per
/// iteration for it (above, the batch is 4096 whatever the speed: nothing to measure).
constexpr std::chrono::nanoseconds kMeasuredPollBelow = std::chrono::microseconds(500);

/// Whether a native gil configuration runs at a switch interval whose poll batch needs the
/// measured kernel speed.
bool short_gil_interval(const Config& cfg) {
  if (!runs_kernel(cfg, Kernel::native) ||
      std::find(cfg.locks.begin(), cfg.locks.end(), gil::Policy::gil) == cfg.locks.end())
    return false;
  return std::any_of(cfg.switch_intervals.begin(), cfg.switch_intervals.end(),
                     [](std::chrono::nanoseconds i) { return i < kMeasuredPollBelow; });
}

/// Whether the python kernel runs with the latency probe (its handler's size needs python's rate).
bool probes_python(const Config& cfg) { return runs_kernel(cfg, Kernel::python) && cfg.probe_period.count() > 0; }

/// Rank 0 measures the rates (one measurement serves --count auto, the native,python N scaling
/// and the tick mapping), broadcasts them, and every rank derives the same counts and mapping.
Calibration calibrate(const World& w, Config& cfg, const python::Interpreter* py) {
  Calibration c;
  const bool native = runs_kernel(cfg, Kernel::native), both = native && py != nullptr;
  const bool legacy = emulates_legacy_gil(cfg), map_ticks = legacy && !cfg.tick_iterations_given;
  const bool poll = short_gil_interval(cfg);
  const double seconds = cfg.count_auto_s > 0 ? std::min(0.5, std::max(0.1, cfg.count_auto_s / 4)) : 0.2;
  double rates[2] = {0, 0};
  if (w.rank == 0) {
    if (native && (cfg.count_auto_s > 0 || both || map_ticks || poll)) rates[0] = measure_kernel_rate(seconds);
    if (py != nullptr && (cfg.count_auto_s > 0 || both || probes_python(cfg))) rates[1] = py->measure_rate(seconds);
  }
  MPI_Bcast(rates, 2, MPI_DOUBLE, 0, w.comm);
  c.native_rate = rates[0], c.python_rate = rates[1];
  if (poll && c.native_rate > 0) cfg.iteration_ns = 1e9 / c.native_rate;
  if (legacy) {  // the same doubles on every rank: the same mapping on every rank
    const bool python27 = py != nullptr && py->info().major == 2 && py->info().minor == 7;
    c.tick = gil::tick_mapping(cfg.tick_iterations_given ? cfg.tick_iterations : 0, c.native_rate,
                               python27 ? c.python_rate : 0);
    cfg.tick_iterations = c.tick->iterations;
  }
  const auto n_of = [](double v) { return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(v))); };
  if (cfg.count_auto_s > 0) {
    c.counts.native = native ? n_of(c.native_rate * cfg.count_auto_s) : 0;
    c.counts.python = py != nullptr ? n_of(c.python_rate * cfg.count_auto_s) : 0;
    cfg.count = c.counts.native != 0 ? c.counts.native : c.counts.python;
  } else {
    c.counts.python = py != nullptr ? cfg.count : 0;
    c.counts.native = !native ? 0
                      : both  ? n_of(static_cast<double>(cfg.count) * c.native_rate / c.python_rate)
                              : cfg.count;
    if (both) cfg.count = c.counts.native;  // what --count's checks and the long-run warning see
  }
  if (py != nullptr) c.counts.python_major = py->info().major;
  if (py != nullptr && probes_python(cfg))  // --probe-work as the python probe handler's iterations
    cfg.probe_python_iterations = python::handler_iterations(cfg.probe_work, c.python_rate);
  return c;
}

/// The launch row as written with the first round (rank 0; the other ranks get an empty one).
LaunchRecord start_launch(const World& w, const Config& cfg, const ResultsStore* store, const Calibration& cal,
                          const python::Interpreter* py) {
  const double calibrated_rate = cfg.count_auto_s > 0 ? cal.native_rate : 0;
  LaunchRecord launch;
  const std::string hosts = hosts_of_all_ranks(w.comm, w.rank, w.size);
  if (w.rank != 0) return launch;
  launch = provenance::collect(cfg.command_line, provenance::thread_level_name(w.provided));
  launch.launch_id = store->info().next_launch_id;
  launch.hosts = hosts;
  launch.ranks = w.size;
  launch.count_auto_s = cfg.count_auto_s;
  launch.calibrated_rate = calibrated_rate;
  launch.bind = binding::to_string(cfg.bind);
  launch.native_rate = cal.native_rate;
  launch.python_rate = cal.python_rate;
  launch.native_count = cal.counts.native;
  if (cal.tick) {
    launch.tick_iterations = cal.tick->iterations;
    launch.tick_s = cal.tick->tick_s;
    launch.tick_source = std::string(gil::to_string(cal.tick->source));
  }
  launch.python_count = cal.counts.python;
  if (py != nullptr) {
    const python::Info& i = py->info();
    launch.python_library = i.library;
    launch.python_executable = i.executable;
    launch.python_version = i.version;
    launch.python_implementation = i.implementation;
    launch.python_debug = i.debug ? 1 : 0;
    launch.python_gil_disabled = i.free_threaded ? 1 : 0;
  }
  launch.exit_status = "incomplete";
  return launch;
}

/// The header's lock words: the emulated policies for the native kernel, the interpreter's own
/// GIL for the python kernel ("none,gil (native), CPython's own GIL (python)").
std::string lock_words(const Config& cfg) {
  bool native = false, python = false;
  for (const Kernel k : cfg.kernels) native = native || k == Kernel::native, python = python || k == Kernel::python;
  if (!python) return join_locks(cfg.locks);
  if (!native) return "CPython's own GIL";
  return join_locks(cfg.locks) + " (native), CPython's own GIL (python)";
}

void print_header(const World& w, const Config& cfg, const LaunchRecord& launch, std::size_t n_configs) {
  const int size = w.size;
  const std::string& hosts = launch.hosts;
  std::fprintf(stderr,
               "%s\n  %d rank%s x %s thread%s on %s | N = %s %s%s | lock %s | %d repetition%s + %d warm-up per "
               "configuration, %zu configuration%s, round robin | results -> %s\n",
               provenance::build_description().c_str(), size, size == 1 ? "" : "s", join_threads(cfg.threads).c_str(),
               cfg.threads.size() == 1 && cfg.threads[0] == 1 ? "" : "s", hosts.c_str(),
               launch.native_count > 0 && launch.python_count > 0
                   ? (units::format_count(launch.native_count) + " (native), " +
                      units::format_count(launch.python_count) + " (python)")
                         .c_str()
                   : units::format_count(cfg.count).c_str(),
               cfg.scaling == Scaling::weak ? "per worker (weak)" : "total (strong)",
               cfg.count_auto_s > 0 ? (" [auto: " + units::format_duration(cfg.count_auto_s) + " sequential]").c_str()
                                    : "",
               lock_words(cfg).c_str(), cfg.repeat, cfg.repeat == 1 ? "" : "s", cfg.warmup, n_configs,
               n_configs == 1 ? "" : "s", cfg.output.c_str());
  if (cfg.iteration_ns > 0) {
    // The drop-request poll batch of each short interval, from the kernel speed just measured.
    std::string batches;
    for (std::chrono::nanoseconds i : cfg.switch_intervals) {
      if (i >= kMeasuredPollBelow) continue;
      gil::Params p;
      p.switch_interval = gil::in_force_switch_interval(i);
      p.iteration_ns = cfg.iteration_ns;
      batches += (batches.empty() ? "" : ", ") + std::to_string(gil::gil_poll_iterations(p)) +
                 (batches.empty() ? " iterations at " : " at ") +
                 units::format_duration(static_cast<double>(i.count()) * 1e-9);
    }
    std::fprintf(stderr, "  gil: drop request polled every %s (%s per native iteration, measured)\n", batches.c_str(),
                 units::format_duration(cfg.iteration_ns * 1e-9).c_str());
  }
  if (launch.tick_source.empty()) return;
  const std::string tick = launch.tick_s > 0 && launch.native_rate > 0
                               ? units::format_duration(launch.tick_s) + " per CPython tick (" + launch.tick_source +
                                     ") / " + units::format_duration(1.0 / launch.native_rate) + " per native iteration"
                               : launch.tick_source;
  std::fprintf(stderr, "  legacy-gil: %lld iterations per tick: %s\n", static_cast<long long>(launch.tick_iterations),
               tick.c_str());
}

/// One launch's sweep: every rank runs the rounds; rank 0 keeps the records and appends each
/// finished round to the results file before the next one starts.
class Sweep {
 public:
  Sweep(const World& w, const Config& cfg, ResultsStore* store, LaunchRecord& launch, const KernelCounts& counts,
        const python::Interpreter* py)
      : w_(w),
        cfg_(cfg),
        store_(store),
        launch_(launch),
        py_(py),
        configs_(make_configs(cfg, counts)),
        rounds_(make_rounds(static_cast<int>(configs_.size()), cfg.warmup, cfg.repeat)),
        progress_(total_runs(), w.rank == 0 && !cfg.quiet) {}

  std::size_t total_runs() const { return configs_.size() * rounds_.size(); }
  const std::vector<RunConfig>& configs() const { return configs_; }

  /// Runs every round, or up to the one a signal interrupted or whose append failed. Returns
  /// true when it stopped early.
  bool run(std::chrono::steady_clock::time_point launch_start);
  /// The exit code of a failed append (every rank, after run()), else 0.
  [[nodiscard]] int write_failure() const { return write_failure_; }
  /// Rank 0, after run(): the VALID/INVALID line and the summary. Returns the exit code.
  int report(bool interrupted);
  [[nodiscard]] std::vector<RunRecord> file_runs() const;

 private:
  /// What rank 0 collects of one round, appended as a whole.
  struct Round {
    std::vector<RunRecord> runs;
    std::vector<Sample> samples;
    std::vector<TraceRecord> trace;
    std::vector<LatencyRecord> latency;
  };

  void warn_once(bool& warned, bool condition, const char* format, const RunConfig& rc);
  void keep(const RunConfig& rc, const PlannedRun& pr, const RunOutcome& out, Round& round);
  void append(const Round& round, bool interrupted, bool last);

  const World w_;
  const Config& cfg_;
  ResultsStore* store_;  // rank 0 only
  LaunchRecord& launch_;
  const python::Interpreter* py_;
  const std::vector<RunConfig> configs_;
  const std::vector<std::vector<PlannedRun>> rounds_;
  Progress progress_;
  std::vector<RunRecord> runs_;
  std::vector<Sample> samples_;
  std::vector<LatencyRecord> latency_;
  std::size_t done_ = 0;
  int write_failure_ = 0;  ///< rank 0's append failed: its exit code, shared after each round
  bool warned_over_ = false, warned_shared_ = false, warned_probe_ = false;
  Interruption stop_;
};

bool Sweep::run(std::chrono::steady_clock::time_point launch_start) {
  Runner runner(cfg_, w_.comm, launch_start, &signals::run_stop(), py_);
  std::int64_t next_run_id = w_.rank == 0 ? store_->info().next_run_id : 0;
  MPI_Bcast(&next_run_id, 1, MPI_INT64_T, 0, w_.comm);  // every rank tags its samples alike
  for (const auto& planned : rounds_) {
    Round round;
    bool interrupted = false;
    for (const PlannedRun& pr : planned) {
      const RunConfig& rc = configs_[static_cast<std::size_t>(pr.config)];
      RunOutcome out;
      try {
        out = runner.run(rc, pr, next_run_id, launch_.launch_id);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "gilbench: rank %d: %s\n", w_.rank, e.what());
        std::fflush(stderr);
        MPI_Abort(w_.comm, static_cast<int>(ExitCode::runtime));
      }
      ++done_;
      ++next_run_id;
      if (w_.rank == 0) keep(rc, pr, out, round);
      stop_ = agree_on_stop(w_.comm);
      if (stop_.signal != 0) {
        interrupted = true;
        break;
      }
    }
    if (w_.rank == 0) append(round, interrupted, &planned == &rounds_.back());
    MPI_Bcast(&write_failure_, 1, MPI_INT, 0, w_.comm);  // a full disk: everyone leaves, no MPI_Abort
    if (interrupted || write_failure_ != 0) return true;
  }
  return false;
}

void Sweep::warn_once(bool& warned, bool condition, const char* format, const RunConfig& rc) {
  if (!condition || warned) return;
  warned = true;
  progress_.finish();
  std::fprintf(stderr, format, describe(rc, w_.size).c_str());
}

void Sweep::keep(const RunConfig& rc, const PlannedRun& pr, const RunOutcome& out, Round& round) {
  const RunRecord& r = out.run;
  warn_once(warned_over_, r.oversubscribed,
            "gilbench: warning: %s has more workers than allowed CPUs on a host (oversubscribed): timings include "
            "time-sharing, not only parallel work\n",
            rc);
  if (r.shared_cores && !warned_shared_) {
    warned_shared_ = true;
    progress_.finish();
    std::fprintf(stderr,
                 "gilbench: warning: workers of %s shared a CPU (see cpu_start/cpu_end in /samples)%s; bind them "
                 "apart (--bind cores, OMP_PLACES=cores OMP_PROC_BIND=close, mpirun --map-by slot:PE=T)\n",
                 describe(rc, w_.size).c_str(),
                 out.unpinned_reason.empty() ? "" : (", not pinned: " + out.unpinned_reason).c_str());
  }
  warn_once(warned_probe_, out.probe_coalesced > 0,
            "gilbench: warning: the latency probe of %s fell behind its period and skipped deadlines (the "
            "latency figures cover the events it sent); use a longer --probe period\n",
            rc);
  launch_.gather_s += out.gather_s;
  // CPUs rank 0's workers may use: the union of their allowed sets (the main thread's own
  // mask is a single CPU once OMP_PROC_BIND has pinned it).
  std::set<int> rank0_cpus;
  for (const Sample& s : out.samples)
    if (s.rank == 0)
      for (int c : affinity::parse_list(s.allowed_cpus.str())) rank0_cpus.insert(c);
  launch_.allowed_cpus = std::max(launch_.allowed_cpus, static_cast<std::int32_t>(rank0_cpus.size()));
  launch_.oversubscribed |= r.oversubscribed;
  launch_.shared_cores |= r.shared_cores;
  round.runs.push_back(r);
  round.samples.insert(round.samples.end(), out.samples.begin(), out.samples.end());
  round.trace.insert(round.trace.end(), out.trace.begin(), out.trace.end());
  round.latency.insert(round.latency.end(), out.latency.begin(), out.latency.end());
  latency_.insert(latency_.end(), out.latency.begin(), out.latency.end());
  progress_.update(done_,
                   describe(rc, w_.size) + (pr.warmup ? " warm-up" : " rep " + std::to_string(pr.repetition + 1)));
}

void Sweep::append(const Round& round, bool interrupted, bool last) {
  launch_.exit_status = interrupted ? "interrupted" : (last ? "complete" : "incomplete");
  try {
    ++launch_.rounds_written;
    const auto w0 = std::chrono::steady_clock::now();
    store_->append(launch_, round.runs, round.samples, round.trace, round.latency);
    launch_.write_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  } catch (const Error& e) {
    progress_.finish();
    std::fprintf(stderr, "gilbench: %s\n", e.what());
    std::fflush(stderr);
    write_failure_ = static_cast<int>(e.code());
    return;
  }
  runs_.insert(runs_.end(), round.runs.begin(), round.runs.end());
  samples_.insert(samples_.end(), round.samples.begin(), round.samples.end());
}

/// Every run of the results file: the baselines a launch lacks (a processes-only launch has no
/// 1x1) come from its other launches. None when the file cannot be read back.
std::vector<RunRecord> Sweep::file_runs() const {
  try {
    return ResultsStore::read_runs(cfg_.output);
  } catch (const Error&) {
    return {};
  }
}

int Sweep::report(bool interrupted) {
  int code = 0;
  progress_.finish();
  std::size_t invalid = 0, cut = 0;  // cut: status interrupted (neither measured nor INVALID)
  std::uint64_t iterations = 0;
  for (const RunRecord& r : runs_) {
    invalid += r.valid ? 0 : 1;
    if (r.status == "interrupted") ++cut;
    else iterations += r.count;
  }
  const std::string cut_note = cut == 0 ? ""
                                        : "; " + std::to_string(cut) + (cut == 1 ? " run" : " runs") +
                                              " interrupted after --stop-grace (status interrupted, not measured)";
  if (interrupted) {
    std::fprintf(stderr, "gilbench: interrupted by %s: %zu of %zu runs saved in %s%s\n",
                 describe(stop_, w_.size).c_str(), runs_.size(), total_runs(), cfg_.output.c_str(), cut_note.c_str());
    code = static_cast<int>(ExitCode::interrupted);
  }
  if (const std::string w = short_run_warning(runs_); !w.empty())
    std::fprintf(stderr, "gilbench: warning: %s\n", w.c_str());
  FILE* verdict_stream = cfg_.format == OutputFormat::table ? stdout : stderr;
  if (invalid == 0)
    std::fprintf(verdict_stream, "VALID: %zu runs, every worker counted its share exactly (%s iterations in all)%s\n",
                 runs_.size() - cut, units::format_count(iterations).c_str(), cut_note.c_str());
  else
    std::fprintf(verdict_stream, "INVALID: %zu of %zu runs did not count the iterations asked\n", invalid,
                 runs_.size());
  std_streams::stdout_error();  // flushes the verdict; keeps the errno of a failure
  std::ostringstream summary;
  const std::vector<RunRecord> file = file_runs();
  const std::vector<SummaryRow> rows = summarise(runs_, samples_, latency_, file);
  print_summary(summary, rows, cfg_.format, pair_configurations(rows, runs_, file));
  if (invalid != 0 && code == 0) code = static_cast<int>(ExitCode::validation);
  if (const int err = std_streams::write_stdout(summary.str()); err != 0) {
    std::fprintf(stderr, "gilbench: cannot write the summary to standard output (%s); the %s in %s %s\n",
                 std_streams::describe(err).c_str(), interrupted ? "finished runs" : "results", cfg_.output.c_str(),
                 interrupted ? "are saved" : "are complete");
    if (code == 0) code = static_cast<int>(ExitCode::output);
  }
  return code;
}

/// Everything after the checks: calibrate, sweep, report. Returns the exit code (every rank).
int run_launch(const World& w, Config cfg, std::unique_ptr<ResultsStore>& store, const python::Interpreter* py) {
  Calibration cal;
  try {
    cal = calibrate(w, cfg, py);  // cfg read-only from here on
  } catch (const Error& e) {
    std::fprintf(stderr, "gilbench: rank %d: %s\n", w.rank, e.what());
    std::fflush(stderr);
    MPI_Abort(w.comm, static_cast<int>(ExitCode::runtime));
  }
  if (w.rank == 0) warn_if_long(cfg, w.size, cfg.count_auto_s > 0 ? cal.native_rate : 0);
  const auto launch_start = std::chrono::steady_clock::now();
  LaunchRecord launch = start_launch(w, cfg, store.get(), cal, py);
  Sweep sweep(w, cfg, store.get(), launch, cal.counts, py);
  if (w.rank == 0 && !cfg.quiet) print_header(w, cfg, launch, sweep.configs().size());
  const bool interrupted = sweep.run(launch_start);
  if (sweep.write_failure() != 0) {  // said on rank 0; the file keeps the rounds before
    store.reset();
    return sweep.write_failure();
  }
  int code = w.rank == 0 ? sweep.report(interrupted) : 0;
  MPI_Bcast(&code, 1, MPI_INT, 0, w.comm);
  store.reset();
  return code;
}

/// Whether an MPI launcher (mpirun, srun, a PMI/PMIx process manager) started this process:
/// then every rank must enter MPI_Init, even to print --help, or the launch hangs.
bool under_mpi_launcher() {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("SLURM_STEP_ID") != nullptr) return true;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "PMI_", 4) == 0 || std::strncmp(*e, "PMIX_", 5) == 0) return true;
  return false;
}

/// --help, --version, --schema or a bad argument: the answer, and the exit code (7 when the
/// answer could not be written to stdout).
int answer(const ParseResult& parsed) {
  if (parsed.to_stderr) std::fputs(parsed.output.c_str(), stderr);
  if (const int err = parsed.to_stderr ? 0 : std_streams::write_stdout(parsed.output); err != 0) {
    std::fprintf(stderr, "gilbench: cannot write to standard output (%s)\n", std_streams::describe(err).c_str());
    return static_cast<int>(ExitCode::output);
  }
  return static_cast<int>(parsed.code);
}

int run_main(int argc, char** argv) {
  // First thing, before any file or MPI pipe takes their numbers: closed 0-2 onto /dev/null.
  std_streams::secure();
  // Then: a signal during parsing or MPI start-up (~0.3 s) must not kill with the default
  // action; it stops the sweep after its first run like any later one.
  signals::install();
  const ParseResult parsed = parse_command_line(argc, argv, provenance::versions_text());
  if (parsed.action == ParseResult::Action::run) signals::set_grace(parsed.config.stop_grace);
  const PythonChoice python_choice = choose_python(parsed);  // before MPI_Init: the trial forks
  if (parsed.action == ParseResult::Action::exit && !under_mpi_launcher()) {
    // --help, --version, --schema, a bad argument on a plain command line: answered without
    // MPI_Init, which alone takes ~0.35 s in singleton mode.
    return answer(parsed);
  }
  const bool job_scope = parsed.action == ParseResult::Action::run && parsed.config.lock_scope == LockScope::job;
  const World w = init_mpi(argc, argv, job_scope);
  auto leave = [](int code) {
    MPI_Finalize();
    return code;
  };
  // Every rank parsed: they agree on the outcome and the resolved configuration, or leave with 2.
  if (const int c = agree_on_command_line(w.comm, parsed, answer); c >= 0) return leave(c);
  if (const int c = check_thread_level(w, job_scope); c != 0) return leave(c);
  if (const int c = check_job_lock_path(w, job_scope, parsed.config.job_lock); c != 0) return leave(c);
  if (const int c = check_work(w, parsed.config); c != 0) return leave(c);
  if (const int c = agree_on_python(w, python_choice); c != 0) return leave(c);
  std::unique_ptr<python::Interpreter> py;
  if (const int c = start_python(w, python_choice, py); c != 0) return leave(c);
  std::unique_ptr<ResultsStore> store;
  if (const int c = open_store(w, parsed.config, store); c != 0) return leave(c);
  if (const int c = self_check(w); c != 0) return leave(c);
  return leave(run_launch(w, parsed.config, store, py.get()));
}

}  // namespace
}  // namespace gilbench

int main(int argc, char** argv) { return gilbench::run_main(argc, argv); }
