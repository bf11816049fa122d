#include "results/file_lock.hpp"

#include <sys/file.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "app/exit_codes.hpp"

namespace gilbench::file_lock {
namespace {
Call g_call = nullptr;
}  // namespace

void set_call_for_testing(Call call) { g_call = call; }

bool disabled() {
  const char* v = std::getenv("GILBENCH_LOCKING");
  if (v == nullptr || *v == '\0' || std::strcmp(v, "flock") == 0) return false;
  if (std::strcmp(v, "none") == 0) return true;
  throw Error(ExitCode::io, std::string("GILBENCH_LOCKING=") + v + ": use flock (the default) or none");
}

Outcome classify(int err) {
  switch (err) {
    case EWOULDBLOCK: return Outcome::held;
    case ENOLCK:
    case EOPNOTSUPP:
    case ENOSYS: return Outcome::unsupported;
    default: return Outcome::failed;
  }
}

Outcome try_exclusive(int fd) {
  const int rc = g_call != nullptr ? g_call(fd, LOCK_EX | LOCK_NB) : ::flock(fd, LOCK_EX | LOCK_NB);
  return rc == 0 ? Outcome::taken : classify(errno);
}

std::string unsupported_hint(int err) {
  return std::string("this file system does not support flock (") + std::strerror(err) +
         "); write --output to a local file system, or set GILBENCH_LOCKING=none to write without "
         "gilbench's lock (then no two gilbench may write the file at once)";
}

}  // namespace gilbench::file_lock
