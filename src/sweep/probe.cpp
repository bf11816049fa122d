#include "sweep/probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace gilbench {
namespace {

struct Message {
  std::uint64_t event;
  double sent_s;
};

double since(std::chrono::steady_clock::time_point epoch) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch).count();
}

void make_pipe(int (&fds)[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("latency probe: pipe: ") + std::strerror(errno));
}

}  // namespace

LatencyProbe::LatencyProbe(gil::Lock* lock, int tid, std::chrono::nanoseconds period,
                           std::chrono::steady_clock::time_point epoch)
    : lock_(lock), tid_(tid), period_(period), epoch_(epoch) {
  make_pipe(pipe_);
  make_pipe(stop_pipe_);
  events_.reserve(1024);
  prober_ = std::thread([this] { probe_loop(); });
  sender_ = std::thread([this] { send_loop(); });
}

LatencyProbe::~LatencyProbe() {
  stop();
  for (int fd : {pipe_[0], pipe_[1], stop_pipe_[0], stop_pipe_[1]})
    if (fd >= 0) ::close(fd);
}

void LatencyProbe::send_loop() {
  // Absolute deadlines on CLOCK_MONOTONIC (steady_clock's clock on Linux): no drift.
  timespec next{};
  clock_gettime(CLOCK_MONOTONIC, &next);
  const long period_ns = static_cast<long>(period_.count());
  while (true) {
    next.tv_nsec += period_ns % 1'000'000'000L;
    next.tv_sec += period_ns / 1'000'000'000L;
    if (next.tv_nsec >= 1'000'000'000L) next.tv_nsec -= 1'000'000'000L, ++next.tv_sec;
    // Sleep until the deadline, or until stop() writes to the stop pipe.
    pollfd p{stop_pipe_[0], POLLIN, 0};
    while (true) {
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      const long long left_ns = (static_cast<long long>(next.tv_sec) - now.tv_sec) * 1'000'000'000LL +
                                (next.tv_nsec - now.tv_nsec);
      if (left_ns <= 0) break;
      const timespec wait{static_cast<time_t>(left_ns / 1'000'000'000LL), static_cast<long>(left_ns % 1'000'000'000LL)};
      if (::ppoll(&p, 1, &wait, nullptr) > 0) {  // stop requested: close the event pipe (EOF)
        ::close(pipe_[1]);
        pipe_[1] = -1;
        return;
      }
    }
    const Message m{sent_, since(epoch_)};
    if (::write(pipe_[1], &m, sizeof m) != static_cast<ssize_t>(sizeof m)) break;
    ++sent_;
  }
  ::close(pipe_[1]);
  pipe_[1] = -1;
}

void LatencyProbe::probe_loop() {
  timespec c0{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  Message m{};
  while (true) {
    // Blocking read: the lock is not held here (released after the previous event).
    const ssize_t got = ::read(pipe_[0], &m, sizeof m);
    if (got == 0) break;  // the sender closed the pipe: every event was handled
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    ProbeEvent e;
    e.event = m.event;
    e.sent_s = m.sent_s;
    e.woke_s = since(epoch_);
    if (lock_ != nullptr) lock_->take(tid_, counters_);
    e.acquired_s = since(epoch_);
    if (lock_ != nullptr) lock_->release(tid_, counters_);
    events_.push_back(e);
  }
  timespec c1{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  cpu_s_ = static_cast<double>(c1.tv_sec - c0.tv_sec) + static_cast<double>(c1.tv_nsec - c0.tv_nsec) * 1e-9;
}

void LatencyProbe::stop() {
  if (stopped_) return;
  stopped_ = true;
  const char byte = 1;
  if (::write(stop_pipe_[1], &byte, 1) != 1) { /* the sender then ends at its next deadline */
  }
  if (sender_.joinable()) sender_.join();
  if (prober_.joinable()) prober_.join();
}

}  // namespace gilbench
