#include "app/signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <system_error>
#include <thread>

namespace gilbench::signals {
namespace {

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                  std::atomic<std::int64_t>::is_always_lock_free,
              "the signal handler stores into these atomics: they must be lock-free");

std::atomic<int> g_signal{0};    // which signal; lock-free (static_assert above), so async-signal-safe
std::atomic<int> g_received{0};  // signals so far
std::atomic<bool> g_run_stop{false};
std::atomic<std::int64_t> g_grace_ns{std::chrono::nanoseconds(kDefaultGrace).count()};
int g_wake[2] = {-1, -1};  // the handler writes one byte to [1] at the first signal; the watcher reads [0]

/// The grace watcher: blocked in read() (no wake-ups) until the first signal, then sleeps the
/// grace and sets run_stop. Detached: it ends with the process.
void watch_grace() {
  char byte = 0;
  while (read(g_wake[0], &byte, 1) < 0 && errno == EINTR) {
  }
  const std::int64_t ns = g_grace_ns.load();
  if (ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
  g_run_stop.store(true);
}

extern "C" void on_signal(int sig) {
  g_signal.store(sig);
  if (g_received.fetch_add(1) > 0 || g_grace_ns.load() <= 0 || g_wake[1] < 0) {
    g_run_stop.store(true);  // a second signal, no grace, or no watcher: stop at the next poll
    return;
  }
  const int saved = errno;  // write() may change it under the interrupted code
  const char byte = 1;
  if (write(g_wake[1], &byte, 1) != 1) g_run_stop.store(true);
  errno = saved;
}

}  // namespace

void install() {
  // The pipe, then the handlers (a signal from here on is caught: its byte waits in the pipe),
  // then the watcher: the handlers must be in place as early as possible.
  const bool fresh = g_wake[1] < 0 && pipe2(g_wake, O_CLOEXEC) == 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGUSR1, &sa, nullptr);  // mpirun forwards USR1 to every rank (it turns TERM into a kill)
  if (!fresh) return;
  try {
    std::thread(watch_grace).detach();
  } catch (const std::system_error&) {
    g_wake[1] = -1;  // no watcher to end a grace: the handler stops at once instead
  }
}

void set_grace(std::chrono::nanoseconds grace) {
  g_grace_ns.store(grace.count());
  if (grace.count() <= 0 && g_received.load() > 0) g_run_stop.store(true);
}

bool stop_requested() { return g_signal.load() != 0; }
int received_signal() { return g_signal.load(); }
const std::atomic<bool>& run_stop() { return g_run_stop; }

std::string name(int signal) {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    case SIGXCPU: return "SIGXCPU";
    default: return "signal " + std::to_string(signal);
  }
}

}  // namespace gilbench::signals
