// Policy `gil`: CPython 3.2+'s GIL (Python/ceval_gil.c, FORCE_SWITCHING on), transcribed.
//
// Differences from CPython, all deliberate and documented in lock.hpp:
//  * the holder polls drop_request every kGilPollIterations kernel iterations instead of every
//    bytecode back-edge (same request latency class: sub-microsecond);
//  * the forced-switch wait loops on its predicate (last_holder != me) where CPython waits once
//    and so may return early on a spurious wake-up;
//  * a fresh lock's first acquisition is not counted as a switch (CPython's switch_number does
//    count it; here `switches` are holder changes between threads);
//  * the waiter that sets drop_request spins gil_requester_window (half a poll batch, ~0.6 µs)
//    before it sleeps, and a
//    drop inside that window is its own and wakes nobody: see requester_window();
//  * cond/switch_cond are signalled just after their mutex is released instead of while it is
//    held (equivalent: waiters re-check under the mutex; it spares the woken thread a futex
//    round trip), and switch_cond only when the holder changed (nobody waits otherwise).
//
// The state machine is written once over its synchronisation primitives (futex.hpp): rank scope
// runs it on std::mutex / std::condition_variable with the state in the lock object, the
// job-scope shared-memory path on process-shared futexes with the state in a window that every
// rank of the node maps; thread ids in the state are then node-wide (id_offset + tid).
#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "gil/detail.hpp"
#include "gil/futex.hpp"
#include "gil/policies.hpp"
#include "sweep/kernel.hpp"

namespace gilbench::gil::detail {
namespace {

/// The lock's shared state (CPython's struct _gil_runtime_state).
template <class Sync>
struct GilState {
  /// Polled by the holder at every check point: alone on its line so that the (rare) writes to
  /// the state below never evict it from the holder's cache.
  alignas(kCacheLine) std::atomic<bool> drop_request{false};

  alignas(kCacheLine) typename Sync::Mutex mutex;  // guards locked, switch_number; cond signals changes
  typename Sync::Cond cond;
  std::atomic<bool> locked{false};  // written under mutex; a requester reads it spinning, unlocked
  std::uint64_t switch_number = 0;
  int requesters = 0;  // under mutex: waiters in their post-request window (take_gil), not asleep

  alignas(kCacheLine) typename Sync::Mutex switch_mutex;  // forced switching
  typename Sync::Cond switch_cond;
  std::atomic<int> last_holder{-1};  // written in take (under both mutexes) and in drop (own id)
};

template <class Sync>
class GilLock final : public Lock {
 public:
  using State = GilState<Sync>;

  /// `state` is shared by every user of the lock; `owned` keeps it alive when it is this
  /// object's (rank scope). This lock's thread `tid` is id_offset + tid in the state.
  GilLock(const Params& p, int nthreads, int id_offset, State& state, std::unique_ptr<State> owned,
          const TraceOptions& t, Clock::time_point epoch, HeldHook hook)
      : nthreads_(nthreads),
        id_offset_(id_offset),
        interval_(in_force_switch_interval(p.switch_interval)),
        poll_(gil_poll_iterations(p)),
        requester_window_(gil_requester_window(p)),
        stop_(stop_flag(p)),
        trace_opts_(t),
        epoch_(epoch),
        hook_(std::move(hook)),
        owned_(std::move(owned)),
        s_(state),
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
      if (s_.drop_request.load(std::memory_order_relaxed) && n > 0) [[unlikely]] {
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
    std::unique_lock lk(s_.mutex);
    bool waited = false;
    if (s_.locked.load(std::memory_order_relaxed)) {
      waited = true;
      if (t_request == Clock::time_point{}) t_request = Clock::now();
      while (s_.locked.load(std::memory_order_relaxed)) {
        const std::uint64_t saved_switch_number = s_.switch_number;
        // The timer restarts on every pass, as CPython's COND_TIMED_WAIT(interval) does.
        const bool timed_out = s_.cond.wait_for(lk, interval_) == std::cv_status::timeout;
        if (timed_out) ++c.wait_timeouts;
        // Timed out and no switch occurred in the meantime: ask the holder to drop it.
        if (timed_out && s_.locked.load(std::memory_order_relaxed) && s_.switch_number == saved_switch_number) {
          s_.drop_request.store(true, std::memory_order_relaxed);
          ++c.drop_requests;
          if (tr.active()) tr.add(Clock::now(), EventKind::drop_request);
          requester_window(lk);
        }
      }
    }
    bool switched = false;
    {
      // switch_mutex must be held while last_holder changes: see drop_gil().
      const std::lock_guard sl(s_.switch_mutex);
      s_.locked.store(true, std::memory_order_relaxed);  // under the mutex, which orders it
      const int previous = s_.last_holder.load(std::memory_order_relaxed);
      const int id = id_offset_ + tid;
      if (previous != id) {
        s_.last_holder.store(id, std::memory_order_relaxed);
        ++s_.switch_number;
        switched = true;
        if (previous >= 0) ++c.switches;
      }
    }
    if (s_.drop_request.load(std::memory_order_relaxed)) s_.drop_request.store(false, std::memory_order_relaxed);
    lk.unlock();

    const Clock::time_point t_acquired = Clock::now();
    // CPython signals switch_cond (and cond, in drop_gil) with the mutex held; signalling after
    // the unlock is equivalent (the waiters re-check their predicates under the mutex) and
    // spares the woken thread a futex round trip on the still-held mutex. A forced dropper can
    // only be waiting if the holder changed, so an unchanged holder skips the syscall.
    if (switched) s_.switch_cond.notify_one();
    ++c.acquisitions;
    if (waited) c.wait_s += seconds(t_acquired - t_request);
    tr.add(t_acquired, EventKind::acquire);
    return t_acquired;
  }

