#pragma once
// Emulated global interpreter locks: the policies under which the countdown threads of one rank
// run. Pure C++ (std::mutex / std::condition_variable / atomics / POSIX semaphores): no OpenMP,
// no MPI, so the tests drive it with std::thread and run it under ThreadSanitizer. The job-wide
// variant built on MPI lives in gil/job_lock.hpp (target gilbench::gil_mpi).
//
// Policies (see docs/gil.md and CPython's Python/ceval_gil.c, Python 2.7's ceval.c):
//
//   none        No lock. run() is countdown(n); lock counters stay zero (ctx_* are still measured).
//               What free-threaded CPython (PEP 703, 3.13t) does.
//
//   gil         CPython 3.2+ ("new GIL", ceval_gil.c, FORCE_SWITCHING on). State: `locked`,
//               `last_holder`, `switch_number`, a mutex+condvar for taking, a second
//               mutex+condvar for forced switching, and a `drop_request` flag.
//               take: while locked, timed wait of one switch interval on the condvar (the timer
//               restarts on every pass); if the wait timed out, the lock is still held and no
//               switch happened meanwhile, set drop_request. On taking: a new holder
//               (!= last_holder) bumps switch_number and signals switch_cond; a pending
//               drop_request is reset.
//               Holder: polls drop_request at its check points; when set, drops (locked = 0,
//               signal) and — forced switching — waits on switch_cond until another thread has
//               taken the lock, then takes it again (and so waits a whole interval before it
//               asks back).
//               Check points: CPython polls on every loop back-edge, i.e. once per countdown
//               iteration of ~25 ns. The emulation polls one relaxed atomic load every
//               kGilPollIterations (4096) iterations of the C++ kernel, i.e. every ~1.2 µs
//               (~47 CPython 3.11 loop iterations). This is equivalent for the policy: a request
//               is seen ≤ 1.2 µs after it is set, which is > 4000 times shorter than the default
//               interval (5 ms), > 150 times shorter than a 200 µs one, and shorter than the
//               futex wake-up that follows it, so slice lengths and switch rates are unchanged.
//               The uncontended cost is one L1 load + branch per batch plus the batch loop's
//               exit (a branch mispredict): measured +0.5 % at 4096 (+2 % at 1024, +0.2 % at
//               16384), within the ≤ 2 % budget of "gil, 1 thread vs none".
//
//   legacy-gil  CPython ≤ 3.1 / 2.x: the interpreter lock is a plain binary semaphore (Python 2's
//               PyThread lock on Linux is a sem_t: sem_wait / sem_post; this uses the same
//               sem_t). No owner, no fairness, no timeout, no request flag. The holder counts
//               down a ticker shared by the interpreter (_Py_Ticker is a global: a new holder
//               continues the previous holder's count) and every check_interval + 1 ticks
//               ((check_interval + 1) × tick_iterations kernel iterations: check_period())
//               releases and immediately
//               re-acquires. On a multicore machine the releasing thread is still running and
//               usually wins; the woken waiter loses and sleeps again — the convoy effect, which
//               this reproduces rather than fixes. Counted: checks = self_reacquires + handoffs.
//               (2.7 checks when --_Py_Ticker < 0 and then resets the ticker to check_interval,
//               so the check fires on tick check_interval + 1: 1 % longer than C ticks at C = 100,
//               10 % at C = 10, 2× at C = 1 — so the period here is C + 1 ticks, exactly.)
//
// Tick mapping (tick_iterations): measured per launch, see tick_mapping below.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "results/column.hpp"

