// gilbench's own locks (results/file_lock.hpp): a held lock, a file system without flock (the
// errno injected) and GILBENCH_LOCKING=none as the way through.
#include "results/file_lock.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "app/exit_codes.hpp"
#include "results/h5_store.hpp"

using namespace gilbench;
namespace fs = std::filesystem;

namespace {
int g_errno = 0;
int failing_lock(int, int) {
  errno = g_errno;
  return -1;
}

struct Scratch {
  fs::path path = fs::temp_directory_path() / ("gilbench-lock-" + std::to_string(::getpid()) + "-" +
                                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Scratch() { fs::create_directories(path); }
  ~Scratch() {
    file_lock::set_call_for_testing(nullptr);
    ::unsetenv("GILBENCH_LOCKING");
    fs::remove_all(path);
  }
};

std::string open_error(const std::string& file) {
  try {
    ResultsStore store(file);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::io);
    return e.what();
  }
  return "";
}
}  // namespace

TEST(FileLock, ClassifiesErrno) {
  EXPECT_EQ(file_lock::classify(EWOULDBLOCK), file_lock::Outcome::held);
  EXPECT_EQ(file_lock::classify(ENOLCK), file_lock::Outcome::unsupported);
  EXPECT_EQ(file_lock::classify(EOPNOTSUPP), file_lock::Outcome::unsupported);
  EXPECT_EQ(file_lock::classify(ENOSYS), file_lock::Outcome::unsupported);
  EXPECT_EQ(file_lock::classify(EBADF), file_lock::Outcome::failed);
}

TEST(FileLock, UnsupportedNamesTheCauseAndTheWayThrough) {
  for (int err : {ENOLCK, EOPNOTSUPP, ENOSYS}) {
    Scratch dir;
    const std::string file = (dir.path / "r.h5").string();
    g_errno = err;
    file_lock::set_call_for_testing(failing_lock);
    const std::string what = open_error(file);
    EXPECT_NE(what.find("does not support flock"), std::string::npos) << what;
    EXPECT_NE(what.find("GILBENCH_LOCKING=none"), std::string::npos) << what;
    EXPECT_EQ(what.find("is held"), std::string::npos) << what;
    EXPECT_FALSE(fs::exists(file + ".lock"));
  }
}

TEST(FileLock, HeldSaysAnotherGilbench) {
  Scratch dir;
  const std::string file = (dir.path / "r.h5").string();
  g_errno = EWOULDBLOCK;
  file_lock::set_call_for_testing(failing_lock);
  const std::string what = open_error(file);
  EXPECT_NE(what.find("another gilbench is writing"), std::string::npos) << what;
  EXPECT_NE(what.find("is held"), std::string::npos) << what;
}

TEST(FileLock, LockingNoneWritesWithoutFlock) {
  Scratch dir;
  const std::string file = (dir.path / "r.h5").string();
  g_errno = ENOLCK;
  file_lock::set_call_for_testing(failing_lock);  // any flock call would fail
  ::setenv("GILBENCH_LOCKING", "none", 1);
  {
    ResultsStore store(file);
    RunRecord r;
    r.run_id = 0, r.threads = 1, r.lock = "none", r.count = 10, r.wall_s = 1.0, r.valid = 1;
    Sample s;
    s.run_id = 0, s.iterations = 10, s.wall_s = 1.0;
    store.append(LaunchRecord{}, {r}, {s}, {});
    EXPECT_FALSE(fs::exists(file + ".lock"));
  }
  EXPECT_EQ(ResultsStore::read_runs(file).size(), 1u);
}

TEST(FileLock, BadLockingValueIsAnError) {
  Scratch dir;
  ::setenv("GILBENCH_LOCKING", "posix", 1);
  const std::string what = open_error((dir.path / "r.h5").string());
  EXPECT_NE(what.find("GILBENCH_LOCKING=posix"), std::string::npos) << what;
}
