#include "app/cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "app/schema_json.hpp"
#include "app/units.hpp"

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
    "          python3 -c 'import h5py,pandas as pd; print(pd.DataFrame(h5py.File(\"gilbench.h5\")[\"runs\"][()]))'\n"
    "\n"
    "EXIT CODES\n"
    "  0 success   2 bad argument   3 INVALID (work not done as asked)   4 results file error\n"
    "  5 interrupted by SIGTERM/SIGINT (finished repetitions are saved)   6 failure during a run\n"
    "\n"
    "ENVIRONMENT\n"
    "  OMP_NUM_THREADS  default for --threads;  OMP_PLACES/OMP_PROC_BIND  thread binding (recorded)\n"
    "  HDF5_USE_FILE_LOCKING=FALSE  on file systems without locks (some NFS/Lustre mounts)\n"
    "  SLURM_*  recorded as provenance when run under Slurm\n";

int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env != nullptr && *env != '\0') {
    try {
      const std::string first = units::split_list(env).front();
      const int t = std::stoi(first);
      if (t >= 1 && t <= kMaxThreads) return t;
    } catch (const std::exception&) {
    }
  }
  return 1;
}

std::vector<int> parse_threads(const std::string& text) {
  std::vector<int> out;
  for (const std::string& item : units::split_list(text)) {
    std::size_t used = 0;
    long v = 0;
    try {
      v = std::stol(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size()) throw std::invalid_argument("--threads: '" + item + "' is not a whole number");
    if (v < 1) throw std::invalid_argument("--threads: " + item + " must be at least 1");
    if (v > kMaxThreads)
      throw std::invalid_argument("--threads: " + item + " is above the limit of " + std::to_string(kMaxThreads));
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(static_cast<int>(v));
  }
  return out;
}

std::vector<gil::Policy> parse_locks(const std::string& text) {
  std::vector<gil::Policy> out;
  for (const std::string& item : units::split_list(text)) {
    const auto p = gil::parse_policy(item);
    if (!p) throw std::invalid_argument("--lock: unknown policy '" + item + "' (choose none, gil, legacy-gil)");
    if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
  }
  return out;
}

std::int64_t positive_integer(const std::string& flag, const std::string& text) {
  const std::uint64_t v = units::parse_count(text);  // accepts 100, 1k, ...
  if (v > static_cast<std::uint64_t>(INT64_MAX / 1024)) throw std::invalid_argument(flag + ": " + text + " is too large");
  return static_cast<std::int64_t>(v);
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

  std::string count = "50M", scaling = "strong", threads, locks = "none", intervals = "5ms", check = "100";
  std::string ticks = std::to_string(gil::kDefaultTickIterations), scope = "rank", format = "table";
  std::string trace_window = "2s", trace_events = "100k";

  auto* work = "Work";
  app.add_option("-n,--count", count,
                 "Iterations: total, split over all workers (strong), or per worker (weak). 50M, 5e7, 1G; or auto[:SECONDS] "
                 "to calibrate N so the sequential run takes about SECONDS here (default 1)")
      ->default_str("50M")->group(work)->type_name("N|auto[:S]");
  app.add_option("--scaling", scaling, "strong: --count is the total; weak: --count is per worker")
      ->default_str("strong")->check(CLI::IsMember({"strong", "weak"}))->group(work)->type_name("strong|weak");
  app.add_option("-t,--threads", threads, "OpenMP threads per rank, a list to sweep (1..4096; default $OMP_NUM_THREADS, else 1)")
      ->group(work)->type_name("LIST");
  app.add_option("-r,--repeat", cfg.repeat, "Measured repetitions per configuration, interleaved round robin")
      ->default_val(5)->group(work)->type_name("R");
  app.add_option("-w,--warmup", cfg.warmup, "Warm-up repetitions per configuration, run first, recorded, not summarised")
      ->default_val(1)->group(work)->type_name("W");

  auto* lock = "Emulated GIL";
  app.add_option("-l,--lock", locks,
                 "Lock policies to sweep: none (free threads, like CPython 3.13t), gil (CPython 3.2+ switch "
                 "interval), legacy-gil (CPython <= 3.1 ticks)")
      ->default_str("none")->group(lock)->type_name("LIST");
  app.add_option("-s,--switch-interval", intervals,
                 "gil: how long a waiter waits before asking the holder to drop (sys.setswitchinterval); a list to sweep")
      ->default_str("5ms")->group(lock)->type_name("DURS");
  app.add_option("--check-interval", check, "legacy-gil: ticks between release/re-acquire (sys.setcheckinterval)")
      ->default_str("100")->group(lock)->type_name("TICKS");
  app.add_option("--tick-iterations", ticks,
                 "Countdown iterations per emulated tick: maps CPython's ticks to this kernel's speed (docs/gil.md)")
      ->default_str(ticks)->group(lock)->type_name("N");
  app.add_option("--lock-scope", scope,
                 "rank: one lock per MPI rank (one GIL per Python process); job: one lock shared by every thread of "
                 "every rank (needs MPI_THREAD_MULTIPLE)")
      ->default_str("rank")->check(CLI::IsMember({"rank", "job"}))->group(lock)->type_name("rank|job");
  app.add_flag("--trace", cfg.trace, "Record each thread's lock events (request, acquire, drop request, release) into /trace")
      ->group(lock);
  app.add_option("--trace-window", trace_window, "Trace only the first DURATION of each run")
      ->default_str("2s")->group(lock)->type_name("DUR");
  app.add_option("--trace-events", trace_events, "At most this many trace events per thread and run")
      ->default_str("100k")->group(lock)->type_name("N");

  std::string probe;
  app.add_option("--probe", probe,
                 "latency[:PERIOD]: one extra I/O-like thread per rank that wakes every PERIOD (default 10ms), takes "
                 "the lock like a Python thread returning from recv(), and records how long that took into /latency")
      ->group(lock)->type_name("latency[:DUR]");
  app.add_option("--interpreters", cfg.interpreters,
                 "Emulated interpreters per rank, each with its own lock (PEP 684); threads are dealt round robin "
                 "(thread t -> interpreter t % K); K = threads: no two threads share a lock")
      ->default_val(1)->group(lock)->type_name("K");

  auto* out = "Output";
  app.add_option("-o,--output", cfg.output, "Results file (HDF5); an existing gilbench file is appended to, never overwritten")
      ->default_str("gilbench.h5")->group(out)->type_name("FILE.h5");
  app.add_option("--format", format, "Summary on stdout: table, csv or json (csv/json: stdout holds nothing else)")
      ->default_str("table")->check(CLI::IsMember({"table", "csv", "json"}))->group(out)->type_name("table|csv|json");
  app.add_flag("-q,--quiet", cfg.quiet, "No header or progress line on stderr")->group(out);
  bool schema = false;
  app.add_flag("--schema", schema,
               "Print every table and column of the results file and of the summary (name, type, unit, version, "
               "default, meaning) as JSON, and exit")
      ->group(out);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    result.action = ParseResult::Action::exit;
    result.output = app.help();
    return result;
  } catch (const CLI::CallForVersion& e) {
    result.action = ParseResult::Action::exit;
    result.output = version_text + "\n";
    return result;
  } catch (const CLI::ParseError& e) {
    result.action = ParseResult::Action::exit;
    result.code = ExitCode::usage;
    result.to_stderr = true;
    std::string what = e.what();
    if (what.find('\n') != std::string::npos) what = what.substr(0, what.find('\n'));
    result.output = "gilbench: " + what + " (see gilbench --help)\n";
    return result;
  }
  if (schema) {
    result.action = ParseResult::Action::exit;
    result.output = schema_json();
    return result;
  }

  try {
    if (count.rfind("auto", 0) == 0) {
      const std::string rest = count.substr(4);
      cfg.count_auto_s = 1.0;
      if (!rest.empty()) {
        if (rest.front() != ':') throw std::invalid_argument("--count: write auto or auto:SECONDS, not '" + count + "'");
        cfg.count_auto_s = static_cast<double>(units::parse_duration(rest.substr(1)).count()) * 1e-9;
      }
      if (cfg.count_auto_s > 3600) throw std::invalid_argument("--count auto: at most one hour per sequential run");
    } else {
      cfg.count = units::parse_count(count);
    }
    cfg.scaling = scaling == "weak" ? Scaling::weak : Scaling::strong;
    cfg.threads = threads.empty() ? std::vector<int>{default_threads()} : parse_threads(threads);
    if (cfg.repeat < 1) throw std::invalid_argument("--repeat must be at least 1");
    if (cfg.warmup < 0) throw std::invalid_argument("--warmup must be 0 or more");
    cfg.locks = parse_locks(locks);
    cfg.switch_intervals.clear();
    for (const std::string& item : units::split_list(intervals)) {
      const auto d = units::parse_duration(item);
      if (std::find(cfg.switch_intervals.begin(), cfg.switch_intervals.end(), d) == cfg.switch_intervals.end())
        cfg.switch_intervals.push_back(d);
    }
    cfg.check_intervals.clear();
    for (const std::string& item : units::split_list(check)) {
      const auto v = positive_integer("--check-interval", item);
      if (std::find(cfg.check_intervals.begin(), cfg.check_intervals.end(), v) == cfg.check_intervals.end())
        cfg.check_intervals.push_back(v);
    }
    cfg.tick_iterations = positive_integer("--tick-iterations", ticks);
    cfg.lock_scope = scope == "job" ? LockScope::job : LockScope::rank;
    cfg.trace_window_s = static_cast<double>(units::parse_duration(trace_window).count()) * 1e-9;
    cfg.trace_max_events = units::parse_count(trace_events);
    if (!probe.empty()) {
      if (probe.rfind("latency", 0) != 0 || (probe.size() > 7 && probe[7] != ':'))
        throw std::invalid_argument("--probe: write latency or latency:PERIOD, not '" + probe + "'");
      if (probe.size() == 8) throw std::invalid_argument("--probe latency: needs a period after ':' (e.g. latency:10ms)");
      cfg.probe_period = probe.size() > 8 ? units::parse_duration(probe.substr(8)) : std::chrono::milliseconds(10);
    }
    if (cfg.interpreters < 1) throw std::invalid_argument("--interpreters must be at least 1");
    for (int t : cfg.threads)
      if (cfg.interpreters > t)
        throw std::invalid_argument("--interpreters " + std::to_string(cfg.interpreters) + " is more than --threads " +
                                    std::to_string(t) + ": every interpreter needs a thread");
    if (cfg.lock_scope == LockScope::job && (cfg.interpreters > 1 || cfg.probe_period.count() > 0))
      throw std::invalid_argument("--interpreters and --probe work with --lock-scope rank only");
    cfg.format = format == "csv" ? OutputFormat::csv : format == "json" ? OutputFormat::json : OutputFormat::table;
  } catch (const std::invalid_argument& e) {
    result.action = ParseResult::Action::exit;
    result.code = ExitCode::usage;
    result.to_stderr = true;
    result.output = std::string("gilbench: ") + e.what() + "\n";
    return result;
  }

  std::ostringstream cmd;
  for (int i = 0; i < argc; ++i) cmd << (i ? " " : "") << quote_arg(argv[i]);
  cfg.command_line = cmd.str();
  return result;
}

}  // namespace gilbench
