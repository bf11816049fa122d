#pragma once
// Numbers as people write them: counts (50M, 5e7, 1G) and durations (5ms, 500us, 0.005).
// Pure functions; every bad input throws std::invalid_argument with a message fit for users.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gilbench::units {

/// "50000000", "50M", "50m", "5e7", "1G", "1.5k", "2^20" → iterations. SI multipliers are
/// decimal (k=1e3, M=1e6, G=1e9, T=1e12). Result must be a positive integer.
std::uint64_t parse_count(std::string_view text);

/// "5ms", "500us", "500µs", "0.5ms", "50ms", "2s", "100ns", or a bare number of seconds
/// ("0.005", as sys.setswitchinterval) → nanoseconds. Must be > 0.
std::chrono::nanoseconds parse_duration(std::string_view text);

/// Splits "1,2,4" (spaces allowed) into non-empty items; throws on an empty item.
std::vector<std::string> split_list(std::string_view text);

/// 0.0053 → "5.3ms", 2.5 → "2.5s": the shortest readable form, for tables and messages.
std::string format_duration(double seconds);

/// 50000000 → "50M", 1234 → "1234", 1962468950 → "1962468950 (~1.96G)": for headers.
std::string format_count(std::uint64_t n);

}  // namespace gilbench::units
