#pragma once
// The unit tests' way to call the CLI: parse_command_line on "gilbench ARGS...".
#include <string>
#include <vector>

#include "app/cli.hpp"

namespace gilbench::test_support {

inline ParseResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "gilbench");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), "gilbench test");
}

}  // namespace gilbench::test_support