namespace gilbench::gil {

enum class Policy : std::uint8_t { none, gil, legacy_gil };

/// How a job-scope lock (--lock-scope job, gil/job_lock.hpp) is shared (--job-lock): automatic
/// picks shm when every rank is on one node (MPI_COMM_TYPE_SHARED), else messages.
enum class JobPath : std::uint8_t { automatic, shm, messages };
/// "auto", "shm", "messages".
std::string_view to_string(JobPath) noexcept;
/// Inverse of to_string; nullopt for anything else.
std::optional<JobPath> parse_job_path(std::string_view) noexcept;

/// "none", "gil", "legacy-gil".
std::string_view to_string(Policy) noexcept;
/// Inverse of to_string (exact, lower case); nullopt for anything else.
std::optional<Policy> parse_policy(std::string_view) noexcept;

/// Kernel iterations per CPython "tick" (one bytecode dispatch that decrements _Py_Ticker):
/// tick_iterations = CPython's time per tick / the native kernel's time per iteration, both
/// measured by the launch at start-up (tick_mapping below; docs/gil.md, "Tick mapping").
///
/// CPython's time per tick:
///   * measured, when a 2.7 python kernel is in the launch (--kernel native,python --python
///     <2.7>): its countdown rate per iteration / kTicksPerIteration27;
///   * else the reference kReferenceTickNs, measured once on this machine kind (AMD EPYC, 2
///     cores): CPython 2.7.18 (pyenv) runs `while n > 0: n -= 1` at 21.7–23.0 ns per iteration
///     (≈ 22.5 ns, 44 M iterations/s), i.e. 22.5 / 3 = 7.5 ns per tick.
/// kTicksPerIteration27: the loop is 9 bytecodes a pass (dis: LOAD_FAST, LOAD_CONST,
/// COMPARE_OP, POP_JUMP_IF_FALSE, LOAD_FAST, LOAD_CONST, INPLACE_SUBTRACT, STORE_FAST,
/// JUMP_ABSOLUTE); the ones reached through `continue` pass the ticker, the ones reached through
/// fast_next_opcode (after LOAD_FAST/LOAD_CONST/STORE_FAST) skip it. Counted, not derived:
/// tstate->tick_counter (one per tick at sys.setcheckinterval(0)) grows by exactly 3 000 000
/// between countdown(1 000 000) and countdown(2 000 000) (scripts/ticks-per-iteration.py;
/// ctest python27.ticks_per_iteration where a 2.7 is installed).
inline constexpr double kReferenceTickNs = 7.5;
inline constexpr int kTicksPerIteration27 = 3;

/// The reference native time per kernel iteration (gilbench::countdown at 0.28–0.30 ns, ~1 per
/// cycle, on the machine of kReferenceTickNs), used where no launch measured one: the poll batch
/// of short switch intervals (Params::iteration_ns) and Params' default tick_iterations.
inline constexpr double kReferenceIterationNs = 0.285;

/// Params' default tick_iterations: the reference mapping at the reference iteration time,
/// 7.5 / 0.285 ≈ 26 (the lock's unit tests and benchmarks use it; a launch measures its own).
/// With the default check interval of 100 ticks the holder releases every 101 × 26 = 2626
/// iterations ≈ 0.75 µs, CPython 2.7's 101 ticks × 7.5 ns ≈ 0.76 µs.
inline constexpr std::int64_t kDefaultTickIterations = 26;
static_assert(kDefaultTickIterations == static_cast<std::int64_t>(kReferenceTickNs / kReferenceIterationNs + 0.5));

/// Where a launch's per-tick time came from (the launch's tick_source column).
enum class TickSource : std::uint8_t { reference, measured_27, override };
/// "reference", "measured 2.7", "--tick-iterations override".
std::string_view to_string(TickSource) noexcept;

/// The tick mapping a launch emulates the legacy GIL with.
struct TickMapping {
  std::int64_t iterations = kDefaultTickIterations;  ///< kernel iterations per tick, >= 1
  double tick_s = 0;                                 ///< CPython's time per tick used; 0 for an override
  TickSource source = TickSource::reference;
};

/// The mapping from the rates measured at start-up (iterations/s, sequential): `override` > 0
/// (--tick-iterations) wins; else the per-tick time is 1 / (kTicksPerIteration27 ×
/// python27_rate) when python27_rate > 0 (a 2.7 kernel measured), the reference otherwise; and
/// iterations = round(tick time × native_rate), at least 1. native_rate <= 0 (not measured)
/// with no override: kDefaultTickIterations, source reference. E.g. native 2.65e9/s (0.377 ns)
/// and the reference: 7.5e-9 × 2.65e9 = 19.9 → 20; with a 2.7 at 44e6/s: tick 7.58 ns → 20.
TickMapping tick_mapping(std::int64_t override_iterations, double native_rate, double python27_rate) noexcept;

/// Kernel iterations between two polls of the drop request under `gil` (see above), at most.
inline constexpr std::uint64_t kGilPollIterations = 4096;

struct Params {
  Policy policy = Policy::none;
  /// gil: how long a waiter waits before it sets drop_request (sys.setswitchinterval). > 0.
  std::chrono::nanoseconds switch_interval{5'000'000};
  /// legacy-gil: ticks between the holder's release/re-acquire (sys.setcheckinterval). > 0.
  std::int64_t check_interval = 100;
  /// legacy-gil: kernel iterations per tick (tick_mapping; default kDefaultTickIterations). > 0.
  std::int64_t tick_iterations = kDefaultTickIterations;
  /// gil: native time per kernel iteration in ns, for the poll batch (gil_poll_iterations); a
  /// launch measures it when an interval is under 500 µs (app/main.cpp, kMeasuredPollBelow). > 0.
  double iteration_ns = kReferenceIterationNs;
  /// gil: how long a waiter that has just set drop_request spins (mutex released) before it
  /// sleeps; a drop inside that window hands the lock to it and wakes nobody (gil_lock.cpp).
  /// Negative (the default): gil_requester_window(), half a poll batch. Tests lengthen it to
  /// script a hand-off.
  std::chrono::nanoseconds requester_window{-1};
  /// Cuts run() short once set (the launch's --stop-grace is over): every policy polls it at its
  /// check points — gil every kGilPollIterations, legacy-gil at every check and at least every
  /// kStopPollIterations (sweep/kernel.hpp), none every kStopPollIterations — and then releases
  /// and returns the iterations done so far. Null: never set. Not owned; must outlive the lock.
  const std::atomic<bool>* stop = nullptr;
};

/// gil: kernel iterations between two polls of the drop request: min(4096, interval / (100 ·
/// t_iter)) with t_iter = Params::iteration_ns, at least 1 — so a request is seen within 1 % of
/// the interval also at short intervals (at 50 µs: 1754 iterations ≈ 0.5 µs), and the batch is
/// the measured-cheap 4096 from ~117 µs up.
constexpr std::uint64_t gil_poll_iterations(const Params& p) noexcept {
  const double per_interval = static_cast<double>(p.switch_interval.count()) / (100.0 * p.iteration_ns);
  if (!(per_interval < static_cast<double>(kGilPollIterations))) return kGilPollIterations;  // also NaN
  return per_interval < 1.0 ? 1 : static_cast<std::uint64_t>(per_interval);
}

/// gil: the requester's window in force: Params::requester_window when >= 0, else half the poll
/// batch's time, gil_poll_iterations × iteration_ns / 2 (≈ 0.6 µs for 4096 × 0.3 ns) — the mean
/// of the delay the holder's poll adds to CPython's, whose holder sees eval_breaker at the next
/// bytecode. In CPython the requester is awake for ~0.5–0.75 µs after its re-wait (it then
/// wins the hand-off; measured, docs/gil.md "Three contenders"); the window keeps the
/// emulated requester awake for the extra time its holder takes to notice.
constexpr std::chrono::nanoseconds gil_requester_window(const Params& p) noexcept {
  if (p.requester_window.count() >= 0) return p.requester_window;
  return std::chrono::nanoseconds(
      static_cast<std::int64_t>(static_cast<double>(gil_poll_iterations(p)) * p.iteration_ns / 2.0));
}

/// gil: the switch interval in force for a requested one, as CPython's: sys.setswitchinterval
/// stores (unsigned long)(1e6 × seconds), i.e. truncated to whole µs, and take_gil waits
/// `gil->interval >= 1 ? gil->interval : 1` µs — so at least 1 µs.
constexpr std::chrono::nanoseconds in_force_switch_interval(std::chrono::nanoseconds requested) noexcept {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(requested);
  return us.count() >= 1 ? std::chrono::nanoseconds(us) : std::chrono::nanoseconds(std::chrono::microseconds(1));
}

/// legacy-gil: kernel iterations between two periodic checks, (check_interval + 1) ×
/// tick_iterations — 2.7's `if (--_Py_Ticker < 0) { _Py_Ticker = _Py_CheckInterval; ...` fires
/// on tick C + 1. The one definition, shared by the rank- and job-scope locks and the server.
/// Requires validate(p) to pass (no overflow).
constexpr std::int64_t check_period(const Params& p) noexcept { return (p.check_interval + 1) * p.tick_iterations; }

/// Why `p` is unusable ("switch interval must be > 0", ...), or nullopt when it is fine.
/// Parameters a policy does not use are still checked, so a sweep fails early and uniformly.
std::optional<std::string> validate(const Params& p);

/// Per-thread lock counters of one run (zero where a policy has no such event), declared once
/// as columns of the results file's /samples table (results/schema.hpp appends them there).
/// switches are counted by the new holder: the sum over threads is the run's holder changes,
/// and a fresh lock's first take is none.
#define GILBENCH_LOCK_COUNTERS(X)                                                                               \
  X(acquisitions, u64, 0, "", 2, false, 0, "times the thread took the lock")                                    \
  X(switches, u64, 0, "", 2, false, 0,                                                                          \
    "takes where the previous holder was another thread, counted by the new holder (sum over threads = the "    \
    "run's holder changes)")                                                                                    \
  X(forced_drops, u64, 0, "", 2, false, 0, "gil: drops at a check point because a waiter set the drop request") \
  X(drop_requests, u64, 0, "", 2, false, 0, "gil: times this thread, waiting, set the drop request")            \
  X(wait_timeouts, u64, 0, "", 2, false, 0, "gil: timed waits of one switch interval that expired")             \
  X(checks, u64, 0, "", 2, false, 0, "legacy-gil: release/re-acquire check points")                             \
  X(self_reacquires, u64, 0, "", 2, false, 0,                                                                   \
    "legacy-gil: checks where the thread got the lock straight back (nobody else took it)")                     \
  X(handoffs, u64, 0, "", 2, false, 0, "legacy-gil: checks where another thread took it meanwhile")             \
  X(ctx_voluntary, u64, 0, "", 2, false, 0,                                                                     \
    "OS voluntary context switches of the thread during the run (getrusage RUSAGE_THREAD)")                     \
  X(ctx_involuntary, u64, 0, "", 2, false, 0, "OS involuntary context switches of the thread during the run")   \
  X(wait_s, f64, 0, "s", 2, false, 0.0, "blocked waiting to take the lock")                                     \
  X(hold_s, f64, 0, "s", 2, false, 0.0, "holding the lock (acquire to release)")                                \
  X(switch_wait_s, f64, 0, "s", 2, false, 0.0, "gil: in the forced-switch wait after a forced drop")

/// Trivially copyable (gathered over MPI as bytes).
struct Counters {
  GILBENCH_LOCK_COUNTERS(GILBENCH_MEMBER)
};

/// Field-wise sum (aggregating threads or ranks).
Counters& operator+=(Counters& a, const Counters& b) noexcept;

enum class EventKind : std::uint8_t {
  request,       ///< the thread starts asking for the lock (enters take)
  acquire,       ///< the thread now holds the lock
  drop_request,  ///< gil: the thread (a waiter) set drop_request
  release,       ///< the thread let the lock go
};
inline constexpr int kEventKinds = 4;            ///< EventKind values are 0 .. kEventKinds-1
std::string_view to_string(EventKind) noexcept;  ///< "request", "acquire", "drop_request", "release"

struct TraceEvent {
  double t_s;           ///< seconds since TraceOptions::epoch
  std::int32_t thread;  ///< tid as passed to run()/take()/release()
  EventKind kind;
};

struct TraceOptions {
  bool enabled = false;
  double window_s = 2.0;  ///< record events with t_s <= window_s only
  /// At most this many events per run() call (i.e. per thread and run), or in the vector that a
  /// thread's take()/release() calls share.
  std::size_t max_events = 100000;
  /// Time zero of the trace. Default (a default-constructed time_point): the lock's creation.
  /// The runner passes the run's start so t_s is "since the start of the run".
  std::chrono::steady_clock::time_point epoch{};
};

/// Instrumentation for tests and benchmarks, not for production runs: when set, the holder calls
/// it with the lock held after each batch of `iterations` kernel iterations (and once with 0
/// right after each acquisition in run()). Empty (the default): never called; the cost is one
/// predictable branch per batch.
using HeldHook = std::function<void(int tid, std::uint64_t iterations)>;

/// One rank-scope lock (one emulated interpreter). Create a fresh one per run: counters and
/// the trace are per call, the lock's own state (holder, switch number, ticker) per object.
/// Thread ids are 0..nthreads-1; each id is used by at most one thread at a time.
class Lock {
 public:
  virtual ~Lock() = default;
  Lock() = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  virtual Policy policy() const noexcept = 0;

