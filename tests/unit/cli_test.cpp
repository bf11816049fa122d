#include "app/cli.hpp"

#include <gtest/gtest.h>

#include "parse_args.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace gilbench;
using namespace std::chrono_literals;

namespace {
using gilbench::test_support::parse;
}  // namespace

TEST(Cli, Defaults) {
  unsetenv("OMP_NUM_THREADS");
  const auto r = parse({});
  ASSERT_EQ(r.action, ParseResult::Action::run);
  EXPECT_EQ(r.config.count, 50'000'000u);
  EXPECT_EQ(r.config.threads, std::vector<int>{1});
  EXPECT_EQ(r.config.repeat, 5);
  EXPECT_EQ(r.config.warmup, 1);
  EXPECT_EQ(r.config.output, "gilbench.h5");
  EXPECT_EQ(r.config.locks, std::vector<gil::Policy>{gil::Policy::none});
  EXPECT_EQ(r.config.switch_intervals, std::vector<std::chrono::nanoseconds>{5ms});
}

TEST(Cli, ThreadsDefaultFromOmpNumThreads) {
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(parse({}).config.threads, std::vector<int>{3});
  setenv("OMP_NUM_THREADS", "4,2", 1);  // nested list: the outer level
  EXPECT_EQ(parse({}).config.threads, std::vector<int>{4});
  unsetenv("OMP_NUM_THREADS");
}

