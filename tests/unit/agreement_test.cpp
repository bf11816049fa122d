#include "app/agreement.hpp"

#include <gtest/gtest.h>

#include "parse_args.hpp"

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace gilbench;

namespace {

using gilbench::test_support::parse;

std::vector<std::string> values(const std::vector<std::string>& args) {
  const ParseResult r = parse(args);
  EXPECT_EQ(r.action, ParseResult::Action::run) << r.output;
  std::vector<std::string> v;
  for (const Setting& s : settings_of(r.config)) v.push_back(s.value);
  return v;
}

/// The settings (by flag) in which two command lines differ.
std::set<std::string> differing(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::vector<std::string> va = values(a), vb = values(b);
  const std::vector<Setting> names = settings_of(Config{});
  std::set<std::string> out;
  for (std::size_t i = 0; i < names.size() && i < va.size() && i < vb.size(); ++i)
    if (va[i] != vb[i]) out.insert(names[i].flag);
  return out;
}

RankParse running(const std::vector<std::string>& args) { return rank_parse_of(parse(args), "gilbench test build"); }

RankParse failing(const std::string& message) {
  RankParse p;
  p.kind = RankParse::Kind::error;
  p.build = "gilbench test build";
  p.error = message;
  return p;
}

RankParse answering() {
  RankParse p;
  p.kind = RankParse::Kind::answer;
  p.build = "gilbench test build";
  return p;
}

}  // namespace

// Every compared setting is wired to its own Config member: changing that flag changes that
// setting and no other. Together with agreement.cpp's static_assert on Config's member count,
// a new member cannot be silently left out of the comparison.
TEST(Agreement, EveryFlagChangesExactlyItsSetting) {
  unsetenv("OMP_NUM_THREADS");
  const std::map<std::string, std::vector<std::string>> change = {
      {"--count", {"--count", "4M"}},
      {"--scaling", {"--scaling", "weak"}},
      {"--kernel", {"--kernel", "native,python"}},
      {"--python", {"--kernel", "python", "--python", "/opt/python3"}},  // against --kernel python alone
      {"--threads", {"--threads", "1,2"}},
      {"--repeat", {"--repeat", "3"}},
      {"--warmup", {"--warmup", "0"}},
      {"--lock", {"--lock", "gil"}},
      {"--switch-interval", {"--switch-interval", "1ms"}},
      {"--check-interval", {"--check-interval", "10"}},
      {"--tick-iterations", {"--tick-iterations", "7"}},
      {"--lock-scope", {"--lock-scope", "job"}},
      {"--job-lock", {"--job-lock", "messages"}},
      {"--bind", {"--bind", "none"}},
      {"--trace", {"--trace"}},
      {"--trace-window", {"--trace-window", "1s"}},
      {"--trace-events", {"--trace-events", "5"}},
      {"--probe", {"--probe", "latency"}},
      {"--probe-work", {"--probe-work", "5us"}},
      {"--interpreters", {"--interpreters", "2", "--threads", "2"}},  // against --threads 2 alone
      {"--output", {"--output", "other.h5"}},
      {"--format", {"--format", "csv"}},
      {"--stop-grace", {"--stop-grace", "5s"}},
  };
  const std::vector<Setting> names = settings_of(Config{});
  EXPECT_EQ(names.size(), change.size());
  for (const Setting& s : names) {
    ASSERT_TRUE(change.count(s.flag)) << s.flag << " has no test of its own";
    const std::vector<std::string> base = s.flag == std::string("--interpreters")
                                              ? std::vector<std::string>{"--threads", "2"}
                                          : s.flag == std::string("--python")
                                              ? std::vector<std::string>{"--kernel", "python"}
                                              : std::vector<std::string>{};
    EXPECT_EQ(differing(base, change.at(s.flag)), std::set<std::string>{s.flag}) << s.flag;
  }
  EXPECT_EQ(differing({"--count", "auto"}, {"--count", "auto:2s"}), std::set<std::string>{"--count"});
  EXPECT_EQ(differing({"--count", "50M"}, {"--count", "auto"}), std::set<std::string>{"--count"});
}

TEST(Agreement, SpellingsOfOneConfigurationAgree) {
  unsetenv("OMP_NUM_THREADS");
  EXPECT_TRUE(differing({"--count", "4M", "--quiet"}, {"-n", "4000000"}).empty());  // quiet: only rank 0 talks
  EXPECT_TRUE(differing({"--switch-interval", "0.005"}, {"--switch-interval", "5ms"}).empty());
  EXPECT_TRUE(differing({"--threads", "2,2"}, {"--threads", "2"}).empty());
  setenv("OMP_NUM_THREADS", "2", 1);
  EXPECT_TRUE(differing({}, {"--threads", "2"}).empty());  // the resolved value is compared
  EXPECT_EQ(differing({}, {"--threads", "1"}), std::set<std::string>{"--threads"});
  unsetenv("OMP_NUM_THREADS");
}

TEST(Agreement, ExactValues) {
  unsetenv("OMP_NUM_THREADS");
  const ParseResult r = parse({"--count", "auto:500ms", "--switch-interval", "1500us,2s", "--probe", "latency:250us",
                               "--lock", "none,legacy-gil", "--threads", "1,4"});
  ASSERT_EQ(r.action, ParseResult::Action::run) << r.output;
  std::map<std::string, std::string> v;
  for (const Setting& s : settings_of(r.config)) v[s.flag] = s.value;
  EXPECT_EQ(v["--count"], "auto:500ms");
  EXPECT_EQ(v["--switch-interval"], "1500us,2s");
  EXPECT_EQ(v["--probe"], "latency:250us");
  EXPECT_EQ(v["--lock"], "none,legacy-gil");
  EXPECT_EQ(v["--threads"], "1,4");
  EXPECT_EQ(v["--trace"], "off");
  EXPECT_EQ(v["--output"], "gilbench.h5");
}