  /// Thread `tid` takes the lock, runs countdown(n) under it with the policy's check points
  /// (dropping / re-taking as the policy says), releases it, and returns the iterations done
  /// (== n, or fewer when Params::stop was set: then it stops at its next check point). Adds this run's events to `c` (including ctx_* from getrusage(RUSAGE_THREAD)
  /// deltas) and, when tracing is enabled and `trace` is not null, appends this thread's events
  /// (bounded by TraceOptions; when tracing is off nothing is timed or recorded).
  /// REQUIRES: `tid` does not hold the lock.
  virtual std::uint64_t run(int tid, std::uint64_t n, Counters& c, std::vector<TraceEvent>* trace) = 0;

  /// Voluntary take, as after a blocking call (Py_END_ALLOW_THREADS): waits as the policy says
  /// (gil: timed waits and drop requests). Counts acquisitions/switches/wait_s into `c`. When
  /// tracing is enabled and `trace` is not null, appends this thread's events (request, drop
  /// requests, acquire) while `trace` holds fewer than TraceOptions::max_events and they fall in
  /// the window: one vector serves a thread's many take()/release() calls (the latency probe's).
  /// REQUIRES: `tid` does not hold the lock.
  virtual void take(int tid, Counters& c, std::vector<TraceEvent>* trace) = 0;
  /// Voluntary release, as before a blocking call: no forced-switch wait. Adds hold_s, and
  /// the release event to `trace` as take() does.
  /// REQUIRES: `tid` holds the lock (taken with take()).
  virtual void release(int tid, Counters& c, std::vector<TraceEvent>* trace) = 0;
};

/// The lock for `p.policy` shared by `nthreads` threads. Throws std::invalid_argument when
/// validate(p) fails or nthreads < 1.
std::unique_ptr<Lock> make_lock(const Params& p, int nthreads, TraceOptions trace = {}, HeldHook hook = {});

}  // namespace gilbench::gil
