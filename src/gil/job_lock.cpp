// Job-scope lock: the MPI transport around job::Server (see job_lock.hpp, job_server.hpp).
#include "gil/job_lock.hpp"

#include <sys/prctl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string_view>
#include <list>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "gil/detail.hpp"
#include "gil/job_server.hpp"
#include "gil/policies.hpp"
#include "sweep/kernel.hpp"

namespace gilbench::gil {
namespace {

using detail::Clock;
using detail::CtxScope;
using detail::seconds;
using detail::TraceSink;
using std::chrono::microseconds;

constexpr int kServerTag = 17001;  // → rank 0's server: request, release, stop
constexpr int kAgentTag = 17002;   // → a rank's agent: grant, drop, contended, wake, final

constexpr microseconds kBusyMaxSleep{50};    // poll period cap while the lock is in use
constexpr microseconds kIdleMaxSleep{1000};  // ... and while nothing local uses it
constexpr int kSpinPasses = 64;              // MPI_Test passes before the first sleep

void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    std::fprintf(stderr, "gilbench: job-scope lock: %s failed (MPI error %d)\n", what, rc);
    MPI_Abort(MPI_COMM_WORLD, 6);
  }
}

/// Timer slack of the calling thread set to 1 µs for its lifetime (restored after), so the
/// short back-off sleeps are not stretched to the default 50 µs.
class TimerSlack {
 public:
  TimerSlack() : old_(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0)) { prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); }
  ~TimerSlack() {
    if (old_ > 0) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_), 0, 0, 0);
  }
  TimerSlack(const TimerSlack&) = delete;
  TimerSlack& operator=(const TimerSlack&) = delete;

 private:
  long old_;
};

/// Poll, then wait 1, 2, 4 ... µs up to a cap (no spinning in MPI progress loops): the agent's
/// pause, cut short when a local thread posts a message.
class Backoff {
 public:
  void reset() noexcept {
    passes_ = 0;
    sleep_ = microseconds(0);
  }
  /// The next pause (zero while still in the polling passes), at most until `until`.
  Clock::duration next(microseconds cap, std::optional<Clock::time_point> until = std::nullopt) {
    if (passes_ < kSpinPasses) {
      ++passes_;
      return Clock::duration::zero();
    }
    sleep_ = sleep_.count() == 0 ? microseconds(1) : std::min(sleep_ * 2, cap);
    auto d = std::chrono::duration_cast<Clock::duration>(std::min(sleep_, cap));
    if (until) d = std::max(Clock::duration::zero(), std::min(d, *until - Clock::now()));
    return d;
  }

 private:
  int passes_ = 0;
  microseconds sleep_{0};
};

/// A grant as its thread sees it: when it arrived and how long the thread waited for it.
struct Acquired {
  std::int64_t tenure = 0;
  Clock::time_point acquired{};
  bool switched = false;
  bool contended = false;
  std::int64_t ticker = 0;
  double waited_s = 0;  // from sending the request/release to the grant
};

/// take()/release() state of one thread: its tenure and the interpreter's ticker it carries,
/// and its grant mailbox, filled by the agent (the thread sleeps on `grants` meanwhile).
struct alignas(detail::kCacheLine) JobSlot {
  Clock::time_point acquired{};
  std::int64_t tenure = 0;
  std::int64_t ticker = 0;
  job::Grant grant;                      // written by the agent before it bumps `grants`
  std::atomic<std::uint32_t> grants{0};  // grants delivered so far
};