TEST(Agreement, EncodeDecodeRoundTrip) {
  RankParse p = running({"--output", "a b.h5"});
  p.values.back() = "";  // an empty value survives
  const RankParse q = decode(encode(p));
  EXPECT_EQ(q.kind, RankParse::Kind::run);
  EXPECT_EQ(q.build, p.build);
  EXPECT_EQ(q.values, p.values);
  const RankParse e = decode(encode(failing("--threads: 0 must be at least 1")));
  EXPECT_EQ(e.kind, RankParse::Kind::error);
  EXPECT_EQ(e.error, "--threads: 0 must be at least 1");
  EXPECT_EQ(decode(encode(answering())).kind, RankParse::Kind::answer);
  EXPECT_EQ(decode("").kind, RankParse::Kind::error);  // garbage from a foreign binary
}

TEST(Agreement, ParseErrorsLoseTheirPrefix) {
  const RankParse p = rank_parse_of(parse({"--threads", "0"}), "b");
  EXPECT_EQ(p.kind, RankParse::Kind::error);
  EXPECT_EQ(p.error.rfind("--threads: ", 0), 0u) << p.error;
  EXPECT_EQ(p.error.find('\n'), std::string::npos);
  EXPECT_EQ(rank_parse_of(parse({"--help"}), "b").kind, RankParse::Kind::answer);
}

TEST(Agreement, RanksText) {
  EXPECT_EQ(ranks_text({1}), "rank 1");
  EXPECT_EQ(ranks_text({1, 2}), "ranks 1,2");
  EXPECT_EQ(ranks_text({1, 2, 3}), "ranks 1-3");
  EXPECT_EQ(ranks_text({0, 2, 5, 6, 7, 9, 10}), "ranks 0,2,5-7,9,10");
}

TEST(Agreement, SameConfigurationRuns) {
  unsetenv("OMP_NUM_THREADS");
  const RankParse p = running({"--count", "4M"});
  EXPECT_EQ(judge({p}).next, Verdict::Next::run);
  EXPECT_EQ(judge({p, p, p}).next, Verdict::Next::run);
}

TEST(Agreement, DifferentThreadsNamed) {
  unsetenv("OMP_NUM_THREADS");
  const Verdict v = judge({running({"--threads", "1"}), running({"--threads", "2"})});
  EXPECT_EQ(v.next, Verdict::Next::fail);
  EXPECT_EQ(v.message,
            "gilbench: ranks disagree on --threads: rank 0 has 1, rank 1 has 2 (set OMP_NUM_THREADS or --threads "
            "alike on every rank)\n");
}

TEST(Agreement, FirstDifferenceNamedOthersListed) {
  unsetenv("OMP_NUM_THREADS");
  const RankParse a = running({"--repeat", "2"}), b = running({"--repeat", "3", "--lock", "gil"});
  const Verdict v = judge({a, b, b, b, a});
  EXPECT_EQ(v.message,
            "gilbench: ranks disagree on --repeat: ranks 0,4 have 2, ranks 1-3 have 3; also on --lock (give every "
            "rank the same options)\n");
}

TEST(Agreement, ManyValuesCut) {
  unsetenv("OMP_NUM_THREADS");
  std::vector<RankParse> ranks;
  for (int r = 1; r <= 6; ++r) ranks.push_back(running({"--repeat", std::to_string(r)}));
  EXPECT_EQ(judge(ranks).message,
            "gilbench: ranks disagree on --repeat: rank 0 has 1, rank 1 has 2, rank 2 has 3, rank 3 has 4, and 2 "
            "more values (give every rank the same options)\n");
}

TEST(Agreement, BadArgumentOnOneRank) {
  unsetenv("OMP_NUM_THREADS");
  const RankParse ok = running({}), bad = failing("--threads: 0 must be at least 1");
  EXPECT_EQ(judge({ok, bad}).message, "gilbench: rank 1: --threads: 0 must be at least 1\n");
  EXPECT_EQ(judge({ok, bad, ok, bad}).message, "gilbench: ranks 1,3: --threads: 0 must be at least 1\n");
  EXPECT_EQ(judge({ok, failing("x"), bad}).message, "gilbench: rank 1: x\n");  // the lowest failing rank
  // every rank failing alike (plain mpirun -n 2 gilbench --bogus): the message as without MPI
  EXPECT_EQ(judge({bad, bad}).message, "gilbench: --threads: 0 must be at least 1\n");
  EXPECT_EQ(judge({bad}).message, "gilbench: --threads: 0 must be at least 1\n");
  EXPECT_EQ(judge({answering(), bad}).next, Verdict::Next::fail);  // an error beats rank 0's --help
}

TEST(Agreement, HelpOnRankZeroAnswers) {
  EXPECT_EQ(judge({answering(), answering()}).next, Verdict::Next::answer);
  EXPECT_EQ(judge({answering(), running({})}).next, Verdict::Next::answer);
  const Verdict v = judge({running({}), answering(), answering()});
  EXPECT_EQ(v.next, Verdict::Next::fail);
  EXPECT_EQ(v.message.rfind("gilbench: ranks 1,2 asked for --help", 0), 0u) << v.message;
}

TEST(Agreement, DifferentBuildsNamed) {
  RankParse a = running({}), b = running({});
  b.build = "gilbench 0.0.9 (git 123)";
  const Verdict v = judge({a, b});
  EXPECT_EQ(v.next, Verdict::Next::fail);
  EXPECT_EQ(v.message,
            "gilbench: ranks run different builds: rank 0 has gilbench test build, rank 1 has gilbench 0.0.9 (git "
            "123) (launch the same gilbench on every rank)\n");
}
