#pragma once
// The job-scope lock's server: the lock state of one "interpreter" shared by every thread of
// every rank, as a transport-free state machine. job_lock.cpp runs it on rank 0 and moves its
// messages over MPI point-to-point; the tests drive it directly. Pure C++, no MPI.
//
// Threads are named by a job-wide id gid = rank × threads_per_rank + tid.
//
// Protocol (every message is a Msg; "→S" client to server, "S→" server to a rank):
//   →S request {gid, retry}          take: gil waits / legacy tries the semaphore
//   →S release {gid, tenure, retake, ticker}
//                                    let go of tenure `tenure`; retake = 1: take it again at once
//                                    (gil: after a forced drop; legacy: the periodic check)
//   →S stop {rank}                   this rank is done with the lock (destruction)
//   S→ grant {gid, tenure, flags, x, y}   to thread gid: you hold it now, as tenure `tenure`;
//                                    flags: kSwitch (previous holder was another thread),
//                                    kContended (legacy: someone is parked); gil: x = timed-out
//                                    waits and y = drop requests made on your behalf during this
//                                    wait; legacy: x = the interpreter's ticker (iterations left)
//   S→ drop {tenure}                 gil: a waiter timed out, no switch happened: please drop
//   S→ contended {tenure}            legacy: a thread parked while you hold `tenure`
//   S→ wake {gid}                    legacy: L was released; thread gid may try again (the futex
//                                    wake-up): its rank re-sends request {gid, retry = 1}
//   S→ final {}                      every rank stopped: the server and agents exit
//
// gil (CPython 3.2+ semantics, server side): each waiter has a deadline one switch interval
// after it started (re)waiting and the switch number it saw then; when the deadline passes, it
// counts a timed-out wait, and if the lock is still held and no switch happened, a drop request
// goes to the holder; the timer restarts. A release hands the lock straight to the oldest
// waiter (the woken waiter always wins: that is what CPython's forced switching guarantees
// after a forced drop; for a voluntary release it models a waiter woken by the signal), and a
// `retake` request is queued after that — so the dropper cannot re-take before a switch.
//
// legacy-gil (a plain binary semaphore, no fairness): request takes L if free, else parks the
// thread (and tells the holder, once per tenure, that it is contended). release frees L and
// wakes one parked thread, which must try again; with retake the releaser re-takes L at once,
// in the same message, so a woken remote waiter can never win a check (its retry arrives after
// the re-take): across processes the convoy is complete, and each contended check costs the
// holder a round trip plus a wake-up/retry/park exchange — the futex traffic, over the network.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "gil/lock.hpp"

namespace gilbench::gil::job {

using Clock = std::chrono::steady_clock;

enum MsgType : std::int64_t {
  kRequest = 1,
  kRelease = 2,
  kStop = 3,
  kGrant = 4,
  kDrop = 5,
  kContended = 6,
  kWake = 7,
  kFinal = 8,
};

inline constexpr std::int64_t kSwitch = 1;
inline constexpr std::int64_t kContendedFlag = 2;

/// One protocol message: six 64-bit integers on the wire (MPI_INT64_T × 6).
struct Msg {
  std::int64_t type = 0, gid = -1, tenure = 0, flags = 0, x = 0, y = 0;
};
inline constexpr int kMsgWords = 6;

/// A message the server wants sent: to thread `gid`'s grant mailbox (to_thread) or to the
/// agent of rank `rank`.
struct Outgoing {
  int rank = 0;
  bool to_thread = false;
  int tid = 0;  // rank-local thread id, when to_thread
  Msg msg;
};

class Server {
 public:
  /// REQUIRES: validate(p) passed, p.policy != none, nranks >= 1, threads_per_rank >= 1.
  Server(const Params& p, int nranks, int threads_per_rank);

  /// Handles one message from rank `source`; appends what must be sent to `out`.
  /// Throws std::logic_error on a protocol violation (e.g. a release by a non-holder).
  void on_message(int source, const Msg& m, Clock::time_point now, std::vector<Outgoing>& out);
  /// gil: expires waiters' deadlines up to `now` (timed-out waits, drop requests).
  void on_time(Clock::time_point now, std::vector<Outgoing>& out);
  /// The earliest waiter deadline (gil), if any.
  std::optional<Clock::time_point> next_deadline() const;

  bool finished() const noexcept { return stopped_ == nranks_; }
  /// Held or anyone waiting/parked: the transport polls faster then.
  bool busy() const noexcept { return locked_ || !waiters_.empty() || !parked_.empty(); }

  // Statistics (for tests)
  std::uint64_t grants() const noexcept { return grants_; }
  std::uint64_t switches() const noexcept { return switch_number_; }
  std::int64_t holder() const noexcept { return locked_ ? holder_ : -1; }

 private:
  struct Waiter {
    std::int64_t gid;
    Clock::time_point deadline;
    std::uint64_t saved_switch_number;
    std::int64_t timeouts = 0, drop_requests = 0;
  };

  int rank_of(std::int64_t gid) const { return static_cast<int>(gid / threads_per_rank_); }
  int tid_of(std::int64_t gid) const { return static_cast<int>(gid % threads_per_rank_); }
  void check_gid(std::int64_t gid) const;
  void request(std::int64_t gid, Clock::time_point now, std::vector<Outgoing>& out);
  void grant(std::int64_t gid, std::int64_t x, std::int64_t y, std::vector<Outgoing>& out);

  const Policy policy_;
  const std::chrono::nanoseconds interval_;
  const int nranks_, threads_per_rank_;

  bool locked_ = false;
  std::int64_t holder_ = -1, last_holder_ = -1, tenure_ = 0;
  std::uint64_t switch_number_ = 0, grants_ = 0;
  std::int64_t ticker_ = 0;             // legacy: the interpreter's ticker, kept between holders
  bool contended_told_ = false;         // legacy: holder told about parked threads this tenure
  std::deque<Waiter> waiters_;          // gil: FIFO
  std::deque<std::int64_t> parked_;     // legacy: threads blocked in the semaphore
  int stopped_ = 0;
};

}  // namespace gilbench::gil::job
