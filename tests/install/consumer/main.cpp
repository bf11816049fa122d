// Uses the installed gilbench library: the header-only kernel, compiled code from
// libgilbench_core (units, stats) and the HDF5-backed results store (pulls in libhdf5).
#include <gilbench/results/h5_store.hpp>
#include <gilbench/sweep/kernel.hpp>
#include <gilbench/report/stats.hpp>
#include <gilbench/app/units.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

int main() {
  int bad = 0;
  auto check = [&bad](bool ok, const char* what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) ++bad;
  };
  check(gilbench::countdown(1000) == 1000, "countdown(1000) == 1000");
  check(gilbench::units::parse_count("10M") == 10'000'000u, "parse_count(\"10M\") == 10000000");
  check(gilbench::stats::median({4.0, 1.0, 3.0, 2.0}) == 2.5, "median({4,1,3,2}) == 2.5");
  const std::string hdf5 = gilbench::ResultsStore::library_version();
  std::printf("HDF5 %s\n", hdf5.c_str());
  check(!hdf5.empty() && hdf5.find('.') != std::string::npos, "HDF5 library version");
  check(std::filesystem::is_regular_file(GILBENCH_EXE), "gilbench::gilbench is the installed binary");
  return bad;
}
