#pragma once
// A sweep that would run for more than a day gets one warning before it starts: a count typed
// with a few digits too many (--count 2^62) is otherwise found out only when it never ends.
#include <string>

#include "app/config.hpp"

namespace gilbench {

/// The bound: a sweep estimated to take longer than this is warned about.
inline constexpr double kLongRunSeconds = 24 * 3600.0;
/// No machine counts slower than this per worker (a 2026 core does ~1e9/s): a sweep under the
/// bound at this rate needs no measurement, so ordinary counts cost nothing.
inline constexpr double kSlowestRate = 1e8;

/// The sweep's duration at `rate` iterations/s per worker: every run of every configuration,
/// warm-ups included, with the workers that can count at once (threads of one lock take turns).
/// A lower bound: oversubscription and lock switches only add.
double estimated_sweep_seconds(const Config& cfg, int ranks, double rate);

/// "--count 2^62 would take about 146 years ..." (without "gilbench: warning: "), or "" when the
/// sweep fits in kLongRunSeconds at `rate`.
std::string long_run_warning(const Config& cfg, int ranks, double rate);

/// Rank 0, before the sweep: prints the warning when due. `rate` is --count auto's calibrated rate,
/// or 0: then measured (0.1 s) only when the sweep could exceed the bound at kSlowestRate.
void warn_if_long(const Config& cfg, int ranks, double rate);

}  // namespace gilbench