  /// The requester's window, after it set drop_request: CPython's requester goes straight back
  /// into COND_TIMED_WAIT, and its holder, which sees eval_breaker within a bytecode, blocks on
  /// gil->mutex until the requester's wait releases it, so its COND_SIGNAL typically lands while
  /// the requester is still on its way into the futex wait — and glibc's condition variable
  /// then lets that awake waiter consume the signal, ahead of the threads already asleep
  /// (measured with 2 CPU threads and the latency probe: the requester wins the hand-off when
  /// the signal comes within ~0.5 µs of its re-wait, the longest sleeper after ~0.75 µs). Here
  /// the holder sees the request only at its next poll, after the requester is asleep, so
  /// without this window the probe, asleep longest, won nearly every hand-off. The window is
  /// gil_requester_window (lock.hpp) of spinning with the mutex released; a drop inside it is the
  /// requester's (drop_gil does not wake anyone), a drop after it wakes a sleeper as before.
  /// REQUIRES: lk owns s_.mutex; returns with it owned.
  template <class Lk>
  void requester_window(Lk& lk) {
    ++s_.requesters;
    lk.unlock();
    const Clock::time_point until = Clock::now() + requester_window_;
    while (s_.locked.load(std::memory_order_relaxed) && Clock::now() < until) {
    }
    lk.lock();
    --s_.requesters;  // the caller's loop re-checks locked under the mutex: no lost wake-up
  }

  /// drop_gil(): `acquired` is when this tenure began (for hold_s).
  void drop_gil(int tid, Counters& c, TraceSink& tr, Clock::time_point acquired, bool forced_switching) {
    const Clock::time_point t_release = Clock::now();  // before anyone else can hold it
    c.hold_s += seconds(t_release - acquired);
    tr.add(t_release, EventKind::release);

    const int id = id_offset_ + tid;
    s_.last_holder.store(id, std::memory_order_relaxed);
    bool wake = false;
    {
      const std::lock_guard lk(s_.mutex);
      s_.locked.store(false, std::memory_order_relaxed);
      // A requester still in its window takes the lock itself: nobody else is woken (in CPython
      // the awake requester consumes the one signal). Otherwise the longest sleeper is woken.
      wake = s_.requesters == 0;
    }
    if (wake) s_.cond.notify_one();
    if (forced_switching && s_.drop_request.load(std::memory_order_relaxed)) {
      std::unique_lock sl(s_.switch_mutex);
      // Not switched yet => wait until another thread has taken the lock.
      if (s_.last_holder.load(std::memory_order_relaxed) == id) {
        s_.drop_request.store(false, std::memory_order_relaxed);
        const Clock::time_point t0 = Clock::now();
        s_.switch_cond.wait(sl, [&] { return s_.last_holder.load(std::memory_order_relaxed) != id; });
        c.switch_wait_s += seconds(Clock::now() - t0);
      }
    }
  }

  const int nthreads_;
  const int id_offset_;                      // this lock's thread `tid` is id_offset_ + tid in the state
  const std::chrono::nanoseconds interval_;  // in force: whole µs, >= 1 µs
  const std::uint64_t poll_;                 // iterations between drop-request polls
  const std::chrono::nanoseconds requester_window_;
  const std::atomic<bool>& stop_;
  const TraceOptions trace_opts_;
  const Clock::time_point epoch_;
  const HeldHook hook_;

  const std::unique_ptr<State> owned_;  // rank scope: the state is this lock's
  State& s_;

  std::vector<Slot> slots_;  // take()/release() tenure starts
};

}  // namespace

std::unique_ptr<Lock> make_gil_lock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook) {
  auto state = std::make_unique<GilState<ProcessSync>>();
  auto& ref = *state;
  return std::make_unique<GilLock<ProcessSync>>(p, nthreads, 0, ref, std::move(state), t, trace_epoch(t, Clock::now()),
                                                std::move(hook));
}

std::size_t shared_gil_state_size(int /*total_threads*/) noexcept { return sizeof(GilState<SharedSync>); }

void init_shared_gil_state(void* at, int /*total_threads*/, bool cross_process) {
  auto* s = new (at) GilState<SharedSync>();
  for (SharedMutex* m : {&s->mutex, &s->switch_mutex}) m->set_process_private(!cross_process);
  for (SharedCond* c : {&s->cond, &s->switch_cond}) c->set_process_private(!cross_process);
}

void destroy_shared_gil_state(void* at) noexcept { static_cast<GilState<SharedSync>*>(at)->~GilState(); }

std::unique_ptr<Lock> make_shared_gil_lock(const Params& p, void* state, int id_offset, int nthreads,
                                           const TraceOptions& t, Clock::time_point epoch, HeldHook hook) {
  return std::make_unique<GilLock<SharedSync>>(p, nthreads, id_offset, *static_cast<GilState<SharedSync>*>(state),
                                               nullptr, t, epoch, std::move(hook));
}

}  // namespace gilbench::gil::detail
