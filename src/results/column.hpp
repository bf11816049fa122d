#pragma once
// The vocabulary of a declared column: its kind, the C++ type a kind is stored as, and the
// descriptor every table's X-macro expands to. Pure C++, no HDF5: the lock counters in gil/
// are declared with it too, so that every column of the results file has one declaration.
//
// A column is declared as X(name, kind, size, unit, since, required, init, meaning):
//   name      C++ member and HDF5/JSON column name
//   kind      i32 i64 u64 u8 f64 | text (fixed length, `size` bytes, NUL-padded) | vtext
//             (variable-length UTF-8) | event (gil::EventKind as an HDF5 enum over uint8)
//   size      bytes of a text column, 0 otherwise
//   unit      "" when the column has none
//   since     first schema version with the column
//   required  analysis refuses a file that lacks it
//   init      the member's initial value, and the value readers use where a file's version
//             predates the column (kUnknown: NaN, "not measured")
//   meaning   one line for docs/schema.md and `gilbench --schema`
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

namespace gilbench {

/// "Not measured": the initial value of float columns whose absence must not read as zero.
inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

/// A fixed-length, NUL-padded text column: trivially copyable, so records that hold it are
/// gathered over MPI as bytes and written by HDF5 as they are.
template <std::size_t N>
struct FixedText {
  char data[N] = {};

  constexpr FixedText() = default;
  constexpr FixedText(const char* s) { assign(std::string_view(s)); }  // NOLINT: reads as text
  FixedText& operator=(std::string_view s) {
    assign(s);
    return *this;
  }
  FixedText& operator=(const char* s) { return *this = std::string_view(s); }
  FixedText& operator=(const std::string& s) { return *this = std::string_view(s); }
  [[nodiscard]] std::string_view view() const noexcept { return {data, ::strnlen(data, N)}; }
  [[nodiscard]] std::string str() const { return std::string(view()); }
  [[nodiscard]] const char* c_str() const noexcept { return data; }  ///< always NUL-terminated
  operator std::string_view() const noexcept { return view(); }      // NOLINT: reads as text
  friend bool operator==(const FixedText& a, std::string_view b) noexcept { return a.view() == b; }

 private:
  constexpr void assign(std::string_view s) {
    const std::size_t n = s.size() < N - 1 ? s.size() : N - 1;  // keeps the terminating NUL
    for (std::size_t i = 0; i < N; ++i) data[i] = i < n ? s[i] : '\0';
  }
};

namespace schema {

enum class Kind : std::uint8_t { i32, i64, u64, u8, f64, text, vtext, event };

/// One declared column (see the header comment).
struct Column {
  const char* name;
  Kind kind;
  std::size_t size;
  const char* unit;
  int since;
  bool required;
  const char* meaning;
};

/// One declared table.
struct Table {
  const char* name;
  const char* description;
  int since;
  bool required;  ///< every file has it (else: written only when a launch asks for it)
};

}  // namespace schema
}  // namespace gilbench

// The C++ type each kind is stored as (size: bytes of a text column).
#define GILBENCH_CTYPE_i32(size) std::int32_t
#define GILBENCH_CTYPE_i64(size) std::int64_t
#define GILBENCH_CTYPE_u64(size) std::uint64_t
#define GILBENCH_CTYPE_u8(size) std::uint8_t
#define GILBENCH_CTYPE_f64(size) double
#define GILBENCH_CTYPE_text(size) ::gilbench::FixedText<size>
#define GILBENCH_CTYPE_vtext(size) std::string
#define GILBENCH_CTYPE_event(size) std::uint8_t

/// A record member: X-macro callback that declares `name` with its type and initial value.
#define GILBENCH_MEMBER(name, kind, size, unit, since, required, init, meaning) GILBENCH_CTYPE_##kind(size) name = init;

/// A visitor call: `f(descriptor, r.name)` (r and f are the visiting function's parameters).
#define GILBENCH_VISIT(name, kind, size, unit, since, required, init, meaning) \
  f(::gilbench::schema::Column{#name, ::gilbench::schema::Kind::kind, size, unit, since, required, meaning}, r.name);
