// Policy `gil`: CPython 3.2+'s GIL (Python/ceval_gil.c, FORCE_SWITCHING on), transcribed.
//
// Differences from CPython, all deliberate and documented in lock.hpp:
//  * the holder polls drop_request every kGilPollIterations kernel iterations instead of every
//    bytecode back-edge (same request latency class: sub-microsecond);
//  * the forced-switch wait loops on its predicate (last_holder != me) where CPython waits once
//    and so may return early on a spurious wake-up;
//  * a fresh lock's first acquisition is not counted as a switch (CPython's switch_number does
//    count it; here `switches` are holder changes between threads);
//  * cond/switch_cond are signalled just after their mutex is released instead of while it is
//    held (equivalent: waiters re-check under the mutex; it spares the woken thread a futex
//    round trip), and switch_cond only when the holder changed (nobody waits otherwise).
#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

#include "gil/detail.hpp"
#include "gil/policies.hpp"
#include "sweep/kernel.hpp"

namespace gilbench::gil::detail {
namespace {

class GilLock final : public Lock {
 public:
  GilLock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook)
      : nthreads_(nthreads),
        interval_(in_force_switch_interval(p.switch_interval)),
        poll_(gil_poll_iterations(p)),
        stop_(stop_flag(p)),
        trace_opts_(t),
        epoch_(trace_epoch(t, Clock::now())),
        hook_(std::move(hook)),
        slots_(static_cast<std::size_t>(nthreads)) {}

  Policy policy() const noexcept override { return Policy::gil; }

  std::uint64_t run(int tid, std::uint64_t n, Counters& c, std::vector<TraceEvent>* trace) override {
    check_tid(tid, nthreads_);
    const CtxScope ctx(c);
    TraceSink tr(trace_opts_, epoch_, trace, tid);
    std::uint64_t done = 0;
    Clock::time_point acquired = take_gil(tid, c, tr);
    if (hook_) hook_(tid, 0);
    while (n > 0) {
      const std::uint64_t k = n < poll_ ? n : poll_;
      done += countdown(k);
      n -= k;
      if (hook_) [[unlikely]]
        hook_(tid, k);
      if (stop_.load(std::memory_order_relaxed)) [[unlikely]]
        break;  // --stop-grace is over: release and report the iterations done
      // The check point: CPython's eval_breaker test on a loop back-edge.
      if (drop_request_.load(std::memory_order_relaxed) && n > 0) [[unlikely]] {
        ++c.forced_drops;
        drop_gil(tid, c, tr, acquired, /*forced_switching=*/true);
        // Other threads may run now
        acquired = take_gil(tid, c, tr);
        if (hook_) hook_(tid, 0);
      }
    }
    // A finishing thread releases for the last time: CPython passes tstate == NULL to drop_gil
    // then, which skips the forced-switch wait.
    drop_gil(tid, c, tr, acquired, /*forced_switching=*/false);
    return done;
  }

  void take(int tid, Counters& c, std::vector<TraceEvent>* trace) override {
    check_tid(tid, nthreads_);
    TraceSink tr(trace_opts_, epoch_, trace, tid, /*shared=*/true);
    slots_[static_cast<std::size_t>(tid)].acquired = take_gil(tid, c, tr);
  }

  /// PyEval_SaveThread → drop_gil(tstate): a release with a drop request pending does the
  /// forced-switch wait (until another thread has taken the lock), as CPython's I/O threads do.
  void release(int tid, Counters& c, std::vector<TraceEvent>* trace) override {
    check_tid(tid, nthreads_);
    TraceSink tr(trace_opts_, epoch_, trace, tid, /*shared=*/true);
    drop_gil(tid, c, tr, slots_[static_cast<std::size_t>(tid)].acquired, /*forced_switching=*/true);
  }