class JobLock final : public Lock {
 public:
  JobLock(const Params& p, MPI_Comm comm, int threads_per_rank, const TraceOptions& t, Clock::time_point epoch,
          HeldHook hook)
      : policy_(p.policy),
        period_(check_period(p)),
        poll_(gil_poll_iterations(p)),
        run_stop_(detail::stop_flag(p)),
        comm_(comm),
        threads_(threads_per_rank),
        trace_opts_(t),
        epoch_(epoch),
        hook_(std::move(hook)),
        slots_(static_cast<std::size_t>(threads_per_rank)) {
    check_mpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(comm_, &nranks_), "MPI_Comm_size");
    if (rank_ == 0) server_ = std::make_unique<job::Server>(p, nranks_, threads_);
  }

  ~JobLock() override {
    // Every local thread is done: the agent tells the server and exits when all ranks have.
    start_agent();
    {
      const std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    agent_.join();
    MPI_Comm_free(&comm_);
  }
  JobLock(const JobLock&) = delete;
  JobLock& operator=(const JobLock&) = delete;

  Policy policy() const noexcept override { return policy_; }

  std::uint64_t run(int tid, std::uint64_t n, Counters& c, std::vector<TraceEvent>* trace) override {
    detail::check_tid(tid, threads_);
    start_agent();
    const CtxScope ctx(c);
    const ActiveScope active(active_);
    TraceSink tr(trace_opts_, epoch_, trace, tid);
    return policy_ == Policy::gil ? run_gil(tid, n, c, tr) : run_legacy(tid, n, c, tr);
  }

  void take(int tid, Counters& c, std::vector<TraceEvent>* trace) override {
    detail::check_tid(tid, threads_);
    start_agent();
    active_.fetch_add(1, std::memory_order_relaxed);
    TraceSink tr(trace_opts_, epoch_, trace, tid, /*shared=*/true);
    const Acquired g = request_and_wait(tid, c, tr, job::Request{gid(tid)});
    c.wait_s += g.waited_s;
    auto& s = slots_[static_cast<std::size_t>(tid)];
    s.acquired = g.acquired;
    s.tenure = g.tenure;
    s.ticker = g.ticker;
  }

  void release(int tid, Counters& c, std::vector<TraceEvent>* trace) override {
    detail::check_tid(tid, threads_);
    TraceSink tr(trace_opts_, epoch_, trace, tid, /*shared=*/true);
    const auto& s = slots_[static_cast<std::size_t>(tid)];
    release_only(tid, c, tr, s.tenure, s.acquired, s.ticker);
    active_.fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  struct ActiveScope {
    explicit ActiveScope(std::atomic<int>& a) : a_(a) { a_.fetch_add(1, std::memory_order_relaxed); }
    ~ActiveScope() { a_.fetch_sub(1, std::memory_order_relaxed); }
    ActiveScope(const ActiveScope&) = delete;
    ActiveScope& operator=(const ActiveScope&) = delete;
    std::atomic<int>& a_;
  };

  std::int64_t gid(int tid) const { return static_cast<std::int64_t>(rank_) * threads_ + tid; }

  /// The agent starts with the first use of the lock (or its destruction), not with its
  /// creation: the caller may still make MPI calls between the two (gilbench's runner holds a
  /// barrier there), and from then on the agent is the only thread of this rank that calls MPI.
  void start_agent() {
    std::call_once(agent_started_, [this] { agent_ = std::thread([this] { agent_loop(); }); });
  }

  // ----- client side (the worker threads; they never call MPI) -----

  /// Queues a message for the server; the agent forwards it (in order) and wakes at once.
  void post(const job::Message& m) {
    {
      const std::lock_guard<std::mutex> g(mu_);
      outbox_.push_back(m);
    }
    cv_.notify_one();
  }

  /// Sends `m` (a request, or a release with retake) and waits for this thread's grant.
  /// Counts the acquisition, a switch, gil's timed-out waits and drop requests made for it.
  Acquired request_and_wait(int tid, Counters& c, TraceSink& tr, const job::Message& m) {
    JobSlot& slot = slots_[static_cast<std::size_t>(tid)];
    const std::uint32_t seen = slot.grants.load(std::memory_order_acquire);
    const Clock::time_point t_request = Clock::now();
    tr.add(t_request, EventKind::request);
    post(m);
    while (slot.grants.load(std::memory_order_acquire) == seen) slot.grants.wait(seen, std::memory_order_acquire);
    const job::Grant g = slot.grant;
    if (g.gid != gid(tid)) {
      std::fprintf(stderr, "gilbench: job-scope lock: thread %lld got the grant for %lld\n",
                   static_cast<long long>(gid(tid)), static_cast<long long>(g.gid));
      std::abort();
    }
    Acquired r;
    r.acquired = Clock::now();
    r.tenure = g.tenure;
    r.switched = g.switched;
    r.contended = g.contended;
    r.ticker = g.ticker;
    ++c.acquisitions;
    if (r.switched) ++c.switches;
    c.wait_timeouts += static_cast<std::uint64_t>(g.wait_timeouts);
    c.drop_requests += static_cast<std::uint64_t>(g.drop_requests);
    r.waited_s = seconds(r.acquired - t_request);
    tr.add(r.acquired, EventKind::acquire);
    return r;
  }

  void release_only(int tid, Counters& c, TraceSink& tr, std::int64_t tenure, Clock::time_point acquired,
                    std::int64_t ticker) {
    const Clock::time_point t = Clock::now();
    c.hold_s += seconds(t - acquired);
    tr.add(t, EventKind::release);
    post(job::Release{.gid = gid(tid), .tenure = tenure, .retake = false, .ticker = ticker});
  }

  std::uint64_t run_gil(int tid, std::uint64_t n, Counters& c, TraceSink& tr) {
    std::uint64_t done = 0;
    Acquired g = request_and_wait(tid, c, tr, job::Request{gid(tid)});
    c.wait_s += g.waited_s;
    if (hook_) hook_(tid, 0);
    while (n > 0) {
      const std::uint64_t k = n < poll_ ? n : poll_;
      done += countdown(k);
      n -= k;
      if (hook_) [[unlikely]]
        hook_(tid, k);
      if (run_stop_.load(std::memory_order_relaxed)) [[unlikely]]
        break;  // --stop-grace is over: release and report the iterations done
      // The check point: a drop request for this tenure, delivered by the agent.
      if (n > 0 && flag_tenure_.load(std::memory_order_relaxed) == g.tenure) [[unlikely]] {
        ++c.forced_drops;
        const Clock::time_point t = Clock::now();
        c.hold_s += seconds(t - g.acquired);
        tr.add(t, EventKind::release);
        // release + retake: the server hands the lock to a waiter and queues us behind it
        g = request_and_wait(tid, c, tr, job::Release{.gid = gid(tid), .tenure = g.tenure, .retake = true});
        c.wait_s += g.waited_s;
        if (hook_) hook_(tid, 0);
      }
    }
    release_only(tid, c, tr, g.tenure, g.acquired, 0);
    return done;
  }

  std::uint64_t run_legacy(int tid, std::uint64_t n, Counters& c, TraceSink& tr) {
    std::uint64_t done = 0;
    Acquired g = request_and_wait(tid, c, tr, job::Request{gid(tid)});
    c.wait_s += g.waited_s;
    Clock::time_point tenure_start = g.acquired;
    std::uint64_t ticker = static_cast<std::uint64_t>(g.ticker);
    if (hook_) hook_(tid, 0);
    while (n > 0) {
      if (ticker == 0) {
        ticker = static_cast<std::uint64_t>(period_);
        ++c.checks;
        if (!g.contended && flag_tenure_.load(std::memory_order_relaxed) != g.tenure) {
          // nobody parked: release + re-acquire is invisible to everyone else
          ++c.self_reacquires;
          ++c.acquisitions;
          if (hook_) hook_(tid, 0);
          continue;
        }
        // 2.7's check: sem_post (post the release and go on, no reply awaited) then sem_wait
        // (a request like any other). The server frees L and wakes a parked thread; whichever
        // request it handles first wins — this thread's, usually, but a woken thread whose retry
        // gets in between (or another thread's request) takes L: a hand-off at the check.
        const Clock::time_point t_release = Clock::now();
        post(job::Release{
            .gid = gid(tid), .tenure = g.tenure, .retake = false, .ticker = static_cast<std::int64_t>(ticker)});
        TraceSink quiet;  // the events of a check are written below, once its outcome is known
        const Acquired g2 = request_and_wait(tid, c, quiet, job::Request{gid(tid)});
        if (g2.switched) {
          ++c.handoffs;
          c.hold_s += seconds(t_release - tenure_start);
          c.wait_s += seconds(g2.acquired - t_release);
          tr.add(t_release, EventKind::release);
          tr.add(t_release, EventKind::request);
          tr.add(g2.acquired, EventKind::acquire);
          tenure_start = g2.acquired;
        } else {
          ++c.self_reacquires;  // the tenure goes on: nobody else held it
        }
        g = g2;
        ticker = static_cast<std::uint64_t>(g2.ticker);
        if (hook_) hook_(tid, 0);
        continue;
      }
      std::uint64_t k = n < ticker ? n : ticker;
      if (k > kStopPollIterations) k = kStopPollIterations;  // a long check interval still polls the stop
      done += countdown(k);
      n -= k;
      ticker -= k;
      if (hook_) [[unlikely]]
        hook_(tid, k);
      if (run_stop_.load(std::memory_order_relaxed)) [[unlikely]]
        break;
    }
    release_only(tid, c, tr, g.tenure, tenure_start, static_cast<std::int64_t>(ticker));
    return done;
  }

  // ----- the agent (one per rank; on rank 0 it also runs the server) -----
  // The only thread of the rank that calls MPI while the lock lives: it forwards the workers' messages to the server, hands grants to the waiting
  // thread, raises the holder's drop flag, re-sends a woken thread's request, and on rank 0 feeds
  // the server. Open MPI 4.1's TCP transport loses messages when several threads of a process
  // drive it at once (a worker's MPI_Send against another thread's MPI_Iprobe); one caller
  // avoids it, and costs a local hand-off (a condition variable, a futex wake) per message.

  struct PendingSend {
    job::Wire wire;
    MPI_Request req = MPI_REQUEST_NULL;
  };

  /// The agent thread's own working state, kept across its passes.
  struct AgentState {
    std::list<PendingSend> pending;   // stable addresses for MPI_Isend buffers
    std::vector<job::Outgoing> out;   // the server's messages of one step
    std::vector<job::Message> local;  // the workers' messages of one pass
    Backoff backoff;
    bool stop_sent = false;
  };

  void isend(AgentState& a, const job::Message& m, int dest, int tag) {
    a.pending.push_back(PendingSend{job::encode(m), MPI_REQUEST_NULL});
    PendingSend& p = a.pending.back();
    check_mpi(MPI_Isend(&p.wire, sizeof(p.wire), MPI_BYTE, dest, tag, comm_, &p.req), "MPI_Isend (lock agent)");
  }

  /// Receives the message `probe` found (from st.MPI_SOURCE with `tag`).
  job::Message receive(const MPI_Status& st, int tag, const char* what) {
    job::Wire w;
    check_mpi(MPI_Recv(&w, sizeof(w), MPI_BYTE, st.MPI_SOURCE, tag, comm_, MPI_STATUS_IGNORE), what);
    return job::decode(w);
  }

  /// To the server: straight into it on rank 0 (queued, handled in order by the server pass),
  /// over MPI from the other ranks.
  void to_server(AgentState& a, const job::Message& m) {
    if (server_) server_inbox_.push_back(m);
    else isend(a, m, 0, kServerTag);
  }

  void hand_over(const job::Grant& g) {
    if (g.gid / threads_ != rank_) throw std::logic_error("gil job agent: grant for another rank's thread");
    JobSlot& slot = slots_[static_cast<std::size_t>(g.gid % threads_)];
    slot.grant = g;
    slot.grants.fetch_add(1, std::memory_order_release);
    slot.grants.notify_one();
  }

  /// A message from the server to this rank.
  void deliver(AgentState& a, const job::Message& m) {
    std::visit(
        job::Overloaded{[&](const job::Grant& g) { hand_over(g); },
                        [&](const job::Drop& d) { flag_tenure_.store(d.tenure, std::memory_order_relaxed); },
                        [&](const job::Contended& c) { flag_tenure_.store(c.tenure, std::memory_order_relaxed); },
                        [&](const job::Wake& w) { to_server(a, job::Request{.gid = w.gid, .retry = true}); },
                        [&](const job::Final&) { final_ = true; },
                        [&](const auto&) {
                          throw std::logic_error(std::string("gil job agent: unexpected message ") + job::kind_name(m));
                        }},
        m);
  }

  /// Sends (or, for this rank, delivers) what the server's last step produced.
  void route(AgentState& a) {
    for (const job::Outgoing& o : a.out) {
      if (o.rank == 0) deliver(a, o.msg);
      else isend(a, o.msg, o.rank, kAgentTag);
    }
    a.out.clear();
  }

  /// A message waiting from `source` with `tag`? Open MPI's MPI_Iprobe matches first and then
  /// advances the transport, so a message that arrived while the agent slept is only seen by
  /// the next call: a miss is asked twice (else every message would wait one more back-off
  /// period — a median 1.7 ms instead of 0.5 ms for a take with the lock idle).
  bool probe(int source, int tag, MPI_Status& st) {
    int flag = 0;
    for (int i = 0; i < 2 && !flag; ++i)
      check_mpi(MPI_Iprobe(source, tag, comm_, &flag, &st), "MPI_Iprobe (lock agent)");
    return flag != 0;
  }

  /// Step 1: the workers' messages (and the owner's stop, after all of them) to the server.
  bool forward_local(AgentState& a) {
    bool stop = false;
    {
      const std::lock_guard<std::mutex> g(mu_);
      a.local.swap(outbox_);
      stop = stop_;
    }
    for (const job::Message& m : a.local) to_server(a, m);
    bool any = !a.local.empty();
    a.local.clear();
    if (stop && !a.stop_sent) {
      to_server(a, job::Stop{});
      a.stop_sent = any = true;
    }
    return any;
  }

  /// Step 2 on rank 0: run the server over every rank's messages and its timers.
  bool serve(AgentState& a) {
    bool any = false;
    MPI_Status st;
    while (probe(MPI_ANY_SOURCE, kServerTag, st)) {
      server_->on_message(st.MPI_SOURCE, receive(st, kServerTag, "MPI_Recv (server)"), Clock::now(), a.out);
      any = true;
    }
    route(a);
    // rank 0's own messages (and its woken threads' retries, queued by deliver)
    while (!server_inbox_.empty()) {
      const job::Message m = server_inbox_.front();
      server_inbox_.pop_front();
      server_->on_message(0, m, Clock::now(), a.out);
      any = true;
      route(a);
    }
    server_->on_time(Clock::now(), a.out);
    any = any || !a.out.empty();
    route(a);
    return any;
  }

  /// Step 2 on the other ranks: what the server sent.
  bool receive_from_server(AgentState& a) {
    bool any = false;
    MPI_Status st;
    while (probe(0, kAgentTag, st)) {
      deliver(a, receive(st, kAgentTag, "MPI_Recv (agent)"));
      any = true;
    }
    return any;
  }

  /// Step 3: forget the sends that completed.
  void complete_sends(AgentState& a) {
    for (auto it = a.pending.begin(); it != a.pending.end();) {
      int done = 0;
      check_mpi(MPI_Test(&it->req, &done, MPI_STATUS_IGNORE), "MPI_Test (lock agent)");
      it = done ? a.pending.erase(it) : std::next(it);
    }
  }

  /// Step 4, after a pass that found nothing to do: the back-off pause, cut short by a local
  /// message or by the owner's stop (once: afterwards the agent only waits for the server's
  /// final word, at the back-off pace).
  void pause(AgentState& a) {
    const bool busy = (server_ && server_->busy()) || active_.load(std::memory_order_relaxed) > 0;
    const Clock::duration d = a.backoff.next(busy ? kBusyMaxSleep : kIdleMaxSleep,
                                             server_ ? server_->next_deadline() : std::optional<Clock::time_point>{});
    if (d <= Clock::duration::zero()) return;
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, d, [&] { return !outbox_.empty() || (stop_ && !a.stop_sent); });
  }

  void agent_loop() {
    const TimerSlack slack;
    AgentState a;
    try {
      while (!final_) {
        bool any = forward_local(a);
        any = (server_ ? serve(a) : receive_from_server(a)) || any;
        complete_sends(a);
        if (any || (server_ && !server_inbox_.empty())) {
          a.backoff.reset();
          continue;
        }
        pause(a);
      }
      for (PendingSend& p : a.pending) check_mpi(MPI_Wait(&p.req, MPI_STATUS_IGNORE), "MPI_Wait (lock agent)");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gilbench: job-scope lock: %s\n", e.what());
      MPI_Abort(MPI_COMM_WORLD, 6);
    }
  }

  const Policy policy_;
  const std::int64_t period_;
  const std::uint64_t poll_;           // gil: iterations between drop-request polls
  const std::atomic<bool>& run_stop_;  // Params::stop
  MPI_Comm comm_;
  int rank_ = 0, nranks_ = 1;
  const int threads_;
  const TraceOptions trace_opts_;
  const Clock::time_point epoch_;
  const HeldHook hook_;

  /// The tenure a drop request (gil) / contention notice (legacy) is for; polled by the holder.
  alignas(detail::kCacheLine) std::atomic<std::int64_t> flag_tenure_{0};
  alignas(detail::kCacheLine) std::atomic<int> active_{0};  // local threads using the lock

  std::vector<JobSlot> slots_;
  std::unique_ptr<job::Server> server_;

  // workers -> agent
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<job::Message> outbox_;  // guarded by mu_
  bool stop_ = false;                 // guarded by mu_: the owner is destroying the lock

  // agent-only state
  std::deque<job::Message> server_inbox_;  // rank 0: local messages for the server
  bool final_ = false;

  std::once_flag agent_started_;
  std::thread agent_;
};

