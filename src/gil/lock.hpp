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
// Tick mapping (kDefaultTickIterations): see the derivation below.
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

/// Kernel iterations per CPython "tick" (one bytecode dispatch that decrements _Py_Ticker).
///
/// Derivation (measured on this machine kind, AMD EPYC, 2 cores; reproduce with
/// analysis/gilbench-fidelity and the snippet in its --help):
///   * CPython 2.7.18 (pyenv) runs `while n > 0: n -= 1` at 21.7–23.0 ns per iteration
///     (≈ 22.5 ns, 44 M iterations/s).
///   * It spends exactly 3 ticks per iteration: with sys.setcheckinterval(0) the thread's
///     tstate->tick_counter (one per check) grows by 3 000 010 for 1 000 000 iterations
///     (the bytecode reaching the ticker through `continue`: INPLACE_SUBTRACT, JUMP_ABSOLUTE,
///     and COMPARE_OP/POP_JUMP_IF_FALSE; LOAD_FAST/LOAD_CONST/STORE_FAST skip it via
///     fast_next_opcode). So one tick ≈ 22.5 / 3 = 7.5 ns.
///   * gilbench::countdown runs at 0.28–0.30 ns per iteration (≈ 0.285 ns; ~1 per cycle).
///   * 7.5 ns / 0.285 ns ≈ 26 kernel iterations per tick.
/// With the default check interval of 100 ticks the holder thus releases every 101 × 26 = 2626
/// iterations ≈ 0.75 µs, the same time as CPython 2.7's 101 ticks × 7.5 ns ≈ 0.76 µs. On a machine with a
/// different CPython/C++ speed ratio, set Params::tick_iterations (--tick-iterations).
inline constexpr std::int64_t kDefaultTickIterations = 26;

/// Kernel iterations between two polls of the drop request under `gil` (see above), at most.
inline constexpr std::uint64_t kGilPollIterations = 4096;

/// The reference native time per kernel iteration (see kDefaultTickIterations), used to size
/// the poll batch for short switch intervals.
inline constexpr double kReferenceIterationNs = 0.285;

struct Params {
  Policy policy = Policy::none;
  /// gil: how long a waiter waits before it sets drop_request (sys.setswitchinterval). > 0.
  std::chrono::nanoseconds switch_interval{5'000'000};
  /// legacy-gil: ticks between the holder's release/re-acquire (sys.setcheckinterval). > 0.
  std::int64_t check_interval = 100;
  /// legacy-gil: kernel iterations per tick (see kDefaultTickIterations). > 0.
  std::int64_t tick_iterations = kDefaultTickIterations;
  /// gil: native time per kernel iteration in ns, for the poll batch (gil_poll_iterations). > 0.
  double iteration_ns = kReferenceIterationNs;
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