 private:
  /// take_gil(): returns the time the lock was acquired.
  Clock::time_point take_gil(int tid, Counters& c, TraceSink& tr) {
    Clock::time_point t_request{};
    if (tr.active()) {
      t_request = Clock::now();
      tr.add(t_request, EventKind::request);
    }
    std::unique_lock lk(mutex_);
    bool waited = false;
    if (locked_) {
      waited = true;
      if (t_request == Clock::time_point{}) t_request = Clock::now();
      while (locked_) {
        const std::uint64_t saved_switch_number = switch_number_;
        // The timer restarts on every pass, as CPython's COND_TIMED_WAIT(interval) does.
        const bool timed_out = cond_.wait_for(lk, interval_) == std::cv_status::timeout;
        if (timed_out) ++c.wait_timeouts;
        // Timed out and no switch occurred in the meantime: ask the holder to drop it.
        if (timed_out && locked_ && switch_number_ == saved_switch_number) {
          drop_request_.store(true, std::memory_order_relaxed);
          ++c.drop_requests;
          if (tr.active()) tr.add(Clock::now(), EventKind::drop_request);
        }
      }
    }
    bool switched = false;
    {
      // switch_mutex must be held while last_holder changes: see drop_gil().
      const std::lock_guard sl(switch_mutex_);
      locked_ = true;
      const int previous = last_holder_.load(std::memory_order_relaxed);
      if (previous != tid) {
        last_holder_.store(tid, std::memory_order_relaxed);
        ++switch_number_;
        switched = true;
        if (previous >= 0) ++c.switches;
      }
    }
    if (drop_request_.load(std::memory_order_relaxed)) drop_request_.store(false, std::memory_order_relaxed);
    lk.unlock();

    const Clock::time_point t_acquired = Clock::now();
    // CPython signals switch_cond (and cond, in drop_gil) with the mutex held; signalling after
    // the unlock is equivalent (the waiters re-check their predicates under the mutex) and
    // spares the woken thread a futex round trip on the still-held mutex. A forced dropper can
    // only be waiting if the holder changed, so an unchanged holder skips the syscall.
    if (switched) switch_cond_.notify_one();
    ++c.acquisitions;
    if (waited) c.wait_s += seconds(t_acquired - t_request);
    tr.add(t_acquired, EventKind::acquire);
    return t_acquired;
  }

  /// drop_gil(): `acquired` is when this tenure began (for hold_s).
  void drop_gil(int tid, Counters& c, TraceSink& tr, Clock::time_point acquired, bool forced_switching) {
    const Clock::time_point t_release = Clock::now();  // before anyone else can hold it
    c.hold_s += seconds(t_release - acquired);
    tr.add(t_release, EventKind::release);

    last_holder_.store(tid, std::memory_order_relaxed);
    {
      const std::lock_guard lk(mutex_);
      locked_ = false;
    }
    cond_.notify_one();
    if (forced_switching && drop_request_.load(std::memory_order_relaxed)) {
      std::unique_lock sl(switch_mutex_);
      // Not switched yet => wait until another thread has taken the lock.
      if (last_holder_.load(std::memory_order_relaxed) == tid) {
        drop_request_.store(false, std::memory_order_relaxed);
        const Clock::time_point t0 = Clock::now();
        switch_cond_.wait(sl, [&] { return last_holder_.load(std::memory_order_relaxed) != tid; });
        c.switch_wait_s += seconds(Clock::now() - t0);
      }
    }
  }

  const int nthreads_;
  const std::chrono::nanoseconds interval_;  // in force: whole µs, >= 1 µs
  const std::uint64_t poll_;                 // iterations between drop-request polls
  const std::atomic<bool>& stop_;
  const TraceOptions trace_opts_;
  const Clock::time_point epoch_;
  const HeldHook hook_;

  /// Polled by the holder at every check point: alone on its line so that the (rare) writes to
  /// the state below never evict it from the holder's cache.
  alignas(kCacheLine) std::atomic<bool> drop_request_{false};

  alignas(kCacheLine) std::mutex mutex_;  // guards locked_, switch_number_; cond_ signals changes
  std::condition_variable cond_;
  bool locked_ = false;
  std::uint64_t switch_number_ = 0;

  alignas(kCacheLine) std::mutex switch_mutex_;  // forced switching
  std::condition_variable switch_cond_;
  std::atomic<int> last_holder_{-1};  // written in take (under both mutexes) and in drop (own id)

  std::vector<Slot> slots_;  // take()/release() tenure starts
};

}  // namespace

std::unique_ptr<Lock> make_gil_lock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook) {
  return std::make_unique<GilLock>(p, nthreads, t, std::move(hook));
}

}  // namespace gilbench::gil::detail
