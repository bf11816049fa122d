#pragma once
// Internal helpers shared by the lock policies (not part of the public API).
#include <sys/resource.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gil/lock.hpp"

namespace gilbench::gil::detail {

using Clock = std::chrono::steady_clock;

/// Destructive-interference distance (std::hardware_destructive_interference_size is not usable
/// in headers without -Winterference-size noise on GCC 12).
inline constexpr std::size_t kCacheLine = 64;

inline double seconds(Clock::duration d) noexcept { return std::chrono::duration<double>(d).count(); }

/// This thread's context-switch counts (getrusage(RUSAGE_THREAD)); zeros if the call fails.
struct CtxSwitches {
  std::uint64_t voluntary = 0, involuntary = 0;
  static CtxSwitches now() noexcept {
    rusage ru{};
    if (getrusage(RUSAGE_THREAD, &ru) != 0) return {};
    return {static_cast<std::uint64_t>(ru.ru_nvcsw), static_cast<std::uint64_t>(ru.ru_nivcsw)};
  }
};

/// Measures ctx_* over one run() call.
class CtxScope {
 public:
  explicit CtxScope(Counters& c) noexcept : c_(c), start_(CtxSwitches::now()) {}
  ~CtxScope() {
    const CtxSwitches end = CtxSwitches::now();
    if (end.voluntary >= start_.voluntary) c_.ctx_voluntary += end.voluntary - start_.voluntary;
    if (end.involuntary >= start_.involuntary) c_.ctx_involuntary += end.involuntary - start_.involuntary;
  }
  CtxScope(const CtxScope&) = delete;
  CtxScope& operator=(const CtxScope&) = delete;

 private:
  Counters& c_;
  CtxSwitches start_;
};

/// Bounded per-call event recorder. Inactive (every call a no-op after one branch) when tracing
/// is off, when there is no output vector, and for good once the window or the budget is spent.
/// The budget: max_events added by this sink (run(): one call per thread and run), or — `shared`
/// — max_events in the whole vector (take()/release(): many calls append to one vector).
class TraceSink {
 public:
  TraceSink() = default;
  TraceSink(const TraceOptions& o, Clock::time_point epoch, std::vector<TraceEvent>* out, int tid, bool shared = false)
      : out_(o.enabled ? out : nullptr), epoch_(epoch), window_s_(o.window_s), tid_(tid) {
    if (out_ != nullptr) {
      limit_ = (shared ? 0 : out_->size()) + o.max_events;
      if (o.max_events == 0 || out_->size() >= limit_) out_ = nullptr;
      // The whole budget up front, before the lock is taken: add() runs with the lock held and
      // must not allocate (an allocation failure there would leave the lock held).
      if (out_ != nullptr) out_->reserve(limit_);
    }
  }
  bool active() const noexcept { return out_ != nullptr; }
  void add(Clock::time_point t, EventKind k) noexcept {  // never allocates: reserved above
    if (out_ == nullptr) return;
    const double s = seconds(t - epoch_);
    if (s > window_s_ || out_->size() >= limit_) {
      out_ = nullptr;  // window over or budget spent: stop for the rest of the call
      return;
    }
    out_->push_back(TraceEvent{s, static_cast<std::int32_t>(tid_), k});
  }

 private:
  std::vector<TraceEvent>* out_ = nullptr;
  Clock::time_point epoch_{};
  double window_s_ = 0;
  std::size_t limit_ = 0;
  int tid_ = 0;
};

inline Clock::time_point trace_epoch(const TraceOptions& o, Clock::time_point created) noexcept {
  return o.epoch == Clock::time_point{} ? created : o.epoch;
}

/// Per-thread state a lock keeps, one cache line each so holders never share a line.
struct alignas(kCacheLine) Slot {
  Clock::time_point acquired{};     ///< start of the current tenure (take()/release())
  Clock::time_point handed_over{};  ///< legacy-gil: when the next holder took over from this thread
};

}  // namespace gilbench::gil::detail
