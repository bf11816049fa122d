#include "results/h5_store.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "app/exit_codes.hpp"
#include "results/isolated.hpp"

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

ino_t stat_inode(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
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

// kill -9 at every fault point of an append (undo_journal.hpp): the rounds before are intact,
// the one in flight is lost (kept only past the commit), and the next open rolls back and
// removes the journal.
class H5StoreKill : public ::testing::TestWithParam<std::string> {};

TEST_P(H5StoreKill, LosesAtMostTheRoundInFlight) {
  TempDir dir;
  const std::string file = (dir.path / "r.h5").string();
  LaunchRecord launch;
  {
    ResultsStore store(file);
    store.append(launch, {run(0, 1.5), run(1, 2.5)}, {sample(0, 0), sample(1, 0)}, {TraceRecord{0, 0, 1, 0.25, 1}});
  }
  const std::string point = GetParam();
  EXPECT_EXIT(
      {
        ::setenv("GILBENCH_FAULT", (point + ":2").c_str(), 1);
        ResultsStore store(file);
        LaunchRecord second;
        second.launch_id = 1;
        store.append(second, {run(2, 3.5)}, {sample(2, 0)}, {TraceRecord{2, 0, 1, 0.5, 1}});
        store.append(second, {run(3, 4.5)}, {sample(3, 0)}, {TraceRecord{3, 0, 1, 0.75, 1}}, {LatencyRecord{}});
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "");
  const bool committed = point == "committed";
  EXPECT_EQ(fs::exists(file + ".journal"), !committed);
  const auto runs = ResultsStore::read_runs(file);  // recovers
  ASSERT_EQ(runs.size(), committed ? 4u : 3u);
  EXPECT_DOUBLE_EQ(runs[2].wall_s, 3.5);
  EXPECT_EQ(ResultsStore::table_rows(file, "trace"), runs.size() - 1);  // one a round
  EXPECT_EQ(ResultsStore::table_rows(file, "latency"), committed ? 1u : 0u);
  EXPECT_EQ(ResultsStore::table_rows(file, "launches"), 2u);
  EXPECT_FALSE(fs::exists(file + ".journal"));
  EXPECT_FALSE(fs::exists(file + ".journal.new"));
  ResultsStore again(file);  // and the file takes new rounds
  EXPECT_EQ(again.info().next_run_id, committed ? 4 : 3);
}

INSTANTIATE_TEST_SUITE_P(FaultPoints, H5StoreKill,
                         ::testing::Values("written", "journaled", "applying", "applied", "committed"));

TEST(H5Store, KilledFirstAppendLeavesNoFile) {
  TempDir dir;
  const std::string file = (dir.path / "r.h5").string();
  EXPECT_EXIT(
      {
        ::setenv("GILBENCH_FAULT", "written:1", 1);
        ResultsStore store(file);
        store.append(LaunchRecord{}, {run(0, 1.5)}, {sample(0, 0)}, {});
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "");
  EXPECT_TRUE(fs::exists(file + ".journal"));
  EXPECT_FALSE(ResultsStore::inspect(file).exists);  // the half-made file is removed
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(file + ".journal"));
}

TEST(H5Store, AppendsInPlaceWithoutTemporaries) {
  TempDir dir;
  const std::string file = (dir.path / "r.h5").string();
  ResultsStore store(file);
  store.append(LaunchRecord{}, {run(0, 1.5)}, {sample(0, 0)}, {});
  const ino_t inode = stat_inode(file);
  store.append(LaunchRecord{}, {run(1, 2.5)}, {sample(1, 0)}, {});
  EXPECT_EQ(stat_inode(file), inode);  // the same file, not a renamed copy
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"r.h5", "r.h5.lock"}));
}

TEST(H5Store, LiveWritersJournalIsLeftAlone) {
  TempDir dir;
  const std::string file = (dir.path / "r.h5").string();
  { ResultsStore(file).append(LaunchRecord{}, {run(0, 1.5)}, {sample(0, 0)}, {}); }
  const std::string bytes = slurp(file);
  // A journal whose flock is held (its writer alive) is not recovered: the file stays as it is.
  std::ofstream(file + ".journal") << "held by a live writer";
  const int fd = ::open((file + ".journal").c_str(), O_RDONLY);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  EXPECT_EQ(ResultsStore::read_runs(file).size(), 1u);
  EXPECT_TRUE(fs::exists(file + ".journal"));
  ::close(fd);
  // Once its writer is gone, a journal that is not ours is refused, the file untouched.
  EXPECT_THROW(ResultsStore::read_runs(file), Error);
  EXPECT_EQ(slurp(file), bytes);
}

TEST(H5Store, SymlinkedOutputWritesItsTarget) {
  TempDir dir;
  const std::string target = (dir.path / "target.h5").string(), link = (dir.path / "link.h5").string();
  fs::create_symlink("target.h5", link);  // dangling: the first append creates the target
  {
    ResultsStore store(link);
    EXPECT_TRUE(fs::exists(target + ".lock"));  // the lock follows the target
    EXPECT_FALSE(fs::exists(link + ".lock"));
    store.append(LaunchRecord{}, {run(0, 1.5)}, {sample(0, 0)}, {});
  }
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(target)));
  {
    ResultsStore store(link);
    EXPECT_EQ(store.info().next_run_id, 1);
    store.append(LaunchRecord{}, {run(1, 2.5)}, {sample(1, 0)}, {});
  }
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(ResultsStore::read_runs(target).size(), 2u);
  fs::create_symlink("loop-b.h5", dir.path / "loop-a.h5");
  fs::create_symlink("loop-a.h5", dir.path / "loop-b.h5");
  try {
    ResultsStore store((dir.path / "loop-a.h5").string());
    FAIL() << "accepted a symlink loop";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find("symlink loop"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir.path / "loop-a.h5.lock"));
}

TEST(H5Store, AppendsKeepModeAndHardLinks) {
  TempDir dir;
  const std::string file = (dir.path / "r.h5").string(), other = (dir.path / "other.h5").string();
  { ResultsStore(file).append(LaunchRecord{}, {run(0, 1.5)}, {sample(0, 0)}, {}); }
  fs::create_hard_link(file, other);
  ASSERT_EQ(::chmod(file.c_str(), 0640), 0);
  { ResultsStore(other).append(LaunchRecord{}, {run(1, 1.5)}, {sample(1, 0)}, {}); }
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(stat_inode(file), stat_inode(other));
  EXPECT_EQ(ResultsStore::read_runs(file).size(), 2u);
}

TEST(H5Store, IsolatedChecksTurnCrashesIntoOneLine) {
  EXPECT_NO_THROW(isolated::run([] {}, "f.h5"));
  try {
    isolated::run([] { throw Error(ExitCode::io, "f.h5 is foreign"); }, "f.h5");
    FAIL() << "lost the child's error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_STREQ(e.what(), "f.h5 is foreign");
  }
  try {
    // SIGABRT, not SIGSEGV: under AddressSanitizer a SIGSEGV is ASan's report and exit 1
    isolated::run([] { std::raise(SIGABRT); }, "f.h5");
    FAIL() << "lost the child's crash";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    EXPECT_NE(std::string(e.what()).find("f.h5: libhdf5 crashed reading it (signal 6"), std::string::npos) << e.what();
  }
}
