// Policy `legacy-gil`: CPython <= 3.1 / 2.x. The interpreter lock is Python 2's PyThread lock,
// which on Linux is an unnamed POSIX semaphore (thread_pthread.h, USE_SEMAPHORES):
//   acquire(L, waitflag=1): do sem_wait(L) while EINTR      release(L): sem_post(L)
// and ceval.c's periodic check, on tick _Py_CheckInterval + 1 of the global _Py_Ticker:
//   if (--_Py_Ticker < 0) { _Py_Ticker = _Py_CheckInterval; ...
//       PyThread_release_lock(interpreter_lock);
//       /* Other threads may run now */
//       PyThread_acquire_lock(interpreter_lock, 1); }
// No owner, no fairness, no timeout, no request flag: the convoy effect on multicore machines
// comes from exactly this, so nothing here tries to be fair.
//
// The state (semaphore, ticker, last holder, hand-over times) is in a LegacyState: the lock's own
// at rank scope (sem_init pshared 0, as 2.7's), or in the MPI-3 shared window of the job-scope
// shared-memory path (pshared 1: glibc then uses non-private futexes, which cross processes);
// thread ids in the state are then node-wide (id_offset + tid).
#include <semaphore.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <system_error>
#include <utility>
#include <vector>

#include "gil/detail.hpp"
#include "gil/policies.hpp"
#include "sweep/kernel.hpp"

namespace gilbench::gil::detail {
namespace {

/// The interpreter lock's state, followed in memory by one Slot per thread (handed_over).
struct LegacyState {
  alignas(kCacheLine) sem_t sem;  // the interpreter lock: 1 = free
  /// Holder-only state (written with the semaphore held), off the semaphore's line.
  alignas(kCacheLine) std::atomic<std::uint64_t> ticker{0};
  std::atomic<int> last_holder{-1};

  LegacyState(const Params& p, bool pshared) {
    if (sem_init(&sem, pshared ? 1 : 0, 1) != 0)
      throw std::system_error(errno, std::generic_category(), "gil: sem_init");
    ticker.store(static_cast<std::uint64_t>(check_period(p)), std::memory_order_relaxed);
  }
  ~LegacyState() { sem_destroy(&sem); }
  LegacyState(const LegacyState&) = delete;
  LegacyState& operator=(const LegacyState&) = delete;
};
static_assert(sizeof(LegacyState) % alignof(Slot) == 0);

class LegacyGilLock final : public Lock {
 public:
  /// `handed` holds a Slot per thread id of the state; `owned*` keep the state alive when it is
  /// this object's (rank scope). This lock's thread `tid` is id_offset + tid in the state.
  LegacyGilLock(const Params& p, int nthreads, int id_offset, LegacyState& state, Slot* handed,
                std::unique_ptr<LegacyState> owned, std::vector<Slot> owned_handed, const TraceOptions& t,
                Clock::time_point epoch, HeldHook hook)
      : nthreads_(nthreads),
        id_offset_(id_offset),
        period_(static_cast<std::uint64_t>(check_period(p))),
        stop_(stop_flag(p)),
        trace_opts_(t),
        epoch_(epoch),
        hook_(std::move(hook)),
        owned_(std::move(owned)),
        owned_handed_(std::move(owned_handed)),
        st_(state),
        handed_(handed),
        slots_(static_cast<std::size_t>(nthreads)) {}
  LegacyGilLock(const LegacyGilLock&) = delete;
  LegacyGilLock& operator=(const LegacyGilLock&) = delete;

  Policy policy() const noexcept override { return Policy::legacy_gil; }

