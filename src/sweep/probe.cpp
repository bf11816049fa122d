#include "sweep/probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>

#include "sweep/kernel.hpp"

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

LockHolder::LockHolder(gil::Lock* lock, int tid, std::chrono::nanoseconds work)
    : lock_(lock),
      tid_(tid),
      work_iterations_(static_cast<std::uint64_t>(static_cast<double>(work.count()) / gil::kReferenceIterationNs)) {}

void LockHolder::take(gil::Counters& c, std::vector<gil::TraceEvent>* trace) {
  if (lock_ != nullptr) lock_->take(tid_, c, trace);
}

void LockHolder::work() {
  if (work_iterations_ > 0) work_sink_ += countdown(work_iterations_);  // the handler's bytecode
}

void LockHolder::release(gil::Counters& c, std::vector<gil::TraceEvent>* trace) {
  if (lock_ != nullptr) lock_->release(tid_, c, trace);
}

LatencyProbe::LatencyProbe(gil::Lock* lock, int tid, std::chrono::nanoseconds period,
                           std::chrono::steady_clock::time_point epoch, bool trace, std::chrono::nanoseconds work)
    : LatencyProbe(std::make_unique<LockHolder>(lock, tid, work), period, epoch, trace) {}

LatencyProbe::LatencyProbe(std::unique_ptr<ProbeHolder> holder, std::chrono::nanoseconds period,
                           std::chrono::steady_clock::time_point epoch, bool trace)
    : holder_(std::move(holder)), period_(period), epoch_(epoch), tracing_(trace) {
  make_pipe(pipe_);
  make_pipe(stop_pipe_);
  // The sender never blocks on a full pipe: it counts the event as coalesced and goes on.
  if (::fcntl(pipe_[1], F_SETFL, O_NONBLOCK) != 0)
    throw std::runtime_error(std::string("latency probe: fcntl: ") + std::strerror(errno));
  events_.reserve(1024);
  // The probe thread attaches first (the real GIL: its thread state), before any event is sent.
  std::promise<void> attached;
  std::future<void> ready = attached.get_future();
  prober_ = std::thread([this, &attached] {
    try {
      holder_->attach();
    } catch (...) {
      attached.set_exception(std::current_exception());
      return;
    }
    attached.set_value();
    probe_loop();
    holder_->detach();
  });
  try {
    ready.get();
  } catch (...) {
    prober_.join();
    for (int fd : {pipe_[0], pipe_[1], stop_pipe_[0], stop_pipe_[1]})
      if (fd >= 0) ::close(fd);
    throw;
  }
  sender_ = std::thread([this] { send_loop(); });
}

LatencyProbe::~LatencyProbe() {
  stop();
  for (int fd : {pipe_[0], pipe_[1], stop_pipe_[0], stop_pipe_[1]})
    if (fd >= 0) ::close(fd);
}

namespace {

long long ns_of(const timespec& t) { return static_cast<long long>(t.tv_sec) * 1'000'000'000LL + t.tv_nsec; }

long long now_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return ns_of(now);
}

/// Sleeps until `deadline_ns` (CLOCK_MONOTONIC) or until the stop pipe is readable; true when
/// stop was requested. Looks at the stop pipe even when the deadline has already passed.
bool wait_or_stop(int stop_fd, long long deadline_ns) {
  pollfd p{stop_fd, POLLIN, 0};
  while (true) {
    const long long left_ns = std::max(0LL, deadline_ns - now_ns());
    const timespec wait{static_cast<time_t>(left_ns / 1'000'000'000LL), static_cast<long>(left_ns % 1'000'000'000LL)};
    const int ready = ::ppoll(&p, 1, &wait, nullptr);
    if (ready > 0) return true;
    if (ready == 0 && now_ns() >= deadline_ns) return false;
  }
}

}  // namespace

void LatencyProbe::send_loop() {
  // Absolute deadlines on CLOCK_MONOTONIC (steady_clock's clock on Linux): no drift. A sender
  // that has fallen more than a period behind (the machine stalled it) skips the deadlines it
  // missed instead of sending them in a burst, and a full pipe (the prober far behind) drops the
  // event: both are counted in coalesced(), so the backlog stays bounded by the pipe.
  const long long period_ns = std::max<long long>(1, period_.count());
  long long next = now_ns();
  while (true) {
    next += period_ns;
    if (wait_or_stop(stop_pipe_[0], next)) break;
    const long long behind = now_ns() - next;
    if (behind >= period_ns) {
      const long long missed = behind / period_ns;
      next += missed * period_ns;
      coalesced_ += static_cast<std::uint64_t>(missed);
    }
    const Message m{sent_, since(epoch_)};
    const ssize_t put = ::write(pipe_[1], &m, sizeof m);
    if (put == static_cast<ssize_t>(sizeof m)) {
      ++sent_;
    } else if (put < 0 && (errno == EAGAIN || errno == EINTR)) {
      ++coalesced_;
    } else {
      break;
    }
  }
  ::close(pipe_[1]);  // EOF: the prober handles what is in the pipe, then ends
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
    std::vector<gil::TraceEvent>* trace = tracing_ ? &trace_ : nullptr;
    holder_->take(counters_, trace);
    e.acquired_s = since(epoch_);
    holder_->work();
    holder_->release(counters_, trace);
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
