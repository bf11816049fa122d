#include "app/std_streams.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace gilbench::std_streams {
namespace {
bool g_stdout_closed = false;
int g_stdout_errno = 0;  // the first failure seen, kept: a later flush may report another errno
}  // namespace

void secure() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    if (fd == 1) g_stdout_closed = true;
    const int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) {  // only if a lower one could not be opened
      dup2(opened, fd);
      close(opened);
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
}

int stdout_error() {
  if (g_stdout_closed) return EBADF;
  errno = 0;
  const bool flush_failed = std::fflush(stdout) != 0;
  if (g_stdout_errno == 0 && (flush_failed || std::ferror(stdout) != 0)) g_stdout_errno = errno != 0 ? errno : EIO;
  return g_stdout_errno;
}

int write_stdout(const std::string& text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() && g_stdout_errno == 0)
    g_stdout_errno = errno != 0 ? errno : EIO;
  return stdout_error();
}

std::string describe(int error) {
  if (error == EBADF && g_stdout_closed) return "it was closed";
  if (error == EPIPE) return "its reader exited: Broken pipe";
  return std::strerror(error);
}

}  // namespace gilbench::std_streams
