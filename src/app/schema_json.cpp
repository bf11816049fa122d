#include "app/schema_json.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>

#include "report/json.hpp"
#include "report/summary.hpp"
#include "results/schema.hpp"

namespace gilbench {
namespace {

const SummaryRow kEmptyRow{};  // the column list without values

std::string quoted(std::string_view s) { return json::text(s); }

/// A float column's value: JSON number that stays a float when read back (5 -> 5.0).
std::string number(double v) {
  const std::string s = json::number(v);
  return s.find_first_of(".eEn") == std::string::npos ? s + ".0" : s;
}

/// The declared initial value as JSON (for text: the member's characters).
template <class T>
std::string json_value(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) return quoted(v);
  else if constexpr (std::is_same_v<T, double>) return number(v);
  else if constexpr (std::is_arithmetic_v<T>) return std::to_string(+v);
  else return quoted(v.view());  // FixedText
}

struct Types {
  const char* type;  ///< as people say it: int32, float64, string, ...
  const char* cpp;
  const char* hdf5;
  const char* dtype;
};

Types types_of(const schema::Column& c) {
  switch (c.kind) {
    case schema::Kind::i32: return {"int32", "std::int32_t", "H5T_STD_I32LE", "<i4"};
    case schema::Kind::i64: return {"int64", "std::int64_t", "H5T_STD_I64LE", "<i8"};
    case schema::Kind::u64: return {"uint64", "std::uint64_t", "H5T_STD_U64LE", "<u8"};
    case schema::Kind::u8: return {"uint8", "std::uint8_t", "H5T_STD_U8LE", "u1"};
    case schema::Kind::f64: return {"float64", "double", "H5T_IEEE_F64LE", "<f8"};
    case schema::Kind::text: return {"string", "FixedText", "H5T_STRING (fixed length, null-terminated, ASCII)", "S"};
    case schema::Kind::vtext: return {"string", "std::string", "H5T_STRING (variable length, UTF-8)", "vlen-utf8"};
    case schema::Kind::event: return {"enum (uint8)", "gil::EventKind", "H5T_ENUM (uint8)", "u1"};
  }
  return {"", "", "", ""};
}

std::string column_json(const schema::Column& c, const std::string& init) {
  const Types t = types_of(c);
  const std::string size = std::to_string(c.size);
  std::string s = "{\"name\": " + quoted(c.name) +
                  ", \"type\": " + quoted(c.kind == schema::Kind::text ? "string(" + size + ")" : t.type) +
                  ", \"cpp\": " + quoted(c.kind == schema::Kind::text ? "FixedText<" + size + ">" : t.cpp) +
                  ", \"hdf5\": " + quoted(t.hdf5) +
                  ", \"dtype\": " + quoted(c.kind == schema::Kind::text ? "S" + size : t.dtype);
  if (c.kind == schema::Kind::event) {
    s += ", \"enum\": {";
    for (int i = 0; i < gil::kEventKinds; ++i)
      s += (i ? ", " : "") + quoted(gil::to_string(static_cast<gil::EventKind>(i))) + ": " + std::to_string(i);
    s += "}";
  }
  return s + ", \"unit\": " + quoted(c.unit) + ", \"since\": " + std::to_string(c.since) +
         ", \"required\": " + (c.required ? "true" : "false") + ", \"default\": " + init +
         ", \"meaning\": " + quoted(c.meaning) + "}";
}

std::string table_json(const schema::Table& t, bool in_file, const std::string& columns) {
  return "    " + quoted(t.name) + ": {\n      \"in_file\": " + (in_file ? "true" : "false") +
         ", \"required\": " + (t.required ? "true" : "false") + ", \"since\": " + std::to_string(t.since) +
         ",\n      \"description\": " + quoted(t.description) + ",\n      \"columns\": [\n" + columns +
         "\n      ]\n    }";
}

template <class Table>
std::string file_table() {
  std::string columns;
  const typename Table::record probe{};
  Table::visit(probe, [&](const schema::Column& c, const auto& member) {
    columns += (columns.empty() ? "" : ",\n") + std::string("        ") + column_json(c, json_value(member));
  });
  return table_json(Table::table, true, columns);
}

constexpr const char* kSummaryTypeNames[] = {"str", "int", "float", "float?", "bool"};  // summary::Type
constexpr const char* kSummaryGroupNames[] = {"all", "lock", "probe"};                  // summary::Group

std::string summary_table() {
  std::string columns;
  summary::visit(kEmptyRow, [&](const summary::Column& c, const auto&) {
    columns += (columns.empty() ? "" : ",\n") + std::string("        {\"name\": ") + quoted(c.name) +
               ", \"type\": " + quoted(kSummaryTypeNames[static_cast<int>(c.type)]) +
               ", \"dtype\": " + quoted(kSummaryTypeNames[static_cast<int>(c.type)]) + ", \"unit\": " + quoted(c.unit) +
               ", \"group\": " + quoted(kSummaryGroupNames[static_cast<int>(c.group)]) +
               ", \"meaning\": " + quoted(c.meaning) + "}";
  });
  const schema::Table t{"summary", "one row per configuration: what gilbench and gilbench-report summary print", 1,
                        false};
  return table_json(t, false, columns);
}

}  // namespace

std::string schema_json() {
  std::string tables;
  schema::for_each_table([&](auto table) { tables += (tables.empty() ? "" : ",\n") + file_table<decltype(table)>(); });
  tables += ",\n" + summary_table();
  std::string versions;
  for (int v = kOldestReadableVersion; v <= kSchemaVersion; ++v)
    versions += (versions.empty() ? "" : ", ") + std::to_string(v);
  std::string renamed;
  for (const schema::Renamed& r : schema::kRenamed)
    renamed += (renamed.empty() ? "" : ",\n") + std::string("    {\"table\": ") + quoted(r.table) +
               ", \"name\": " + quoted(r.name) + ", \"old_name\": " + quoted(r.old_name) +
               ", \"since\": " + std::to_string(r.since) + "}";
  return "{\n  \"format\": 1,\n  \"producer\": \"gilbench\",\n  \"schema_version\": " + std::to_string(kSchemaVersion) +
         ",\n  \"versions\": [" + versions + "],\n  \"renamed\": [\n" + renamed + "\n  ],\n  \"tables\": {\n" + tables +
         "\n  }\n}\n";
}

}  // namespace gilbench