/// The shared-memory path (every rank on one node): the rank-scope state machines (gil_lock.cpp,
/// legacy_lock.cpp) with their state in an MPI-3 shared window of the node's ranks, on
/// process-shared futexes (gil) / a process-shared sem_t (legacy-gil); thread ids in the state
/// are node_rank × threads_per_rank + tid. No agent, no messages: the workers share the memory.
class ShmJobLock final : public Lock {
 public:
  /// Collective over `node` (owned: freed on destruction), which holds every rank of the job.
  ShmJobLock(const Params& p, MPI_Comm node, int threads_per_rank, const TraceOptions& t, Clock::time_point epoch,
             HeldHook hook)
      : policy_(p.policy), comm_(node) {
    int rank = 0, size = 1;
    check_mpi(MPI_Comm_rank(comm_, &rank), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(comm_, &size), "MPI_Comm_size");
    owner_ = rank == 0;
    const int total = size * threads_per_rank;
    const std::size_t bytes = policy_ == Policy::gil ? detail::shared_gil_state_size(total)
                                                     : detail::shared_legacy_state_size(total);
    void* mine = nullptr;
    // one cache line spare: the segment is only guaranteed MPI's alignment, the state wants a line
    const auto alloc = static_cast<MPI_Aint>(owner_ ? bytes + detail::kCacheLine : 0);
    check_mpi(MPI_Win_allocate_shared(alloc, 1, MPI_INFO_NULL, comm_, &mine, &win_), "MPI_Win_allocate_shared");
    MPI_Aint got = 0;
    int unit = 1;
    void* base = nullptr;
    check_mpi(MPI_Win_shared_query(win_, 0, &got, &unit, &base), "MPI_Win_shared_query");
    // every process must put the state at the same offset: rank 0's choice
    long offset = static_cast<long>((detail::kCacheLine - reinterpret_cast<std::uintptr_t>(base) % detail::kCacheLine) %
                                    detail::kCacheLine);
    check_mpi(MPI_Bcast(&offset, 1, MPI_LONG, 0, comm_), "MPI_Bcast");
    state_ = static_cast<unsigned char*>(base) + offset;
    if (owner_) {
      try {
        // a node with one rank: nothing to cross, so private futexes (as rank scope)
        const bool cross_process = size > 1;
        if (policy_ == Policy::gil) detail::init_shared_gil_state(state_, total, cross_process);
        else detail::init_shared_legacy_state(state_, p, total, cross_process);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "gilbench: job-scope lock: %s\n", e.what());
        MPI_Abort(MPI_COMM_WORLD, 6);
      }
    }
    check_mpi(MPI_Barrier(comm_), "MPI_Barrier");  // the state exists before anyone uses it
    const int offset_id = rank * threads_per_rank;
    lock_ = policy_ == Policy::gil
                ? detail::make_shared_gil_lock(p, state_, offset_id, threads_per_rank, t, epoch, std::move(hook))
                : detail::make_shared_legacy_gil_lock(p, state_, offset_id, threads_per_rank, t, epoch,
                                                      std::move(hook));
  }
  ~ShmJobLock() override {
    lock_.reset();
    MPI_Barrier(comm_);  // every rank's threads are done with the state
    if (owner_) {
      if (policy_ == Policy::gil) detail::destroy_shared_gil_state(state_);
      else detail::destroy_shared_legacy_state(state_);
    }
    MPI_Win_free(&win_);
    MPI_Comm_free(&comm_);
  }
  ShmJobLock(const ShmJobLock&) = delete;
  ShmJobLock& operator=(const ShmJobLock&) = delete;

  Policy policy() const noexcept override { return policy_; }
  std::uint64_t run(int tid, std::uint64_t n, Counters& c, std::vector<TraceEvent>* trace) override {
    return lock_->run(tid, n, c, trace);
  }
  void take(int tid, Counters& c, std::vector<TraceEvent>* trace) override { lock_->take(tid, c, trace); }
  void release(int tid, Counters& c, std::vector<TraceEvent>* trace) override { lock_->release(tid, c, trace); }

 private:
  const Policy policy_;
  MPI_Comm comm_;
  MPI_Win win_ = MPI_WIN_NULL;
  bool owner_ = false;
  void* state_ = nullptr;
  std::unique_ptr<Lock> lock_;
};