  std::uint64_t run(int tid, std::uint64_t n, Counters& c, std::vector<TraceEvent>* trace) override {
    check_tid(tid, nthreads_);
    const CtxScope ctx(c);
    TraceSink tr(trace_opts_, epoch_, trace, tid);
    std::uint64_t done = 0;
    Clock::time_point tenure = acquire(tid, c, tr);
    if (hook_) hook_(tid, 0);
    while (n > 0) {
      // The interpreter's ticker, in kernel iterations; only the holder touches it, and a new
      // holder carries on with what the previous one left (_Py_Ticker is a global).
      const std::uint64_t budget = st_.ticker.load(std::memory_order_relaxed);
      if (budget == 0) {
        st_.ticker.store(period_, std::memory_order_relaxed);
        check(tid, c, tr, tenure);
        if (hook_) hook_(tid, 0);
        continue;
      }
      std::uint64_t k = n < budget ? n : budget;
      if (k > kStopPollIterations) k = kStopPollIterations;  // a long check interval still polls the stop
      done += countdown(k);
      n -= k;
      st_.ticker.store(budget - k, std::memory_order_relaxed);
      if (hook_) [[unlikely]]
        hook_(tid, k);
      if (stop_.load(std::memory_order_relaxed)) [[unlikely]]
        break;  // --stop-grace is over: release and report the iterations done
    }
    release_sem(c, tr, tenure);
    return done;
  }

  void take(int tid, Counters& c, std::vector<TraceEvent>* trace) override {
    check_tid(tid, nthreads_);
    TraceSink tr(trace_opts_, epoch_, trace, tid, /*shared=*/true);
    slots_[static_cast<std::size_t>(tid)].acquired = acquire(tid, c, tr);
  }

  void release(int tid, Counters& c, std::vector<TraceEvent>* trace) override {
    check_tid(tid, nthreads_);
    TraceSink tr(trace_opts_, epoch_, trace, tid, /*shared=*/true);
    release_sem(c, tr, slots_[static_cast<std::size_t>(tid)].acquired);
  }

 private:
  /// PyThread_acquire_lock(L, 1). The sem_trywait first is glibc's own sem_wait fast path done
  /// separately, so that only a real wait is timed (no clock read when the lock is free).
  /// Returns true if it had to block; then `t_block` is when it started to.
  bool acquire_sem(Clock::time_point& t_block) {
    if (sem_trywait(&st_.sem) == 0) return false;
    t_block = Clock::now();
    while (sem_wait(&st_.sem) != 0) {
      if (errno != EINTR) std::abort();  // EINVAL only: a destroyed semaphore
    }
    return true;
  }

  /// Counts the acquisition (and a switch if someone else held it last). Call with L held.
  /// A new holder tells the previous one when it took over: an upper bound of that thread's
  /// release time that it can read once it holds L again (see check()).
  void note_acquired(int tid, Counters& c, Clock::time_point t_acquired) {
    ++c.acquisitions;
    const int previous = st_.last_holder.load(std::memory_order_relaxed);
    const int id = id_offset_ + tid;
    if (previous != id) {
      if (previous >= 0) {
        ++c.switches;
        handed_[previous].handed_over = t_acquired;
      }
      st_.last_holder.store(id, std::memory_order_relaxed);
    }
  }

  /// First acquisition of a run, or a voluntary take(). Returns the acquisition time.
  Clock::time_point acquire(int tid, Counters& c, TraceSink& tr) {
    if (tr.active()) tr.add(Clock::now(), EventKind::request);
    Clock::time_point t_block{};
    const bool blocked = acquire_sem(t_block);
    const Clock::time_point t_acquired = Clock::now();
    if (blocked) c.wait_s += seconds(t_acquired - t_block);
    note_acquired(tid, c, t_acquired);
    tr.add(t_acquired, EventKind::acquire);
    return t_acquired;
  }

  void release_sem(Counters& c, TraceSink& tr, Clock::time_point tenure) {
    const Clock::time_point t = Clock::now();  // before anyone else can hold it
    c.hold_s += seconds(t - tenure);
    tr.add(t, EventKind::release);
    if (sem_post(&st_.sem) != 0) std::abort();  // EOVERFLOW only: released more than taken
  }

