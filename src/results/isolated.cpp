// A check in a forked child (see isolated.hpp).
#include "results/isolated.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "app/exit_codes.hpp"

namespace gilbench::isolated {
namespace {

/// How long the check may take: libhdf5 can also loop for ever on a damaged file.
constexpr unsigned kTimeoutS = 60;

[[noreturn]] void child(int out, const std::function<void()>& check, const std::string& file) {
  const rlimit no_core{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &no_core);  // a crash leaves no core file behind
  if (const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) ::dup2(null, STDERR_FILENO);
  std::signal(SIGINT, SIG_DFL);  // ^C or a TERM to the process group ends the check at once
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGUSR1, SIG_DFL);
  std::signal(SIGALRM, SIG_DFL);
  ::alarm(kTimeoutS);
  int code = 0;
  std::string message;
  try {
    check();
  } catch (const Error& e) {
    code = static_cast<int>(e.code());
    message = e.what();
  } catch (const std::exception& e) {  // std::bad_alloc from a damaged size, say
    code = static_cast<int>(ExitCode::io);
    message = file + ": " + e.what() + " reading it: damaged? refusing to append to it";
  }
  for (std::size_t at = 0; at < message.size();) {
    const ssize_t w = ::write(out, message.data() + at, message.size() - at);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    at += static_cast<std::size_t>(w);
  }
  ::_exit(code);  // no atexit handlers, no MPI, no flush of the parent's stdio buffers
}

}  // namespace

void run(const std::function<void()>& check, const std::string& file) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    check();
    return;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    check();
    return;
  }
  if (pid == 0) {
    ::close(fds[0]);
    child(fds[1], check, file);
  }
  ::close(fds[1]);
  std::string message;
  char buf[512];
  for (;;) {
    const ssize_t r = ::read(fds[0], buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    message.append(buf, static_cast<std::size_t>(r));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw Error(ExitCode::io, file + ": lost the process checking it: " + std::strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status))
    throw Error(static_cast<ExitCode>(WEXITSTATUS(status)), message.empty() ? file + ": the check failed" : message);
  const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (sig == SIGALRM)
    throw Error(ExitCode::io, file + ": libhdf5 did not finish reading it in " + std::to_string(kTimeoutS) +
                                  " s: damaged? refusing to append to it");
  if (sig == SIGINT || sig == SIGTERM || sig == SIGUSR1)
    throw Error(ExitCode::interrupted, file + ": interrupted while checking it");
  const char* name = ::strsignal(sig);
  throw Error(ExitCode::io, file + ": libhdf5 crashed reading it (signal " + std::to_string(sig) + ", " +
                                (name != nullptr ? name : "unknown") + "): damaged? refusing to append to it");
}

}  // namespace gilbench::isolated
