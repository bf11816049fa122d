#pragma once
// argv → Config. Parsing never prints: it returns what main() should do, so that only rank 0
// talks and every rank exits with the same code.
#include <string>

#include "app/config.hpp"
#include "app/exit_codes.hpp"

namespace gilbench {

struct ParseResult {
  enum class Action { run, exit } action = Action::run;
  Config config;
  ExitCode code = ExitCode::ok;
  std::string output;  ///< --help / --version text (stdout) or the one-line error (stderr)
  bool to_stderr = false;
};

/// `version_text` is what --version prints (it needs MPI/HDF5 facts main() knows).
ParseResult parse_command_line(int argc, char** argv, const std::string& version_text);

}  // namespace gilbench
