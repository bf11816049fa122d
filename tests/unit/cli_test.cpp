#include "app/cli.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

using namespace gilbench;
using namespace std::chrono_literals;

namespace {
ParseResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "gilbench");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), "gilbench test");
}
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
  const std::vector<std::vector<std::string>> bad = {
      {"--count", "0"},          {"--count", "12Q"},          {"--count", "-5"},
      {"--threads", "0"},        {"--threads", "4097"},       {"--threads", "two"},
      {"--repeat", "0"},         {"--warmup", "-1"},          {"--no-such-flag"},
      {"--lock", "bogus"},       {"--switch-interval", "0"},  {"--switch-interval", "-1ms"},
      {"--check-interval", "0"}, {"--scaling", "medium"},     {"--format", "xml"},
      {"--lock-scope", "node"},  {"--switch-interval", "fast"}};
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
  EXPECT_EQ(parse({"--version"}).output, "gilbench test\n");
}

TEST(Cli, ThreadLimitIs4096) { EXPECT_EQ(parse({"--threads", "4096"}).config.threads, std::vector<int>{4096}); }
