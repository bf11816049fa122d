#pragma once
// The latency probe (--probe latency[:PERIOD]): an I/O-like thread per rank that blocks in
// read() on a pipe until an event arrives, then — like a Python thread returning from recv() —
// takes the rank's emulated lock to handle it, releases it and blocks again. A sender thread
// writes the event's send time into the pipe every PERIOD (absolute deadlines, no drift).
// Blocking releases the lock the way CPython releases the GIL around a blocking call: the probe
// holds it while handling an event (take → --probe-work of computation → release; the release
// is CPython's drop_gil, with the forced-switch wait when a drop request is pending).
// What "the lock" is, is a ProbeHolder: the emulated gil::Lock of the native kernel (LockHolder,
// here), or the real interpreter's GIL of the python kernel (python::RealGilHolder).
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "gil/lock.hpp"

namespace gilbench {

/// The lock the probe thread takes per event, and the handler it runs while holding it. Every
/// call but the constructor's is made on the probe thread: attach() once before the first
/// event, then take() → work() → release() per event, detach() once after the last.
class ProbeHolder {
 public:
  virtual ~ProbeHolder() = default;
  /// Before the first event (outside any timed region: the probe's constructor waits for it).
  virtual void attach() {}
  virtual void take(gil::Counters& c, std::vector<gil::TraceEvent>* trace) = 0;
  /// The handler's computation (--probe-work), with the lock held.
  virtual void work() = 0;
  virtual void release(gil::Counters& c, std::vector<gil::TraceEvent>* trace) = 0;
  virtual void detach() {}
};

/// The emulated lock: thread `tid` of `lock` (null: lock none, nothing to take); the handler is
/// the C++ countdown for `work` at gil::kReferenceIterationNs per iteration.
class LockHolder final : public ProbeHolder {
 public:
  LockHolder(gil::Lock* lock, int tid, std::chrono::nanoseconds work);
  void take(gil::Counters& c, std::vector<gil::TraceEvent>* trace) override;
  void work() override;
  void release(gil::Counters& c, std::vector<gil::TraceEvent>* trace) override;

 private:
  gil::Lock* lock_;
  int tid_;
  std::uint64_t work_iterations_;
  std::uint64_t work_sink_ = 0;  // keeps the handler's countdown
};

/// One handled event, times in seconds since the probe's epoch (the run's start).
struct ProbeEvent {
  std::uint64_t event = 0;
  double sent_s = 0;      ///< the sender wrote it
  double woke_s = 0;      ///< the probe thread returned from read()
  double acquired_s = 0;  ///< the probe thread held the lock
};

class LatencyProbe {
 public:
  /// Starts the sender and the probe thread. `lock` may be null (lock none: nothing to take).
  /// `tid` is the probe's thread id in `lock`. `trace`: record the probe thread's lock events
  /// (as the lock's TraceOptions bound them) for trace(). `work`: how long the probe computes
  /// per event while it holds the lock (a Python handler's bytecode), as countdown iterations
  /// at gil::kReferenceIterationNs.
  LatencyProbe(gil::Lock* lock, int tid, std::chrono::nanoseconds period, std::chrono::steady_clock::time_point epoch,
               bool trace = false, std::chrono::nanoseconds work = {});
  /// The same with any holder (e.g. the real GIL of the python kernel). Returns once the probe
  /// thread has attached (holder->attach()); rethrows what attach() threw.
  LatencyProbe(std::unique_ptr<ProbeHolder> holder, std::chrono::nanoseconds period,
               std::chrono::steady_clock::time_point epoch, bool trace = false);
  ~LatencyProbe();
  LatencyProbe(const LatencyProbe&) = delete;
  LatencyProbe& operator=(const LatencyProbe&) = delete;

  /// Stops sending, handles every event already sent, joins both threads.
  void stop();

  [[nodiscard]] const std::vector<ProbeEvent>& events() const noexcept { return events_; }
  /// The probe thread's lock events (request, drop_request, acquire, release); read after stop().
  [[nodiscard]] const std::vector<gil::TraceEvent>& trace() const noexcept { return trace_; }
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_; }
  /// Deadlines not sent because the sender fell a period behind or the pipe was full.
  [[nodiscard]] std::uint64_t coalesced() const noexcept { return coalesced_; }
  [[nodiscard]] const gil::Counters& counters() const noexcept { return counters_; }
  [[nodiscard]] double cpu_s() const noexcept { return cpu_s_; }

 private:
  void send_loop();
  void probe_loop();

  std::unique_ptr<ProbeHolder> holder_;
  std::chrono::nanoseconds period_;
  std::chrono::steady_clock::time_point epoch_;
  int pipe_[2] = {-1, -1};
  std::uint64_t sent_ = 0;
  std::uint64_t coalesced_ = 0;
  std::vector<ProbeEvent> events_;
  bool tracing_ = false;
  std::vector<gil::TraceEvent> trace_;
  gil::Counters counters_;
  double cpu_s_ = 0;
  std::thread sender_, prober_;
  bool stopped_ = false;
  int stop_pipe_[2] = {-1, -1};
};

}  // namespace gilbench