/// Wires every rank to rank 0 before any lock thread starts, one initiator per pair: each rank
/// r > 0 synchronously sends to rank 0, which receives them one by one and answers each. The
/// lock's traffic is then rank 0 <-> every rank, from several threads at once; without this the
/// first messages of a pair that earlier collectives never connected (e.g. ranks 0 and 3 of 4)
/// are sent by rank r's workers and agent and by rank 0's agent at the same moment, which makes
/// Open MPI 4.1's TCP BTL set the connection up from both ends and from several threads — the
/// race behind its "connect() ... Operation now in progress" warning, followed by hangs or
/// crashes. Costs one round trip per rank, on a lock's creation only.
void connect_to_server(MPI_Comm comm) {
  constexpr int kHelloTag = 17000;
  int rank = 0, size = 1;
  check_mpi(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  char byte = 0;
  if (rank == 0) {
    for (int i = 1; i < size; ++i) {
      MPI_Status st;
      check_mpi(MPI_Recv(&byte, 1, MPI_CHAR, MPI_ANY_SOURCE, kHelloTag, comm, &st), "MPI_Recv (hello)");
      check_mpi(MPI_Send(&byte, 1, MPI_CHAR, st.MPI_SOURCE, kHelloTag, comm), "MPI_Send (hello)");
    }
  } else {
    check_mpi(MPI_Ssend(&byte, 1, MPI_CHAR, 0, kHelloTag, comm), "MPI_Ssend (hello)");
    check_mpi(MPI_Recv(&byte, 1, MPI_CHAR, 0, kHelloTag, comm, MPI_STATUS_IGNORE), "MPI_Recv (hello)");
  }
}

}  // namespace

