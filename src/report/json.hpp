#pragma once
// The two JSON writers gilbench needs (the summary's --format json and --schema): a string
// literal and a number that round-trips. Hand-written because the output is a flat list of
// objects; no JSON library is a dependency.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace gilbench::json {

/// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
inline std::string text(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// `v` with 17 significant digits (reads back to the same double: the report agrees to the
/// last bit); null for NaN and infinities (JSON has neither: "not measured").
inline std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace gilbench::json
