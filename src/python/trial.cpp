#include "python/trial.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "app/exit_codes.hpp"

namespace gilbench::python {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

/// The child: start, report, leave without running any destructor or atexit handler.
[[noreturn]] void child(const Location& where, int interpreters, int out) {
  std::ostringstream r;
  try {
    Interpreter in(where);
    const Info& i = in.info();
    if (i.major == 3 && i.minor >= 12) in.add_subinterpreters(interpreters);  // older: refused by the caller
    r << "ok\n"
      << i.version << '\n'
      << i.implementation << '\n'
      << i.debug << '\n'
      << i.free_threaded << '\n'
      << i.gil_disabled << '\n'
      << i.major << '\n'
      << i.minor << '\n';
  } catch (const Error& e) {
    r << "error\n" << static_cast<int>(e.code()) << '\n' << e.what() << '\n';
  }
  write_all(out, r.str());
  ::_exit(0);
}

/// The first line of the child's stderr that says what went wrong ("Fatal Python error: ...").
std::string cause(const std::string& err) {
  std::istringstream in(err);
  std::string first, line;
  while (std::getline(in, line)) {
    if (first.empty() && !line.empty()) first = line;
    if (line.find("Fatal Python error") != std::string::npos || line.find("Error") != std::string::npos) return line;
  }
  return first;
}

}  // namespace

Info trial_start(const Location& where, int interpreters) {
  int out[2], err[2];
  if (::pipe(out) != 0 || ::pipe(err) != 0) throw Error(ExitCode::runtime, "--python: pipe failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(ExitCode::runtime, "--python: fork failed");
  if (pid == 0) {
    ::close(out[0]);
    ::close(err[0]);
    ::dup2(err[1], 2);
    std::signal(SIGABRT, SIG_DFL);
    child(where, interpreters, out[1]);
  }
  ::close(out[1]);
  ::close(err[1]);
  const std::string report = read_all(out[0]);
  const std::string errors = read_all(err[0]);
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  std::istringstream in(report);
  std::string tag;
  std::getline(in, tag);
  if (tag == "error") {
    std::string code, message;
    std::getline(in, code), std::getline(in, message);
    throw Error(static_cast<ExitCode>(std::stoi(code)), message);
  }
  if (tag != "ok") {
    const std::string why = WIFSIGNALED(status) ? std::string(" (") + strsignal(WTERMSIG(status)) + ")" : "";
    const std::string said = cause(errors);
    throw Error(ExitCode::runtime,
                "--python: " + where.library + " failed to initialise" + why + (said.empty() ? "" : ": " + said));
  }
  Info i;
  i.library = where.library;
  i.executable = where.executable;
  std::string debug, ft, off, major, minor;
  std::getline(in, i.version), std::getline(in, i.implementation), std::getline(in, debug), std::getline(in, ft),
      std::getline(in, off), std::getline(in, major), std::getline(in, minor);
  i.debug = debug == "1", i.free_threaded = ft == "1", i.gil_disabled = off == "1";
  i.major = std::atoi(major.c_str()), i.minor = std::atoi(minor.c_str());
  return i;
}

}  // namespace gilbench::python
