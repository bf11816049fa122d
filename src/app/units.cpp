#include "app/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <stdexcept>

namespace gilbench::units {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Parses the leading decimal number of `s` (digits, '.', exponent); returns the rest in `rest`.
/// Decimal only: strtod alone would read "0x10" as 16 and "0x1p4" too.
bool leading_number(std::string_view s, double& value, std::string_view& rest) {
  const auto digit = [&s](std::size_t i) { return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); };
  std::size_t i = 0, digits = 0;
  for (; digit(i); ++i) ++digits;
  if (i < s.size() && s[i] == '.')
    for (++i; digit(i); ++i) ++digits;
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (digit(j)) {
      for (i = j; digit(i);) ++i;
    }
  }
  const std::string number(s.substr(0, i));
  value = std::strtod(number.c_str(), nullptr);
  rest = s.substr(i);
  return std::isfinite(value);
}

/// "0x10", "0X1F": a hexadecimal number, refused with a message that says so.
bool looks_hexadecimal(std::string_view s) { return s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); }

}  // namespace

std::uint64_t parse_count(std::string_view text) {
  const std::string_view s = trim(text);
  const std::string quoted = "'" + std::string(text) + "'";
  if (s.empty()) throw std::invalid_argument("needs a number, not '" + std::string(text) + "'");
  if (s.front() == '-') throw std::invalid_argument(quoted + " must be positive");
  if (looks_hexadecimal(s)) throw std::invalid_argument(quoted + ": numbers are decimal (hexadecimal is refused)");
  // 2^K
  if (auto caret = s.find('^'); caret != std::string_view::npos) {
    if (s.substr(0, caret) != "2") throw std::invalid_argument(quoted + ": only 2^K powers are accepted");
    double k = 0;
    std::string_view rest;
    if (!leading_number(s.substr(caret + 1), k, rest) || !rest.empty() || k != std::floor(k) || k > 63)
      throw std::invalid_argument(quoted + ": 2^K needs an integer K <= 63");
    return std::uint64_t{1} << static_cast<unsigned>(k);
  }
  double v = 0;
  std::string_view rest;
  if (!leading_number(s, v, rest))
    throw std::invalid_argument(quoted + " is not a number (examples: 50000000, 50M, 5e7, 1G)");
  double mult = 1;
  if (!rest.empty()) {
    if (rest.size() != 1) throw std::invalid_argument(quoted + " has an unknown suffix (use k, M, G or T)");
    switch (rest.front()) {
      case 'k':
      case 'K': mult = 1e3; break;
      case 'm':
      case 'M': mult = 1e6; break;
      case 'g':
      case 'G': mult = 1e9; break;
      case 't':
      case 'T': mult = 1e12; break;
      default: throw std::invalid_argument(quoted + " has an unknown suffix (use k, M, G or T)");
    }
  }
  const double total = v * mult;
  if (total < 1) throw std::invalid_argument(quoted + " must be at least 1");
  if (total != std::floor(total)) throw std::invalid_argument(quoted + " is not a whole number");
  if (total >= 1.8e19) throw std::invalid_argument(quoted + " is too large");
  return static_cast<std::uint64_t>(total);
}

std::chrono::nanoseconds parse_duration(std::string_view text) {
  const std::string_view s = trim(text);
  const std::string quoted = "'" + std::string(text) + "'";
  if (s.empty()) throw std::invalid_argument("needs a duration, not '" + std::string(text) + "'");
  if (s.front() == '-') throw std::invalid_argument("duration " + quoted + " must be positive");
  if (looks_hexadecimal(s)) throw std::invalid_argument(quoted + ": numbers are decimal (hexadecimal is refused)");
  double v = 0;
  std::string_view rest;
  if (!leading_number(s, v, rest))
    throw std::invalid_argument(quoted + " is not a duration (examples: 5ms, 500us, 0.005)");
  double scale = 1e9;  // bare number: seconds
  if (rest == "s" || rest.empty()) scale = 1e9;
  else if (rest == "ms") scale = 1e6;
  else if (rest == "us" || rest == "\xC2\xB5s") scale = 1e3;
  else if (rest == "ns") scale = 1;
  else if (rest == "min") scale = 60e9;
  else throw std::invalid_argument("duration " + quoted + " has an unknown unit (use ns, us, ms, s)");
  const double ns = v * scale;
  if (!(ns >= 1)) throw std::invalid_argument("duration " + quoted + " must be > 0 (at least 1ns)");
  if (ns > 1e18) throw std::invalid_argument("duration " + quoted + " is too long");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item = trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (item.empty())
      throw std::invalid_argument(trim(text).empty() ? "needs a value, not '" + std::string(text) + "'"
                                                     : "empty item in list '" + std::string(text) + "'");
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string format_duration(double seconds) {
  char buf[32];
  const double a = std::fabs(seconds);
  if (a >= 1 || a == 0) std::snprintf(buf, sizeof buf, "%.3gs", seconds);
  else if (a >= 1e-3) std::snprintf(buf, sizeof buf, "%.3gms", seconds * 1e3);
  else if (a >= 1e-6) std::snprintf(buf, sizeof buf, "%.3gus", seconds * 1e6);
  else std::snprintf(buf, sizeof buf, "%.3gns", seconds * 1e9);
  return buf;
}

std::string format_count(std::uint64_t n) {
  const struct {
    std::uint64_t div;
    const char* suffix;
  } units[] = {{1'000'000'000'000ULL, "T"}, {1'000'000'000ULL, "G"}, {1'000'000ULL, "M"}, {1'000ULL, "k"}};
  for (const auto& u : units)
    if (n >= u.div && n % u.div == 0) return std::to_string(n / u.div) + u.suffix;
  for (const auto& u : units)
    if (n >= 1'000'000 && n >= u.div) {  // long numbers only
      char approx[32];
      std::snprintf(approx, sizeof approx, " (~%.3g%s)", static_cast<double>(n) / static_cast<double>(u.div), u.suffix);
      return std::to_string(n) + approx;
    }
  return std::to_string(n);
}

}  // namespace gilbench::units
