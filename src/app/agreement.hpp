#pragma once
// Before any work every rank must have parsed its command line into the same configuration: an
// MPMD launch (mpirun A : B), a different OMP_NUM_THREADS on each node or a bad argument on one
// rank only would otherwise die in the first gather or hang in mismatched collectives. Every rank
// parses; rank 0 collects each rank's outcome and resolved settings, and either lets the launch
// run or prints one line naming the rank's error or the setting the ranks differ on (exit 2).
#include <mpi.h>

#include <string>
#include <vector>

#include "app/cli.hpp"

namespace gilbench {

/// One setting of a resolved Config as exact text: the flag that sets it, and its value.
struct Setting {
  const char* flag;
  std::string value;
};

/// Every Config member that decides what a launch runs or where it writes, in --help order. One
/// list: a member added to Config fails a static_assert in agreement.cpp until it is listed here
/// or among the members deliberately not compared (quiet, command_line).
std::vector<Setting> settings_of(const Config& cfg);

/// What one rank made of its command line, as rank 0 sees it.
struct RankParse {
  enum class Kind : char { run = 'r', answer = 'a', error = 'e' };
  Kind kind = Kind::run;            ///< answer: --help, --version or --schema
  std::string build;                ///< "gilbench 0.1.0 (git abc123)": MPMD may mix binaries
  std::string error;                ///< error: the message, without "gilbench: " and newline
  std::vector<std::string> values;  ///< run: the values of settings_of(config), in order
};

RankParse rank_parse_of(const ParseResult& parsed, const std::string& build);
std::string encode(const RankParse& p);  ///< fields separated by NUL (argv and env hold none)
RankParse decode(const std::string& text);

/// Rank 0's decision from every rank's parse (index = rank).
struct Verdict {
  enum class Next { run, answer, fail };
  Next next = Next::run;
  std::string message;  ///< fail: the one line for stderr, "gilbench: ...\n"
};
Verdict judge(const std::vector<RankParse>& ranks);

/// "rank 1", "ranks 1-3", "ranks 0,2,5-7" (sorted input).
std::string ranks_text(const std::vector<int>& ranks);

/// Collective on comm, right after MPI_Init: -1 when every rank runs the same configuration,
/// else the exit code every rank leaves with (rank 0 has printed --help/--version/--schema, or
/// the one error line).
int agree_on_command_line(MPI_Comm comm, const ParseResult& parsed, int (*answer)(const ParseResult&));

}  // namespace gilbench