bool job_lock_supported() noexcept {
  int initialized = 0, finalized = 0, level = MPI_THREAD_SINGLE;
  if (MPI_Initialized(&initialized) != MPI_SUCCESS || !initialized) return false;
  if (MPI_Finalized(&finalized) != MPI_SUCCESS || finalized) return false;
  if (MPI_Query_thread(&level) != MPI_SUCCESS) return false;
  return level == MPI_THREAD_MULTIPLE;
}

std::unique_ptr<Lock> make_job_lock(const Params& p, MPI_Comm comm, int threads_per_rank, TraceOptions trace,
                                    HeldHook hook, JobPath path) {
  if (auto err = validate(p)) throw std::invalid_argument("gil: " + *err);
  if (threads_per_rank < 1) throw std::invalid_argument("gil: need at least one thread per rank");
  if (p.policy == Policy::none) return make_lock(p, threads_per_rank, trace, std::move(hook));
  if (!job_lock_supported()) {
    throw std::runtime_error("the job-scope lock needs MPI initialised with MPI_THREAD_MULTIPLE");
  }
  MPI_Comm dup = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(comm, &dup), "MPI_Comm_dup");
  int tmin = 0, tmax = 0;
  check_mpi(MPI_Allreduce(&threads_per_rank, &tmin, 1, MPI_INT, MPI_MIN, dup), "MPI_Allreduce");
  check_mpi(MPI_Allreduce(&threads_per_rank, &tmax, 1, MPI_INT, MPI_MAX, dup), "MPI_Allreduce");
  if (tmin != tmax) {
    MPI_Comm_free(&dup);
    throw std::invalid_argument("gil: threads per rank differ between ranks");
  }
  // One node (every rank in the MPI_COMM_TYPE_SHARED group, the same answer on every rank)?
  MPI_Comm node = MPI_COMM_NULL;
  int rank = 0, size = 1, node_size = 0;
  check_mpi(MPI_Comm_rank(dup, &rank), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(dup, &size), "MPI_Comm_size");
  check_mpi(MPI_Comm_split_type(dup, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
  check_mpi(MPI_Comm_size(node, &node_size), "MPI_Comm_size");
  const bool one_node = node_size == size;
  if (path == JobPath::shm && !one_node) {
    MPI_Comm_free(&node);
    MPI_Comm_free(&dup);
    throw std::invalid_argument("--job-lock shm: the ranks are on more than one node (use auto or messages)");
  }
  if (path != JobPath::messages && one_node) {
    MPI_Comm_free(&dup);
    check_mpi(MPI_Barrier(node), "MPI_Barrier");
    const Clock::time_point epoch = detail::trace_epoch(trace, Clock::now());
    return std::make_unique<ShmJobLock>(p, node, threads_per_rank, trace, epoch, std::move(hook));
  }
  MPI_Comm_free(&node);
  connect_to_server(dup);
  check_mpi(MPI_Barrier(dup), "MPI_Barrier");
  const Clock::time_point epoch = detail::trace_epoch(trace, Clock::now());
  return std::make_unique<JobLock>(p, dup, threads_per_rank, trace, epoch, std::move(hook));
}

std::string_view job_lock_transport(const Lock& lock) noexcept {
  if (dynamic_cast<const ShmJobLock*>(&lock) != nullptr) return "shm";
  if (dynamic_cast<const JobLock*>(&lock) != nullptr) return "messages";
  return "";
}

}  // namespace gilbench::gil
