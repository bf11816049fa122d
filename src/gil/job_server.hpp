#pragma once
// The job-scope lock's server: the lock state of one "interpreter" shared by every thread of
// every rank, as a transport-free state machine. job_lock.cpp runs it on rank 0 and moves its
// messages over MPI point-to-point; the tests drive it directly. Pure C++, no MPI.
//
// Threads are named by a job-wide id gid = rank × threads_per_rank + tid.
//
// Protocol (one struct per message kind, below; "→S" client to server, "S→" server to a rank):
//   →S Request     take: gil waits / legacy tries the semaphore
//   →S Release     let go of a tenure; retake: take it again at once (gil: after a forced drop;
//                  legacy: the periodic check)
//   →S Stop        this rank is done with the lock (destruction)
//   S→ Grant       to one thread: you hold it now, as tenure `tenure`
//   S→ Drop        gil: a waiter timed out, no switch happened: please drop
//   S→ Contended   legacy: a thread parked while you hold `tenure`
//   S→ Wake        legacy: L was released; the thread may try again (the futex wake-up): its
//                  rank re-sends Request{gid, retry = true}
//   S→ Final       every rank stopped: the server and agents exit
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
// wakes one parked thread, which must try again (its rank re-sends the request). The client's
// periodic check is 2.7's sem_post + sem_wait: a Release without retake, posted without waiting
// for a reply, then an ordinary Request — so L is free between the two and whichever request
// the server handles first wins: usually the releaser's (it follows its release at once), but a
// woken thread's retry, or another thread's request, that gets in between takes L — a hand-off
// at a check, as when 2.7's woken waiter reaches the semaphore first. (Release with retake, the
// re-take in the same step, is what gil's forced drop uses; the server accepts it for both.)
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <variant>
#include <vector>

#include "gil/lock.hpp"

namespace gilbench::gil::job {

using Clock = std::chrono::steady_clock;

/// A job-wide thread id (see above).
using Gid = std::int64_t;

struct Request {
  Gid gid = -1;
  bool retry = false;  // re-sent after a Wake (legacy)
};
struct Release {
  Gid gid = -1;
  std::int64_t tenure = 0;  // the tenure let go of: a stale one is a protocol violation
  bool retake = false;
  std::int64_t ticker = 0;  // legacy: the interpreter's ticker (iterations left), kept by the server
};
struct Stop {};
struct Grant {
  Gid gid = -1;
  std::int64_t tenure = 0;
  bool switched = false;           // the previous holder was another thread
  bool contended = false;          // legacy: someone is parked
  std::int64_t ticker = 0;         // legacy: the interpreter's ticker
  std::int64_t wait_timeouts = 0;  // gil: timed-out waits during this wait
  std::int64_t drop_requests = 0;  // gil: drop requests made on the waiter's behalf
};
struct Drop {
  Gid holder = -1;
  std::int64_t tenure = 0;  // the holder's tenure asked to drop
};
struct Contended {
  Gid holder = -1;
  std::int64_t tenure = 0;
};
struct Wake {
  Gid gid = -1;
};
struct Final {};

using Message = std::variant<Request, Release, Stop, Grant, Drop, Contended, Wake, Final>;

/// A Message as bytes on the wire (MPI_BYTE × sizeof(Wire)): the alternative's index and its
/// object representation. Every alternative is trivially copyable and both ends run the same
/// binary, so the bytes mean the same on both sides.
struct Wire {
  std::uint64_t kind = 0;
  alignas(std::int64_t) unsigned char payload[sizeof(Grant)] = {};
};
Wire encode(const Message& m) noexcept;
/// Throws std::logic_error on an unknown kind.
Message decode(const Wire& w);
/// The kind's name, for error messages.
const char* kind_name(const Message& m) noexcept;

/// std::visit with one lambda per kind.
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

/// A message the server wants sent: to thread `gid`'s grant mailbox (to_thread) or to the
/// agent of rank `rank`.
struct Outgoing {
  int rank = 0;
  bool to_thread = false;
  int tid = 0;  // rank-local thread id, when to_thread
  Message msg;
};

class Server {
 public:
  /// REQUIRES: validate(p) passed, p.policy != none, nranks >= 1, threads_per_rank >= 1.
  Server(const Params& p, int nranks, int threads_per_rank);

  /// Handles one message from rank `source`; appends what must be sent to `out`.
  /// Throws std::logic_error on a protocol violation (e.g. a release by a non-holder).
  void on_message(int source, const Message& m, Clock::time_point now, std::vector<Outgoing>& out);
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
    Gid gid;
    Clock::time_point deadline;
    std::uint64_t saved_switch_number;
    std::int64_t timeouts = 0, drop_requests = 0;
  };

  int rank_of(Gid gid) const { return static_cast<int>(gid / threads_per_rank_); }
  int tid_of(Gid gid) const { return static_cast<int>(gid % threads_per_rank_); }
  void check_gid(Gid gid) const;
  void on(int source, const Request& m, Clock::time_point now, std::vector<Outgoing>& out);
  void on(int source, const Release& m, Clock::time_point now, std::vector<Outgoing>& out);
  void on(int source, const Stop& m, Clock::time_point now, std::vector<Outgoing>& out);
  void request(Gid gid, Clock::time_point now, std::vector<Outgoing>& out);
  void grant(Gid gid, std::int64_t wait_timeouts, std::int64_t drop_requests, std::vector<Outgoing>& out);

  const Policy policy_;
  const std::chrono::nanoseconds interval_;
  const int nranks_, threads_per_rank_;

  bool locked_ = false;
  Gid holder_ = -1, last_holder_ = -1;
  std::int64_t tenure_ = 0;
  std::uint64_t switch_number_ = 0, grants_ = 0;
  std::int64_t ticker_ = 0;      // legacy: the interpreter's ticker, kept between holders
  bool contended_told_ = false;  // legacy: holder told about parked threads this tenure
  std::deque<Waiter> waiters_;   // gil: FIFO
  std::deque<Gid> parked_;       // legacy: threads blocked in the semaphore
  int stopped_ = 0;
};

}  // namespace gilbench::gil::job
