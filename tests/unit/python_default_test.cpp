// The interpreter --kernel python takes without --python: the build's GILBENCH_DEFAULT_PYTHON
// first (here python/library.cpp compiled with GILBENCH_TEST_CONFIGURED, a file the test's CMake
// creates, or one that does not exist), then Debian's libpython3.11, then the python3 on PATH.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "python/library.hpp"

using namespace gilbench::python;

namespace {
bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}
}  // namespace

TEST(DefaultPython, IsTheConfiguredOneFirst) {
  const std::string configured = GILBENCH_TEST_CONFIGURED;
  EXPECT_EQ(std::string(configured_default()), configured);
  EXPECT_EQ(describe_default().rfind(configured + " (GILBENCH_DEFAULT_PYTHON of the build), else ", 0), 0u)
      << describe_default();
  if (GILBENCH_TEST_CONFIGURED_EXISTS) {
    ASSERT_TRUE(exists(configured));
    ASSERT_FALSE(default_candidates().empty());
    EXPECT_EQ(default_candidates().front(), configured);
    EXPECT_EQ(locate("").library, configured);  // what a launch without --python loads
  } else {
    // configured but gone at run time: the next default, never the missing file
    ASSERT_FALSE(exists(configured));
    for (const std::string& c : default_candidates()) EXPECT_NE(c, configured);
    if (exists(kDebianLibrary)) {
      EXPECT_EQ(default_candidates().front(), kDebianLibrary);
      EXPECT_EQ(locate("").library, kDebianLibrary);
    }
  }
  // --python still wins over any default
  if (exists(kDebianLibrary)) {
    EXPECT_EQ(locate(kDebianLibrary).library, kDebianLibrary);
  }
}
