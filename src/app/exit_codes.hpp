#pragma once
// The small, documented set of exit codes (README "Exit codes"), and the error type that carries
// one of them from wherever a problem is found to main().
#include <stdexcept>
#include <string>

namespace gilbench {

enum class ExitCode : int {
  ok = 0,
  usage = 2,        ///< bad argument or flag: nothing was run or written
  validation = 3,   ///< the run did not do the work asked (INVALID)
  io = 4,           ///< results file unreadable, unwritable, foreign, locked or of another schema
  interrupted = 5,  ///< SIGTERM/SIGINT: finished rounds are saved
  runtime = 6,      ///< a failure in the middle of a run (MPI, threads, kernel self-check)
  output = 7,       ///< stdout failed (full, closed, reader gone): the results file is complete
};

/// An error that ends the program with `code` and one line of `what()` on stderr (rank 0).
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

}  // namespace gilbench
