#pragma once
// Every run parameter with its default. Filled once by cli.cpp, read-only everywhere else.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "gil/lock.hpp"
#include "machine/binding.hpp"

namespace gilbench {

enum class Scaling : std::uint8_t { strong, weak };
enum class OutputFormat : std::uint8_t { table, csv, json };
enum class LockScope : std::uint8_t { rank, job };
/// native: the C++ countdown under an emulated lock; python: the real countdown in an embedded CPython.
enum class Kernel : std::uint8_t { native, python };

/// Work the probe does per event while holding the lock (--probe-work). Matched to a Python I/O
/// handler (time.perf_counter(), two checks, struct.unpack of the message, a list append):
/// timeit on CPython 3.11.7 here gave 1.36 µs per handler, so 1.4 µs.
inline constexpr std::chrono::nanoseconds kProbeWork{1'400};

struct Config {
  // Work
  std::uint64_t count = 50'000'000;  ///< iterations: total (strong) or per worker (weak)
  double count_auto_s = 0.0;         ///< > 0: --count auto:S, count is calibrated at start
  Scaling scaling = Scaling::strong;

  // Sweep: every combination of these is one configuration
  std::vector<Kernel> kernels = {Kernel::native};  ///< interleaved round robin
  std::string python;                              ///< --python: a python executable or libpython*.so ("": the default)
  std::vector<int> threads = {1};                  ///< OpenMP threads per rank
  std::vector<gil::Policy> locks = {gil::Policy::none};
  std::vector<std::chrono::nanoseconds> switch_intervals = {std::chrono::milliseconds(5)};
  std::vector<std::int64_t> check_intervals = {100};  ///< legacy-gil: ticks between releases
  /// legacy-gil: kernel iterations per tick. Measured at start-up (calibrate: gil::tick_mapping)
  /// unless --tick-iterations gave it (tick_iterations_given); the value in force from then on.
  std::int64_t tick_iterations = gil::kDefaultTickIterations;
  bool tick_iterations_given = false;  ///< --tick-iterations was on the command line (an override)
  /// gil: the native kernel's time per iteration (ns) for the drop-request poll batch
  /// (gil::gil_poll_iterations): measured at start-up when a native gil configuration runs at a
  /// switch interval under kMeasuredPollBelow; 0 otherwise (the lock uses the reference).
  double iteration_ns = 0;
  LockScope lock_scope = LockScope::rank;
  gil::JobPath job_lock = gil::JobPath::automatic;  ///< --job-lock: how a job-scope lock is shared
  bool switch_interval_given = false;               ///< --switch-interval was on the command line
  bool check_interval_given = false;                ///< --check-interval was on the command line

  /// --bind: pin worker t of a rank to its t-th allowed CPU (auto: when nothing else bound them)
  binding::Mode bind = binding::Mode::automatic;

  int repeat = 5;  ///< measured repetitions per configuration
  int warmup = 1;  ///< warm-up repetitions per configuration (first)

  // GIL effects beyond throughput: interpreters per process, latency of an I/O-like thread
  int interpreters = 1;                             ///< emulated interpreters per rank, each with its own lock
  std::chrono::nanoseconds probe_period{0};         ///< > 0: --probe latency[:PERIOD]
  std::chrono::nanoseconds probe_work{kProbeWork};  ///< --probe-work: held per event
  /// The python kernel's probe handler: countdown iterations for probe_work at the python
  /// kernel's rate, measured at start-up (main.cpp calibrate); 0 without a probe or --probe-work 0.
  std::uint64_t probe_python_iterations = 0;

  // Lock-event trace
  bool trace = false;
  double trace_window_s = 2.0;
  std::uint64_t trace_max_events = 100'000;

  // Output
  std::string output = "gilbench.h5";
  OutputFormat format = OutputFormat::table;
  bool quiet = false;  ///< no header/progress on stderr

  // Signals: how long a run in flight may go on after SIGTERM/SIGINT/SIGUSR1 (0: stop at once)
  std::chrono::nanoseconds stop_grace{std::chrono::seconds(30)};

  // Provenance
  std::string command_line;
};

inline constexpr int kMaxThreads = 4096;
/// --count auto without :SECONDS: the sequential run's target duration.
inline constexpr double kCountAutoSeconds = 1.0;
/// --probe latency without :PERIOD.
inline constexpr std::chrono::milliseconds kProbePeriod{10};
/// The shortest --probe period: handling one event (wake-up, take, release) takes microseconds,
/// so a shorter period measures only the probe's own backlog.
inline constexpr std::chrono::microseconds kMinProbePeriod{100};

}  // namespace gilbench
