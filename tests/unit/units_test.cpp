#include "app/units.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace gilbench::units;
using namespace std::chrono_literals;

TEST(ParseCount, AcceptsPlainSuffixedAndScientific) {
  EXPECT_EQ(parse_count("50000000"), 50'000'000u);
  EXPECT_EQ(parse_count("50M"), 50'000'000u);
  EXPECT_EQ(parse_count("50m"), 50'000'000u);
  EXPECT_EQ(parse_count("5e7"), 50'000'000u);
  EXPECT_EQ(parse_count("1G"), 1'000'000'000u);
  EXPECT_EQ(parse_count("1.5k"), 1500u);
  EXPECT_EQ(parse_count("2T"), 2'000'000'000'000u);
  EXPECT_EQ(parse_count("2^20"), 1u << 20);
  EXPECT_EQ(parse_count(" 7 "), 7u);
  EXPECT_EQ(parse_count("1"), 1u);
}

TEST(ParseCount, RefusesNonsense) {
  for (const char* bad : {"0", "-5", "12Q", "", "M", "1.5", "0.1", "abc", "1e30", "3^4", "2^64", "5MM"})
    EXPECT_THROW(parse_count(bad), std::invalid_argument) << bad;
}

TEST(ParseDuration, UnitsAndBareSeconds) {
  EXPECT_EQ(parse_duration("5ms"), 5ms);
  EXPECT_EQ(parse_duration("500us"), 500us);
  EXPECT_EQ(parse_duration("0.5ms"), 500us);
  EXPECT_EQ(parse_duration("50ms"), 50ms);
  EXPECT_EQ(parse_duration("0.005"), 5ms);
  EXPECT_EQ(parse_duration("2s"), 2s);
  EXPECT_EQ(parse_duration("100ns"), 100ns);
  EXPECT_EQ(parse_duration("1e-3"), 1ms);
}

TEST(ParseDuration, RefusesZeroNegativeAndJunk) {
  for (const char* bad : {"0", "0ms", "-5ms", "", "5 parsecs", "ms", "5xs", "0.1ns"})
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
}

TEST(SplitList, SplitsAndTrims) {
  EXPECT_EQ(split_list("1,2, 4"), (std::vector<std::string>{"1", "2", "4"}));
  EXPECT_EQ(split_list("gil"), (std::vector<std::string>{"gil"}));
  EXPECT_THROW(split_list("1,,2"), std::invalid_argument);
  EXPECT_THROW(split_list(""), std::invalid_argument);
}

TEST(Format, ReadableDurationsAndCounts) {
  EXPECT_EQ(format_duration(0.0053), "5.3ms");
  EXPECT_EQ(format_duration(2.5), "2.5s");
  EXPECT_EQ(format_duration(7.5e-7), "750ns");
  EXPECT_EQ(format_duration(4.2e-5), "42us");
  EXPECT_EQ(format_count(50'000'000), "50M");
  EXPECT_EQ(format_count(1234), "1234");
  EXPECT_EQ(format_count(2'000), "2k");
  EXPECT_EQ(format_count(1'962'468'950), "1962468950 (~1.96G)");
}

TEST(ParseCount, DecimalOnlyAndMessagesNameNoOption) {
  for (const char* hex : {"0x10", "0X10", "0x1p4", "0xA"}) {
    EXPECT_THROW(parse_count(hex), std::invalid_argument) << hex;
    EXPECT_THROW(parse_duration(std::string(hex) + "ms"), std::invalid_argument) << hex;
  }
  EXPECT_EQ(parse_count("010"), 10u);
  EXPECT_EQ(parse_count("1e3"), 1000u);
  EXPECT_EQ(parse_duration("010ms"), 10ms);
  // the option's name is the caller's prefix: the unit messages must not say "count"
  for (const char* bad : {"0", "", "12Q", "1,2", "0x10", "-1", "2^99", "1.5"}) {
    try {
      parse_count(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find("count"), std::string::npos) << e.what();
    }
  }
}
