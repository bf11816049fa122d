#include "app/cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "app/schema_json.hpp"
#include "app/units.hpp"
#include "python/library.hpp"
#include "sweep/work.hpp"

namespace gilbench {
namespace {

constexpr const char* kDescription =
    "gilbench: the classic GIL experiment made real for HPC. Every worker counts down from its share of\n"
    "N; workers are OpenMP threads inside MPI ranks, so the launch decides the mode:\n"
    "  gilbench                     sequential (1 rank x 1 thread)\n"
    "  gilbench --threads 2         threads    (1 x T)\n"
    "  mpirun -n 2 gilbench         processes  (P x 1)\n"
    "  mpirun -n 2 gilbench --threads 2   hybrid (P x T)\n"
    "Threads can be made to hold an emulated global interpreter lock (--lock gil | legacy-gil) that\n"
    "behaves like CPython's, to see what a GIL costs on this machine.";

constexpr const char* kFooter =
    "UNITS\n"
    "  counts:    50000000, 50M, 5e7, 1G, 2^26  (k M G T are decimal)\n"
    "  numbers:   decimal only (010 is 10, 0x10 is refused); an empty value (--threads '', --threads=) is refused\n"
    "  durations: 5ms, 500us, 0.5ms, 2s, or a bare number of seconds (0.005) as in sys.setswitchinterval\n"
    "  lists:     comma-separated; every combination of --threads x --lock x --switch-interval x\n"
    "             --check-interval is one configuration of the sweep\n"
    "\n"
    "OUTPUT\n"
    "  stderr: a header and, on sweeps longer than ~2 s, a progress line (rank 0 only).\n"
    "  stdout: a VALID/INVALID line, then the summary table (median, min, CV, speedup, efficiency\n"
    "          against the 1x1 run of the launch; switches/s and slice length for locked runs).\n"
    "          With --format csv|json stdout holds only the summary (VALID goes to stderr).\n"
    "  FILE:   every raw per-worker sample, appended to --output; schema in docs/schema.md:\n"
    "          /usr/bin/python3 -c 'import h5py,pandas as pd; "
    "print(pd.DataFrame(h5py.File(\"gilbench.h5\")[\"runs\"][()]))'\n"
    "          (a python3 that has h5py and pandas: the system's, or your environment's)\n"
    "\n"
    "EXIT CODES\n"
    "  0 success   2 bad argument   3 INVALID (work not done as asked)   4 results file error\n"
    "  5 interrupted by SIGTERM/SIGINT/SIGUSR1 (finished runs are saved; the run in flight too, after\n"
    "    --stop-grace, with status interrupted)   6 failure during a run\n"
    "  7 stdout failed (full disk, closed, reader gone): the summary is lost, the results file is complete\n"
    "\n"
    "ENVIRONMENT\n"
    "  OMP_NUM_THREADS  default for --threads, checked like it (4,2: the outer level, 4)\n"
    "  OMP_PLACES/OMP_PROC_BIND/GOMP_CPU_AFFINITY  thread binding (recorded); set, --bind auto leaves it\n"
    "  HDF5_USE_FILE_LOCKING=FALSE  on file systems without locks (some NFS/Lustre mounts)\n"
    "  GILBENCH_LOCKING=none  where flock is unsupported: write without gilbench's FILE.lock (warned)\n"
    "  SLURM_*  recorded as provenance when run under Slurm\n";

using Apply = std::function<void(const std::string&)>;

/// A CLI11 transformer that hands the option's text to `apply`, which parses it (units.hpp)
/// into the Config. A std::invalid_argument becomes CLI11's validation error: one line that
/// names the flag. CLI11 runs it only for options given, so Config's defaults stand otherwise.
CLI::Validator parsed_by(Apply apply) {
  return CLI::Validator(
      [apply = std::move(apply)](std::string& text) {
        try {
          if (text.rfind("--", 0) == 0) throw std::invalid_argument("needs a value, not the option '" + text + "'");
          apply(text);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      },
      "");
}

/// An option without a bound variable: `apply` parses its text into the Config.
CLI::Option* add_parsed(CLI::App& app, const std::string& flags, const std::string& help, Apply apply) {
  return app.add_option(flags)->description(help)->transform(parsed_by(std::move(apply)));
}

template <class T>
void add_unique(std::vector<T>& out, T v) {
  if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
}

/// A list option's items, each parsed by `item`, duplicates dropped (first occurrence kept).
template <class T, class Item>
std::vector<T> parse_list(const std::string& text, Item item) {
  std::vector<T> out;
  for (const std::string& i : units::split_list(text)) add_unique(out, static_cast<T>(item(i)));
  return out;
}

template <class T, class Show>
std::string join(const std::vector<T>& items, Show show) {
  std::string s;
  for (const T& v : items) s += (s.empty() ? "" : ",") + std::string(show(v));
  return s;
}

double to_seconds(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) * 1e-9; }

/// Decimal digits only (surrounding blanks allowed): "010" is 10; "0x10", "+3", "1e3" are refused.
long whole_number(const std::string& text, long min, long max) {
  const std::size_t first = text.find_first_not_of(" \t"), last = text.find_last_not_of(" \t");
  const std::string digits = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  const bool negative = !digits.empty() && digits.front() == '-';
  const std::string magnitude = negative ? digits.substr(1) : digits;
  if (magnitude.empty() || magnitude.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("'" + text + "' is not a whole number");
  if (negative) throw std::invalid_argument(text + " must be at least " + std::to_string(min));
  const std::size_t significant = std::min(magnitude.find_first_not_of('0'), magnitude.size() - 1);
  if (magnitude.size() - significant > 18)
    throw std::invalid_argument(text + " is above the limit of " + std::to_string(max));
  const long v = std::stol(magnitude.substr(significant));
  if (v < min) throw std::invalid_argument(text + " must be at least " + std::to_string(min));
  if (v > max) throw std::invalid_argument(text + " is above the limit of " + std::to_string(max));
  return v;
}

/// The text of an option that takes one value: a list is refused (a count's "1,2" is no number).
const std::string& one_value(const std::string& text) {
  if (text.find(',') != std::string::npos) throw std::invalid_argument("takes one value, not a list ('" + text + "')");
  return text;
}

std::int64_t positive_integer(const std::string& text) {
  const std::uint64_t v = units::parse_count(text);  // accepts 100, 1k, ...
  if (v > static_cast<std::uint64_t>(INT64_MAX / 1024)) throw std::invalid_argument(text + " is too large");
  return static_cast<std::int64_t>(v);
}

/// A duration that may be zero ("0", "0s", "0ms"), else units::parse_duration.
std::chrono::nanoseconds grace_duration(const std::string& text) {
  const std::size_t end = std::min(text.find_first_not_of("0."), text.size());
  const std::string number = text.substr(0, end), unit = text.substr(end);
  if (number.find('0') != std::string::npos && std::count(number.begin(), number.end(), '.') <= 1 &&
      (unit.empty() || unit == "s" || unit == "ms" || unit == "us" || unit == "ns" || unit == "min"))
    return std::chrono::nanoseconds(0);
  return units::parse_duration(text);
}

Kernel parse_kernel(const std::string& text) {
  if (text == "native") return Kernel::native;
  if (text == "python") return Kernel::python;
  throw std::invalid_argument("unknown kernel '" + text + "' (choose native, python)");
}

gil::Policy parse_lock(const std::string& text) {
  const auto p = gil::parse_policy(text);
  if (!p) throw std::invalid_argument("unknown policy '" + text + "' (choose none, gil, legacy-gil)");
  return *p;
}

/// The names of an enum option, in the order --help shows them.
template <class E>
using Choices = std::vector<std::pair<const char*, E>>;
const Choices<Scaling> kScalings = {{"strong", Scaling::strong}, {"weak", Scaling::weak}};
const Choices<LockScope> kScopes = {{"rank", LockScope::rank}, {"job", LockScope::job}};
const Choices<gil::JobPath> kJobPaths = {{"auto", gil::JobPath::automatic},
                                         {"shm", gil::JobPath::shm},
                                         {"messages", gil::JobPath::messages}};
const Choices<binding::Mode> kBinds = {{"auto", binding::Mode::automatic},
                                       {"cores", binding::Mode::cores},
                                       {"none", binding::Mode::none}};
const Choices<OutputFormat> kFormats = {{"table", OutputFormat::table},
                                        {"csv", OutputFormat::csv},
                                        {"json", OutputFormat::json}};

template <class E>
std::string names(const Choices<E>& choices, const char* sep) {
  std::string s;
  for (const auto& [name, value] : choices) s += (s.empty() ? "" : sep) + std::string(name);
  return s;
}

template <class E>
std::string name_of(const Choices<E>& choices, E v) {
  for (const auto& [name, value] : choices)
    if (value == v) return name;
  return "?";
}

/// An enum option: its names are checked and stored by one transformer, its default shown from Config.
template <class E>
CLI::Option* add_choice(CLI::App& app, const std::string& flags, E& dest, const Choices<E>& choices,
                        const std::string& help) {
  return add_parsed(app, flags, help,
                    [&dest, &choices](const std::string& text) {
                      for (const auto& [name, value] : choices)
                        if (text == name) {
                          dest = value;
                          return;
                        }
                      throw std::invalid_argument("'" + text + "' is not one of " + names(choices, ", "));
                    })
      ->default_str(name_of(choices, dest))
      ->type_name(names(choices, "|"));
}

void set_count(Config& cfg, const std::string& text) {
  if (text.rfind("auto", 0) != 0) {
    cfg.count = units::parse_count(text);
    cfg.count_auto_s = 0;
    return;
  }
  const std::string rest = text.substr(4);
  if (!rest.empty() && rest.front() != ':')
    throw std::invalid_argument("write auto or auto:SECONDS, not '" + text + "'");
  cfg.count_auto_s = rest.empty() ? kCountAutoSeconds : to_seconds(units::parse_duration(rest.substr(1)));
  if (cfg.count_auto_s > 3600) throw std::invalid_argument("auto allows at most one hour per sequential run");
}

void set_probe(Config& cfg, const std::string& text) {
  if (text.rfind("latency", 0) != 0 || (text.size() > 7 && text[7] != ':'))
    throw std::invalid_argument("write latency or latency:PERIOD, not '" + text + "'");
  if (text.size() == 8) throw std::invalid_argument("latency: needs a period after ':' (e.g. latency:10ms)");
  cfg.probe_period = text.size() > 8 ? units::parse_duration(text.substr(8)) : kProbePeriod;
  if (cfg.probe_period < kMinProbePeriod)
    throw std::invalid_argument("latency:" + text.substr(8) + " is shorter than the floor of " +
                                units::format_duration(to_seconds(kMinProbePeriod)) +
                                " (handling one event takes microseconds)");
}

/// --threads when not given: $OMP_NUM_THREADS (its first level: "4,2" is 4 outer, 2 nested), checked
/// like --threads (set but empty is refused, as libgomp does); unset: Config's default.
std::vector<int> default_threads(const Config& defaults) {
  const char* env = std::getenv("OMP_NUM_THREADS");
  if (env == nullptr) return defaults.threads;
  try {
    const std::vector<std::string> levels = units::split_list(env);
    for (const std::string& level : levels) whole_number(level, 1, kMaxThreads);
    return {static_cast<int>(whole_number(levels.front(), 1, kMaxThreads))};
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("OMP_NUM_THREADS='" + std::string(env) + "', the default of --threads: " + e.what() +
                                " (set it to 1.." + std::to_string(kMaxThreads) + ", unset it, or pass --threads)");
  }
}

void add_work_options(CLI::App& app, Config& cfg) {
  const Config d;
  const char* work = "Work";
  add_parsed(app, "-n,--count",
             "Iterations: total, split over all workers (strong), or per worker (weak). 50M, 5e7, 1G; or "
             "auto[:SECONDS] to calibrate N so the sequential run takes about SECONDS here (default " +
                 units::format_duration(kCountAutoSeconds) + ")",
             [&cfg](const std::string& t) { set_count(cfg, one_value(t)); })
      ->default_str(units::format_count(d.count))
      ->group(work)
      ->type_name("N|auto[:S]");
  add_choice(app, "--scaling", cfg.scaling, kScalings, "strong: --count is the total; weak: --count is per worker")
      ->group(work);
  add_parsed(app, "-t,--threads",
             "OpenMP threads per rank, a list to sweep (1.." + std::to_string(kMaxThreads) +
                 "; default $OMP_NUM_THREADS, else " + join(d.threads, [](int t) { return std::to_string(t); }) + ")",
             [&cfg](const std::string& t) {
               cfg.threads = parse_list<int>(t, [](const std::string& i) { return whole_number(i, 1, kMaxThreads); });
             })
      ->group(work)
      ->type_name("LIST");
  add_parsed(app, "-k,--kernel",
             "Kernels to interleave round robin: native (the C++ countdown under the emulated --lock) and python "
             "(the real countdown in an embedded CPython, under its own GIL, compiled afresh for every run: the "
             "book's script calls it once, and 3.11 specialises a function on its 8th call; see --python)",
             [&cfg](const std::string& t) { cfg.kernels = parse_list<Kernel>(t, parse_kernel); })
      ->default_str("native")
      ->group(work)
      ->type_name("LIST");
  add_parsed(app, "--python",
             "The CPython the python kernel embeds: a python executable (its shared libpython is used) or a "
             "libpython*.so; default " +
                 python::describe_default(),
             [&cfg](const std::string& t) {
               if (t.empty()) throw std::invalid_argument("needs a path");
               cfg.python = t;
             })
      ->group(work)
      ->type_name("PATH");
  add_parsed(app, "-r,--repeat", "Measured repetitions per configuration, interleaved round robin",
             [&cfg](const std::string& t) { cfg.repeat = static_cast<int>(whole_number(one_value(t), 1, INT_MAX)); })
      ->default_str(std::to_string(d.repeat))
      ->group(work)
      ->type_name("R");
  add_parsed(app, "-w,--warmup", "Warm-up repetitions per configuration, run first, recorded, not summarised",
             [&cfg](const std::string& t) { cfg.warmup = static_cast<int>(whole_number(one_value(t), 0, INT_MAX)); })
      ->default_str(std::to_string(d.warmup))
      ->group(work)
      ->type_name("W");
  add_choice(app, "--bind", cfg.bind, kBinds,
             "Pin worker t of a rank to its t-th allowed CPU (sched_setaffinity). auto: unless OMP_PLACES/"
             "OMP_PROC_BIND/GOMP_CPU_AFFINITY or the launcher (a narrower CPU set, mpirun/srun binding) bound "
             "them, or the host's workers outnumber its CPUs; cores: always; none: never. Recorded per worker "
             "(/samples bound_cpu) and per run (/runs bind)")
      ->group(work);
}

void add_trace_and_probe_options(CLI::App& app, Config& cfg) {
  const Config d;
  const char* lock = "Emulated GIL";
  app.add_flag("--trace", cfg.trace,
               "Record each thread's lock events (request, acquire, drop request, release) into /trace")
      ->group(lock);
  add_parsed(app, "--trace-window", "Trace only the first DURATION of each run",
             [&cfg](const std::string& t) { cfg.trace_window_s = to_seconds(units::parse_duration(one_value(t))); })
      ->default_str(units::format_duration(d.trace_window_s))
      ->group(lock)
      ->type_name("DUR");
  add_parsed(app, "--trace-events",
             "At most this many trace events per thread and run (reserved up front, 16 bytes each, so "
             "that recording never allocates with the lock held)",
             [&cfg](const std::string& t) { cfg.trace_max_events = units::parse_count(one_value(t)); })
      ->default_str(units::format_count(d.trace_max_events))
      ->group(lock)
      ->type_name("N");
  add_parsed(app, "--probe",
             "latency[:PERIOD]: one extra I/O-like thread per rank that wakes every PERIOD (default " +
                 units::format_duration(to_seconds(kProbePeriod)) +
                 "), takes the lock like a Python thread returning from recv(), and records how long that took "
                 "into /latency",
             [&cfg](const std::string& t) { set_probe(cfg, one_value(t)); })
      ->group(lock)
      ->type_name("latency[:DUR]");
  add_parsed(app, "--probe-work",
             "latency probe: how long it computes per event while holding the lock, like a Python handler's "
             "bytecode (0: take and release at once)",
             [&cfg](const std::string& t) {
               const std::string v = one_value(t);
               const std::chrono::nanoseconds w = v == "0" ? std::chrono::nanoseconds(0) : units::parse_duration(v);
               if (w > std::chrono::milliseconds(100))
                 throw std::invalid_argument("--probe-work " + t + " is longer than 100ms");
               cfg.probe_work = w;
             })
      ->default_str(units::format_duration(to_seconds(kProbeWork)))
      ->group(lock)
      ->type_name("DUR");
  add_parsed(app, "--interpreters",
             "Interpreters per rank, each with its own GIL (PEP 684); threads are dealt round robin "
             "(thread t -> interpreter t % K); K = threads: no two threads share a lock. native: K emulated locks; "
             "python (CPython 3.12+): the main interpreter and K-1 subinterpreters with their own GIL",
             [&cfg](const std::string& t) {
               cfg.interpreters = static_cast<int>(whole_number(one_value(t), 1, kMaxThreads));
             })
      ->default_str(std::to_string(d.interpreters))
      ->group(lock)
      ->type_name("K");
}

void add_lock_options(CLI::App& app, Config& cfg) {
  const Config d;
  const char* lock = "Emulated GIL";
  add_parsed(app, "-l,--lock",
             "Lock policies to sweep: none (free threads, like CPython 3.13t), gil (CPython 3.2+ switch "
             "interval), legacy-gil (CPython <= 3.1 ticks)",
             [&cfg](const std::string& t) { cfg.locks = parse_list<gil::Policy>(t, parse_lock); })
      ->default_str(join(d.locks, [](gil::Policy p) { return gil::to_string(p); }))
      ->group(lock)
      ->type_name("LIST");
  add_parsed(app, "-s,--switch-interval",
             "gil: how long a waiter waits before asking the holder to drop (sys.setswitchinterval); a list to "
             "sweep. As CPython, the value in force is truncated to whole µs and at least 1 µs (recorded in "
             "/runs.switch_interval_s)",
             [&cfg](const std::string& t) {
               cfg.switch_intervals = parse_list<std::chrono::nanoseconds>(t, units::parse_duration);
               cfg.switch_interval_given = true;
             })
      ->default_str(join(d.switch_intervals, [](auto ns) { return units::format_duration(to_seconds(ns)); }))
      ->group(lock)
      ->type_name("DURS");
  add_parsed(app, "--check-interval",
             "legacy-gil: ticks between release/re-acquire (sys.setcheckinterval); a list to sweep",
             [&cfg](const std::string& t) {
               cfg.check_intervals = parse_list<std::int64_t>(t, positive_integer);
               cfg.check_interval_given = true;
             })
      ->default_str(join(d.check_intervals, [](std::int64_t v) { return std::to_string(v); }))
      ->group(lock)
      ->type_name("TICKS");
  add_parsed(app, "--tick-iterations",
             "legacy-gil: countdown iterations per emulated tick, overriding the mapping measured at start-up "
             "(CPython's time per tick / this kernel's time per iteration; the tick is measured with a 2.7 python "
             "kernel in the launch, else the reference 7.5ns; docs/gil.md)",
             [&cfg](const std::string& t) {
               cfg.tick_iterations = positive_integer(one_value(t));
               cfg.tick_iterations_given = true;
             })
      ->default_str("measured")
      ->group(lock)
      ->type_name("N");
  add_choice(app, "--lock-scope", cfg.lock_scope, kScopes,
             "rank: one lock per MPI rank (one GIL per Python process); job: one lock shared by every thread of "
             "every rank (needs MPI_THREAD_MULTIPLE)")
      ->group(lock);
  add_choice(app, "--job-lock", cfg.job_lock, kJobPaths,
             "--lock-scope job: how the ranks share the lock. shm: through memory (an MPI-3 shared window, "
             "process-shared futexes; every rank must be on one node, else exit code 2); messages: through rank 0's "
             "lock server "
             "(as across nodes); auto: shm when every rank is on one node, else messages (recorded in /runs "
             "lock_transport)")
      ->group(lock);
  add_trace_and_probe_options(app, cfg);
}

void add_output_options(CLI::App& app, Config& cfg) {
  const char* out = "Output";
  app.add_option("-o,--output", cfg.output,
                 "Results file (HDF5); an existing gilbench file is appended to, never overwritten")
      ->check(CLI::Validator(
          [](std::string& text) {
            if (text.rfind("--", 0) == 0) return "needs a value, not the option '" + text + "'";
            if (text.find_first_not_of(" \t") == std::string::npos) return "needs a file name, not '" + text + "'";
            return std::string();
          },
          ""))
      ->capture_default_str()
      ->group(out)
      ->type_name("FILE.h5");
  add_choice(app, "--format", cfg.format, kFormats,
             "Summary on stdout: table, csv or json (csv/json: stdout holds nothing else)")
      ->group(out);
  app.add_flag("-q,--quiet", cfg.quiet, "No header or progress line on stderr")->group(out);
  add_parsed(app, "--stop-grace",
             "After SIGTERM/SIGINT/SIGUSR1, how long the run in flight may still run; past it, it stops at its "
             "next poll and is saved with status interrupted (0: at once; a second signal: at once)",
             [&cfg](const std::string& t) { cfg.stop_grace = grace_duration(t); })
      ->default_str(units::format_duration(to_seconds(Config{}.stop_grace)))
      ->group(out)
      ->type_name("DUR");
}

/// The python kernel runs under the interpreter's own lock: the emulation's options apply to
/// native configurations only, and are refused when no native configuration would use them.
void check_python_combinations(const Config& cfg) {
  const bool python = std::find(cfg.kernels.begin(), cfg.kernels.end(), Kernel::python) != cfg.kernels.end();
  const bool native = std::find(cfg.kernels.begin(), cfg.kernels.end(), Kernel::native) != cfg.kernels.end();
  if (!python) {
    if (!cfg.python.empty()) throw std::invalid_argument("--python: only with --kernel python");
    return;
  }
  if (!native) {
    const bool emulated = std::any_of(cfg.locks.begin(), cfg.locks.end(),
                                      [](gil::Policy p) { return p != gil::Policy::none; });
    if (emulated)
      throw std::invalid_argument("--lock " + join(cfg.locks, [](gil::Policy p) { return gil::to_string(p); }) +
                                  ": --kernel python runs under the interpreter's own GIL; an emulated lock needs "
                                  "--kernel native (or native,python)");
    if (cfg.lock_scope == LockScope::job)
      throw std::invalid_argument("--lock-scope job: --kernel python has one real GIL per rank (process)");
    if (cfg.trace) throw std::invalid_argument("--trace: records the emulated lock's events; needs --kernel native");
  }
  // --probe: the probe is one more thread of interpreter 0 (the main one), as in the emulation.
  // --interpreters K > 1 needs CPython 3.12+: checked once the interpreter is known (main.cpp).
}

/// Options that are fine alone but not together; throws std::invalid_argument naming them.
void check_combinations(const Config& cfg) {
  if (cfg.output.empty()) throw std::invalid_argument("--output: needs a file name, not ''");
  for (int t : cfg.threads)
    if (!fits_in_a_run(cfg.count, cfg.scaling, 1, t))
      throw std::invalid_argument("--count: " + std::to_string(cfg.count) + " per worker x " + std::to_string(t) +
                                  " threads overflows 64 bits (weak scaling)");
  for (int t : cfg.threads)
    if (cfg.interpreters > t)
      throw std::invalid_argument("--interpreters " + std::to_string(cfg.interpreters) + " is more than --threads " +
                                  std::to_string(t) + ": every interpreter needs a thread");
  if (cfg.lock_scope == LockScope::job && (cfg.interpreters > 1 || cfg.probe_period.count() > 0))
    throw std::invalid_argument("--interpreters and --probe work with --lock-scope rank only");
  check_python_combinations(cfg);
}

/// `--name=` with nothing after '=' makes CLI11 take the next argument as the value ("--threads=
/// --output f" reads "--output"), and a flag given a value is set from it (--schema=0 would run the
/// benchmark): both refused, naming the option. Stops at "--".
void check_equals_forms(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    const std::size_t eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) continue;
    const std::string name = a.substr(0, eq);
    const CLI::Option* opt = app.get_option_no_throw(name);
    if (opt == nullptr) continue;  // CLI11 names an unknown option
    if (opt->get_expected_min() == 0) throw std::invalid_argument(name + ": takes no value, not '" + a + "'");
    if (eq + 1 == a.size()) throw std::invalid_argument(name + ": needs a value after '='");
  }
}

/// CLI11's own wording for a repeated or missing value, put in gilbench's ("--count: given twice").
std::string plain(std::string what) {
  const std::size_t colon = what.find(": ");
  const std::string name = colon == std::string::npos ? "" : what.substr(0, colon);
  if (what.find(": At Most 1 required but received ") != std::string::npos)
    return name + ": given more than once (give it once; a list is one value: 1,2,4)";
  if (what.find(" required ") != std::string::npos && what.size() > 8 && what.ends_with(" missing"))
    return name + ": needs a value";
  return what;
}

ParseResult exit_with(ExitCode code, std::string output) {
  ParseResult r;
  r.action = ParseResult::Action::exit;
  r.code = code;
  r.to_stderr = code != ExitCode::ok;
  r.output = std::move(output);
  return r;
}

std::string quote_arg(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos) return a;
  std::string out = "'";
  for (char c : a) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

ParseResult parse_command_line(int argc, char** argv, const std::string& version_text) {
  ParseResult result;
  Config& cfg = result.config;
  CLI::App app(kDescription, "gilbench");
  app.footer(kFooter);
  app.get_formatter()->column_width(34);
  app.set_version_flag("--version", version_text, "Print version, git revision and the MPI/HDF5/OpenMP versions");
  add_work_options(app, cfg);
  add_lock_options(app, cfg);
  add_output_options(app, cfg);
  bool schema = false;
  app.add_flag("--schema", schema,
               "Print every table and column of the results file and of the summary (name, type, unit, version, "
               "default, meaning) as JSON, and exit")
      ->group("Output");
  try {
    check_equals_forms(app, argc, argv);
    app.parse(argc, argv);
    if (app.count("--threads") == 0) cfg.threads = default_threads(cfg);
    check_combinations(cfg);
  } catch (const CLI::CallForHelp&) {
    return exit_with(ExitCode::ok, app.help());
  } catch (const CLI::CallForVersion&) {
    return exit_with(ExitCode::ok, version_text + "\n");
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.find('\n') != std::string::npos) what = what.substr(0, what.find('\n'));
    return exit_with(ExitCode::usage, "gilbench: " + plain(what) + " (see gilbench --help)\n");
  } catch (const std::invalid_argument& e) {
    return exit_with(ExitCode::usage, std::string("gilbench: ") + e.what() + "\n");
  }
  if (schema) return exit_with(ExitCode::ok, schema_json());
  std::ostringstream cmd;
  for (int i = 0; i < argc; ++i) cmd << (i ? " " : "") << quote_arg(argv[i]);
  cfg.command_line = cmd.str();
  return result;
}

}  // namespace gilbench
