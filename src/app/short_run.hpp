#pragma once
// Runs too short to mean anything: a configuration whose median measured run is under 100 ms is
// mostly timer and scheduler noise (the book's 50M takes ~15 ms here, 0.7 s in CPython).
#include <string>
#include <vector>

#include "results/schema.hpp"

namespace gilbench {

inline constexpr double kShortRunSeconds = 0.1;

/// One line (without "gilbench: warning: ") naming the configurations whose median complete,
/// measured run is under kShortRunSeconds, pointing at --count auto; "" when none is. Pure.
std::string short_run_warning(const std::vector<RunRecord>& runs);

}  // namespace gilbench