  /// The periodic check: release, then immediately re-acquire. Classifies it as a self
  /// re-acquire (nobody else took L in between: no clock is read) or a hand-off. For a hand-off
  /// this thread's tenure ended at its sem_post, which it did not time (that would cost a clock
  /// read per check); it ends the tenure at the earliest later instant it knows: when the next
  /// holder took over (recorded by that holder), or when this thread began to block. That is
  /// at most the next holder's wake-up latency late, and never overlaps the next tenure — even
  /// when this thread was preempted between sem_post and sem_trywait, which on a busy machine
  /// is common (the post wakes a waiter that preempts the poster). With tracing on, the
  /// release time is read before the post and used exactly.
  void check(int tid, Counters& c, TraceSink& tr, Clock::time_point& tenure) {
    ++c.checks;
    Clock::time_point t_release{};
    if (tr.active()) t_release = Clock::now();
    if (sem_post(&st_.sem) != 0) std::abort();
    /* Other threads may run now */
    Clock::time_point t_block{};
    const bool blocked = acquire_sem(t_block);
    if (st_.last_holder.load(std::memory_order_relaxed) == id_offset_ + tid) {  // only I write my id
      ++c.self_reacquires;
      ++c.acquisitions;
      return;
    }
    ++c.handoffs;
    const Clock::time_point t_acquired = Clock::now();
    Clock::time_point t_end = handed_[id_offset_ + tid].handed_over;  // set: a hand-off
    if (blocked && t_block < t_end) t_end = t_block;
    if (t_release != Clock::time_point{}) t_end = t_release;
    note_acquired(tid, c, t_acquired);
    c.hold_s += seconds(t_end - tenure);
    c.wait_s += seconds(t_acquired - t_end);
    tr.add(t_end, EventKind::release);
    tr.add(t_end, EventKind::request);
    tr.add(t_acquired, EventKind::acquire);
    tenure = t_acquired;
  }

  const int nthreads_;
  const int id_offset_;         // this lock's thread `tid` is id_offset_ + tid in the state
  const std::uint64_t period_;  // check_period(p): (check_interval + 1) × tick_iterations
  const std::atomic<bool>& stop_;
  const TraceOptions trace_opts_;
  const Clock::time_point epoch_;
  const HeldHook hook_;

  const std::unique_ptr<LegacyState> owned_;  // rank scope: the state is this lock's
  std::vector<Slot> owned_handed_;
  LegacyState& st_;
  Slot* const handed_;  // handed_over by state thread id

  std::vector<Slot> slots_;  // take()/release() tenure starts, by tid
};

}  // namespace

std::unique_ptr<Lock> make_legacy_gil_lock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook) {
  auto state = std::make_unique<LegacyState>(p, /*pshared=*/false);
  std::vector<Slot> handed(static_cast<std::size_t>(nthreads));
  LegacyState& ref = *state;
  Slot* h = handed.data();
  return std::make_unique<LegacyGilLock>(p, nthreads, 0, ref, h, std::move(state), std::move(handed), t,
                                         trace_epoch(t, Clock::now()), std::move(hook));
}

std::size_t shared_legacy_state_size(int total_threads) noexcept {
  return sizeof(LegacyState) + sizeof(Slot) * static_cast<std::size_t>(total_threads);
}

void init_shared_legacy_state(void* at, const Params& p, int total_threads, bool cross_process) {
  auto* st = new (at) LegacyState(p, /*pshared=*/cross_process);
  auto* slots = reinterpret_cast<Slot*>(st + 1);
  for (int i = 0; i < total_threads; ++i) new (slots + i) Slot();
}

void destroy_shared_legacy_state(void* at) noexcept { static_cast<LegacyState*>(at)->~LegacyState(); }

std::unique_ptr<Lock> make_shared_legacy_gil_lock(const Params& p, void* state, int id_offset, int nthreads,
                                                  const TraceOptions& t, Clock::time_point epoch, HeldHook hook) {
  auto* st = static_cast<LegacyState*>(state);
  return std::make_unique<LegacyGilLock>(p, nthreads, id_offset, *st, reinterpret_cast<Slot*>(st + 1), nullptr,
                                         std::vector<Slot>{}, t, epoch, std::move(hook));
}

}  // namespace gilbench::gil::detail
