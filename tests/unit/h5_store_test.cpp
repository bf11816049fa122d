#include "results/h5_store.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "app/exit_codes.hpp"

using namespace gilbench;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("gilbench-h5-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

RunRecord run(std::int64_t id, double wall) {
  RunRecord r;
  r.run_id = id, r.threads = 2, r.lock = "gil", r.count = 1000, r.wall_s = wall, r.valid = 1;
  r.switch_interval_s = 0.005;
  return r;
}

Sample sample(std::int64_t run_id, int thread) {
  Sample s;
  s.run_id = run_id, s.thread = thread, s.iterations = 500, s.wall_s = 0.1, s.cpu_s = 0.09;
  s.host = "node" + std::to_string(thread);
  s.lock.switches = 3;
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST(H5Store, WriteAppendReopen) {
  TempDir dir;
  const std::string file = (dir.path / "r.h5").string();
  LaunchRecord launch;
  {
    ResultsStore store(file);
    EXPECT_FALSE(store.info().exists);
    store.append(launch, {run(0, 1.5), run(1, 2.5)}, {sample(0, 0), sample(0, 1), sample(1, 0), sample(1, 1)}, {});
    store.append(launch, {run(2, 3.5)}, {sample(2, 0), sample(2, 1)}, {TraceRecord{2, 0, 1, 0.25, 1}});
  }
  EXPECT_EQ(ResultsStore::table_rows(file, "launches"), 1u);  // one launch, its row rewritten
  EXPECT_EQ(ResultsStore::table_rows(file, "samples"), 6u);
  EXPECT_EQ(ResultsStore::table_rows(file, "trace"), 1u);
  auto runs = ResultsStore::read_runs(file);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_DOUBLE_EQ(runs[2].wall_s, 3.5);
  EXPECT_EQ(runs[1].lock, "gil");
  EXPECT_DOUBLE_EQ(runs[0].switch_interval_s, 0.005);

  // A second launch appends and gets fresh ids.
  ResultsStore again(file);
  EXPECT_TRUE(again.info().exists);
  EXPECT_EQ(again.info().schema_version, kSchemaVersion);
  EXPECT_EQ(again.info().next_run_id, 3);
  EXPECT_EQ(again.info().next_launch_id, 1);
  LaunchRecord second;
  second.launch_id = 1;
  again.append(second, {run(3, 0.5)}, {sample(3, 0)}, {});
  EXPECT_EQ(ResultsStore::read_runs(file).size(), 4u);
  EXPECT_EQ(ResultsStore::table_rows(file, "launches"), 2u);
}

TEST(H5Store, RefusesForeignFilesAndLeavesThemIntact) {
  TempDir dir;
  const fs::path text = dir.path / "notes.h5";
  std::ofstream(text) << "not hdf5\n";
  try {
    ResultsStore store(text.string());
    FAIL() << "accepted a text file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find("not a gilbench results file"), std::string::npos);
  }
  EXPECT_EQ(slurp(text), "not hdf5\n");
  EXPECT_FALSE(fs::exists(text.string() + ".lock"));
}

TEST(H5Store, RefusesUnwritableDirectoriesAndSecondWriter) {
  TempDir dir;
  EXPECT_THROW(ResultsStore("/proc/nope/x.h5"), Error);
  const std::string file = (dir.path / "r.h5").string();
  ResultsStore first(file);
  try {
    ResultsStore second(file);
    FAIL() << "two writers on one file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("another gilbench"), std::string::npos);
  }
}

TEST(H5Store, RemovesStaleTemporaries) {
  TempDir dir;
  const std::string file = (dir.path / "r.h5").string();
  std::ofstream(dir.path / ".r.h5.tmp.99999") << "half written";
  ResultsStore store(file);
  EXPECT_FALSE(fs::exists(dir.path / ".r.h5.tmp.99999"));
}