TEST(Cli, SweepsAndUnits) {
  const auto r = parse({"--count", "1G", "--threads", "1,2,4", "--lock", "none,gil,legacy-gil", "--switch-interval",
                        "500us,0.005", "--check-interval", "10,100", "--scaling", "weak", "--format", "json"});
  ASSERT_EQ(r.action, ParseResult::Action::run) << r.output;
  EXPECT_EQ(r.config.count, 1'000'000'000u);
  EXPECT_EQ(r.config.threads, (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(r.config.locks.size(), 3u);
  EXPECT_EQ(r.config.switch_intervals, (std::vector<std::chrono::nanoseconds>{500us, 5ms}));
  EXPECT_EQ(r.config.check_intervals, (std::vector<std::int64_t>{10, 100}));
  EXPECT_EQ(r.config.scaling, Scaling::weak);
  EXPECT_EQ(r.config.format, OutputFormat::json);
}

TEST(Cli, CountAuto) {
  EXPECT_DOUBLE_EQ(parse({"--count", "auto"}).config.count_auto_s, 1.0);
  EXPECT_DOUBLE_EQ(parse({"--count", "auto:2"}).config.count_auto_s, 2.0);
  EXPECT_DOUBLE_EQ(parse({"--count", "auto:500ms"}).config.count_auto_s, 0.5);
  EXPECT_EQ(parse({"--count", "automatic"}).code, ExitCode::usage);
}

TEST(Cli, BadInputIsAUsageErrorWithOneLine) {
  const std::vector<std::vector<std::string>> bad = {{"--count", "0"},
                                                     {"--count", "12Q"},
                                                     {"--count", "-5"},
                                                     {"--threads", "0"},
                                                     {"--threads", "4097"},
                                                     {"--threads", "two"},
                                                     {"--repeat", "0"},
                                                     {"--warmup", "-1"},
                                                     {"--no-such-flag"},
                                                     {"--lock", "bogus"},
                                                     {"--switch-interval", "0"},
                                                     {"--switch-interval", "-1ms"},
                                                     {"--check-interval", "0"},
                                                     {"--scaling", "medium"},
                                                     {"--format", "xml"},
                                                     {"--lock-scope", "node"},
                                                     {"--switch-interval", "fast"},
                                                     {"--stop-grace", "-1s"},
                                                     {"--stop-grace", "soon"},
                                                     {"--stop-grace", "0.0.0"},
                                                     {"--stop-grace", "0x"}};
  for (const auto& args : bad) {
    const auto r = parse(args);
    EXPECT_EQ(r.action, ParseResult::Action::exit) << args[0];
    EXPECT_EQ(r.code, ExitCode::usage) << args[0];
    EXPECT_TRUE(r.to_stderr);
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}

TEST(Cli, HelpAndVersionExitZero) {
  const auto h = parse({"--help"});
  EXPECT_EQ(h.action, ParseResult::Action::exit);
  EXPECT_EQ(h.code, ExitCode::ok);
  EXPECT_NE(h.output.find("--switch-interval"), std::string::npos);
  EXPECT_NE(h.output.find("EXIT CODES"), std::string::npos);
  EXPECT_NE(h.output.find("  7 stdout failed"), std::string::npos) << "exit code 7 documented";
  EXPECT_EQ(static_cast<int>(ExitCode::output), 7);
  EXPECT_EQ(parse({"--version"}).output, "gilbench test\n");
}

TEST(Cli, StopGraceTakesADurationOrZero) {
  EXPECT_EQ(parse({}).config.stop_grace, 30s);
  EXPECT_EQ(parse({"--stop-grace", "0"}).config.stop_grace, 0s);
  EXPECT_EQ(parse({"--stop-grace=0s"}).config.stop_grace, 0s);
  EXPECT_EQ(parse({"--stop-grace", "0.0ms"}).config.stop_grace, 0s);
  EXPECT_EQ(parse({"--stop-grace", "60s"}).config.stop_grace, 60s);
  EXPECT_EQ(parse({"--stop-grace", "1.5"}).config.stop_grace, 1500ms);
  EXPECT_EQ(parse({"--stop-grace", "250ms"}).config.stop_grace, 250ms);
  const auto bad = parse({"--stop-grace", "soon"});
  EXPECT_EQ(bad.code, ExitCode::usage);
  EXPECT_NE(bad.output.find("--stop-grace"), std::string::npos) << bad.output;
}

TEST(Cli, ThreadLimitIs4096) { EXPECT_EQ(parse({"--threads", "4096"}).config.threads, std::vector<int>{4096}); }

TEST(Cli, WeakScalingTotalsThatOverflowAreRefused) {
  const auto r = parse({"--count", "2^62", "--scaling", "weak", "--threads", "1,4"});
  EXPECT_EQ(r.code, ExitCode::usage);
  EXPECT_EQ(r.output.rfind("gilbench: --count: ", 0), 0u) << r.output;
  EXPECT_EQ(parse({"--count", "2^62", "--scaling", "weak", "--threads", "3"}).code, ExitCode::ok);
  EXPECT_EQ(parse({"--count", "2^62", "--threads", "4"}).code, ExitCode::ok) << "strong scaling splits the count";
}

TEST(Cli, EveryValueErrorNamesItsFlag) {
  const std::vector<std::vector<std::string>> bad = {{"--count", "0"},
                                                     {"--count", "auto:x"},
                                                     {"--threads", "two"},
                                                     {"--threads", "1,,2"},
                                                     {"--repeat", "x"},
                                                     {"--warmup", "-1"},
                                                     {"--lock", "bogus"},
                                                     {"--switch-interval", "0"},
                                                     {"--check-interval", "0"},
                                                     {"--tick-iterations", "0"},
                                                     {"--lock-scope", "node"},
                                                     {"--trace-window", "soon"},
                                                     {"--trace-events", "x"},
                                                     {"--probe", "x"},
                                                     {"--probe", "latency:"},
                                                     {"--interpreters", "0"},
                                                     {"--probe", "latency:100ns"},
                                                     {"--output", ""},
                                                     {"--probe", "latency:99us"},
                                                     {"--format", "xml"},
                                                     {"--scaling", "medium"}};
  for (const auto& args : bad) {
    const auto r = parse(args);
    EXPECT_EQ(r.code, ExitCode::usage) << args[0];
    EXPECT_EQ(r.output.rfind("gilbench: " + args[0] + ": ", 0), 0u) << r.output;
  }
  EXPECT_EQ(parse({"--format", "xml"}).output,
            "gilbench: --format: 'xml' is not one of table, csv, json (see gilbench --help)\n");
}

TEST(Cli, CombinationsAreCheckedAfterEveryOption) {
  const auto r = parse({"--interpreters", "3", "--threads", "2"});
  EXPECT_EQ(r.code, ExitCode::usage);
  EXPECT_EQ(r.output, "gilbench: --interpreters 3 is more than --threads 2: every interpreter needs a thread\n");
  EXPECT_EQ(parse({"--lock-scope", "job", "--probe", "latency"}).code, ExitCode::usage);
  EXPECT_EQ(parse({"--threads", "3", "--interpreters", "3"}).config.interpreters, 3);
}

TEST(Cli, UnitsListsAndChoicesLandInConfig) {
  const auto r = parse({"--count",
                        "2^20",
                        "--threads",
                        "4, 2,4",
                        "--switch-interval",
                        "5ms,0.005,1ms",
                        "--tick-iterations",
                        "2k",
                        "--trace-window",
                        "250ms",
                        "--trace-events",
                        "1k",
                        "--probe",
                        "latency",
                        "--lock-scope",
                        "rank",
                        "--lock",
                        "gil,gil",
                        "--repeat",
                        "3",
                        "--warmup",
                        "0",
                        "--format",
                        "csv"});
  ASSERT_EQ(r.action, ParseResult::Action::run) << r.output;
  EXPECT_EQ(r.config.count, 1u << 20);
  EXPECT_EQ(r.config.threads, (std::vector<int>{4, 2})) << "duplicates dropped, first order kept";
  EXPECT_EQ(r.config.switch_intervals, (std::vector<std::chrono::nanoseconds>{5ms, 1ms}));
  EXPECT_EQ(r.config.tick_iterations, 2000);
  EXPECT_TRUE(r.config.tick_iterations_given) << "an override: the launch records source --tick-iterations override";
  EXPECT_DOUBLE_EQ(r.config.trace_window_s, 0.25);
  EXPECT_EQ(r.config.trace_max_events, 1000u);
  EXPECT_EQ(r.config.locks, std::vector<gil::Policy>{gil::Policy::gil});
  EXPECT_EQ(r.config.repeat, 3);
  EXPECT_EQ(r.config.warmup, 0);
  EXPECT_EQ(r.config.format, OutputFormat::csv);
  EXPECT_EQ(r.config.lock_scope, LockScope::rank);
  EXPECT_EQ(parse({"--lock-scope", "job"}).config.lock_scope, LockScope::job);
  EXPECT_EQ(r.config.probe_period, std::chrono::nanoseconds(kProbePeriod)) << "latency without a period";
  EXPECT_EQ(parse({"--probe", "latency:2ms"}).config.probe_period, 2ms);
  EXPECT_EQ(parse({"--probe", "latency:100us"}).config.probe_period, std::chrono::nanoseconds(kMinProbePeriod));
  EXPECT_DOUBLE_EQ(parse({"--count", "auto"}).config.count_auto_s, kCountAutoSeconds);
  EXPECT_EQ(parse({"--count", "1M", "--count", "auto"}).code, ExitCode::usage) << "an option given twice is refused";
}

TEST(Cli, OmittedOptionsKeepConfigDefaults) {
  unsetenv("OMP_NUM_THREADS");
  const Config d;
  const Config c = parse({}).config;
  EXPECT_EQ(c.count, d.count);
  EXPECT_EQ(c.count_auto_s, d.count_auto_s);
  EXPECT_EQ(c.scaling, d.scaling);
  EXPECT_EQ(c.threads, d.threads);
  EXPECT_EQ(c.locks, d.locks);
  EXPECT_EQ(c.switch_intervals, d.switch_intervals);
  EXPECT_EQ(c.check_intervals, d.check_intervals);
  EXPECT_EQ(c.tick_iterations, d.tick_iterations);
  EXPECT_FALSE(c.tick_iterations_given) << "no --tick-iterations: measured at start-up";
  EXPECT_EQ(c.lock_scope, d.lock_scope);
  EXPECT_EQ(c.trace_window_s, d.trace_window_s);
  EXPECT_EQ(c.trace_max_events, d.trace_max_events);
  EXPECT_EQ(c.probe_period, d.probe_period);
  EXPECT_EQ(c.interpreters, d.interpreters);
  EXPECT_EQ(c.format, d.format);
  EXPECT_EQ(c.output, d.output);
}

TEST(Cli, HelpShowsTheConfigDefaults) {
  const std::string h = parse({"--help"}).output;
  for (const char* shown :
       {"N|auto[:S]=50M", "strong|weak=strong", "LIST=none", "DURS=5ms", "TICKS=100", "rank|job=rank", "DUR=2s",
        "table|csv|json=table", "FILE.h5=gilbench.h5", "R=5", "W=1", "K=1", "(default 10ms)", "(default 1s)"})
    EXPECT_NE(h.find(shown), std::string::npos) << shown << " not in --help";
}

namespace {
/// Every long option of --help, and whether it takes a value ("--count N|auto[:S]=50M  Iter...").
std::vector<std::pair<std::string, bool>> help_options() {
  std::vector<std::pair<std::string, bool>> out;
  std::istringstream help(parse({"--help"}).output);
  for (std::string line; std::getline(help, line);) {
    const std::size_t dash = line.find("--");
    if (line.rfind("  -", 0) != 0 || dash == std::string::npos || dash > 6) continue;
    const std::size_t end = line.find_first_of(" =", dash);
    const std::string name = line.substr(dash, end - dash);
    const std::size_t after = line.find_first_not_of(' ', end);
    const bool takes_value = end != std::string::npos && line[end] == ' ' && end + 1 < line.size() &&
                             line[end + 1] != ' ' && after != std::string::npos && after == end + 1;
    out.emplace_back(name, takes_value);
  }
  return out;
}
}  // namespace

TEST(Cli, EveryOptionRefusesAnEmptyValueNamingItself) {
  unsetenv("OMP_NUM_THREADS");
  const auto options = help_options();
  ASSERT_GE(options.size(), 20u) << parse({"--help"}).output;
  int with_value = 0;
  for (const auto& [name, takes_value] : options) {
    if (name == "--help" || name == "--version") {
      EXPECT_FALSE(takes_value) << name;
    }
    std::vector<std::vector<std::string>> cases = {{name + "="}, {name + "=", "--quiet"}};
    if (takes_value) {
      ++with_value;
      cases.push_back({name, ""});
      cases.push_back({name, " "});
      cases.push_back({name, "--quiet"});  // the next option is not a value
    } else {
      cases.push_back({name + "=0"});  // a flag takes no value (--schema=0 would run the benchmark)
    }
    for (const auto& args : cases) {
      const auto r = parse(args);
      EXPECT_EQ(r.code, ExitCode::usage) << args[0] << " '" << (args.size() > 1 ? args[1] : "") << "'";
      EXPECT_EQ(r.output.rfind("gilbench: " + name + ": ", 0), 0u) << r.output;
      EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    }
  }
  EXPECT_GE(with_value, 15);
  EXPECT_EQ(parse({"--threads="}).output, "gilbench: --threads: needs a value after '='\n");
  EXPECT_EQ(parse({"--threads", ""}).output, "gilbench: --threads: needs a value, not '' (see gilbench --help)\n");
  EXPECT_EQ(parse({"--warmup", ""}).code, ExitCode::usage);
  EXPECT_EQ(parse({"--probe", ""}).code, ExitCode::usage);
}

TEST(Cli, NumbersAreDecimalOnly) {
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{{"--count", "0x10"},
                                                                                    {"--count", "0X1p4"},
                                                                                    {"--trace-events", "0x10"},
                                                                                    {"--tick-iterations", "0x1A"},
                                                                                    {"--check-interval", "0x10"},
                                                                                    {"--switch-interval", "0x5ms"},
                                                                                    {"--trace-window", "0x1"},
                                                                                    {"--probe", "latency:0x1"},
                                                                                    {"--count", "auto:0x1"},
                                                                                    {"--threads", "0x2"},
                                                                                    {"--repeat", "0x10"},
                                                                                    {"--threads", "+3"},
                                                                                    {"--warmup", "1e1"}}) {
    const auto r = parse({flag, value});
    EXPECT_EQ(r.code, ExitCode::usage) << flag << " " << value;
    EXPECT_EQ(r.output.rfind("gilbench: " + flag + ": ", 0), 0u) << r.output;
  }
  EXPECT_EQ(parse({"--count", "0x10"}).output,
            "gilbench: --count: '0x10': numbers are decimal (hexadecimal is refused) (see gilbench --help)\n");
  EXPECT_EQ(parse({"--count", "010"}).config.count, 10u) << "a leading zero is decimal, as --help says";
  EXPECT_EQ(parse({"--threads", "010"}).config.threads, std::vector<int>{10});
  EXPECT_EQ(parse({"--repeat", "007"}).config.repeat, 7);
  EXPECT_NE(parse({"--help"}).output.find("010 is 10, 0x10 is refused"), std::string::npos);
  EXPECT_EQ(parse({"--threads", "99999999999999999999"}).code, ExitCode::usage);
}

TEST(Cli, OmpNumThreadsIsCheckedLikeThreads) {
  for (const char* bad : {"5000", "abc", "0", "", "4,x", "-2", "0x4"}) {
    setenv("OMP_NUM_THREADS", bad, 1);
    const auto r = parse({});
    EXPECT_EQ(r.code, ExitCode::usage) << "OMP_NUM_THREADS=" << bad;
    EXPECT_EQ(r.output.rfind("gilbench: OMP_NUM_THREADS='" + std::string(bad) + "', the default of --threads: ", 0), 0u)
        << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_EQ(parse({"--threads", "2"}).config.threads, std::vector<int>{2}) << "--threads given: not its default";
  }
  setenv("OMP_NUM_THREADS", "5000", 1);
  EXPECT_EQ(parse({}).output,
            "gilbench: OMP_NUM_THREADS='5000', the default of --threads: 5000 is above the limit of 4096 (set it to "
            "1..4096, unset it, or pass --threads)\n");
  setenv("OMP_NUM_THREADS", "4096", 1);
  EXPECT_EQ(parse({}).config.threads, std::vector<int>{4096});
  setenv("OMP_NUM_THREADS", " 4, 2", 1);
  EXPECT_EQ(parse({}).config.threads, std::vector<int>{4}) << "nesting levels: the outer one";
  unsetenv("OMP_NUM_THREADS");
}

TEST(Cli, ValueErrorsNameTheirOwnFlagOnly) {
  // messages used to say "count '0'" for options that are not --count
  for (const auto& args : std::vector<std::vector<std::string>>{{"--check-interval", "0"},
                                                                {"--check-interval", "1,,2"},
                                                                {"--tick-iterations", "1,2"},
                                                                {"--tick-iterations", "0"},
                                                                {"--tick-iterations", ""},
                                                                {"--trace-events", "0"},
                                                                {"--trace-events", "1,2"},
                                                                {"--trace-events", "12Q"}}) {
    const auto r = parse(args);
    EXPECT_EQ(r.code, ExitCode::usage) << args[0];
    EXPECT_EQ(r.output.rfind("gilbench: " + args[0] + ": ", 0), 0u) << r.output;
    EXPECT_EQ(r.output.find("count"), std::string::npos) << r.output;
  }
  EXPECT_EQ(parse({"--check-interval", "0"}).output,
            "gilbench: --check-interval: '0' must be at least 1 (see gilbench --help)\n");
  EXPECT_EQ(parse({"--tick-iterations", "1,2"}).output,
            "gilbench: --tick-iterations: takes one value, not a list ('1,2') (see gilbench --help)\n");
  for (const char* single :
       {"--count", "--repeat", "--warmup", "--trace-window", "--trace-events", "--probe", "--interpreters"}) {
    const auto r = parse({single, "1,2"});
    EXPECT_EQ(r.output.rfind(std::string("gilbench: ") + single + ": takes one value, not a list", 0), 0u) << r.output;
  }
  EXPECT_EQ(parse({"--count", "1M", "--count", "2M"}).output,
            "gilbench: --count: given more than once (give it once; a list is one value: 1,2,4) (see gilbench "
            "--help)\n");
  EXPECT_EQ(parse({"--lock", "--trace"}).output,
            "gilbench: --lock: needs a value, not the option '--trace' (see gilbench --help)\n");
}
