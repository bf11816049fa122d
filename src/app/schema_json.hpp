#pragma once
// `gilbench --schema`: the declared tables and columns (results/schema.hpp, and the summary's,
// report/summary.hpp) as JSON. analysis/gilbench_analysis/schema.json is this output, checked
// in; docs/schema.md's column tables are generated from it (ctest schema.in_sync).
#include <string>

namespace gilbench {

/// The schema as pretty-printed JSON, one column per line, ending with a newline.
std::string schema_json();

}  // namespace gilbench
