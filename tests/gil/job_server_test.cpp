// The job-scope lock server's state machine, driven by hand (no MPI): grants, gil deadlines and
// drop requests, legacy parking/wake-ups/contention notices, the ticker, shutdown, misuse.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "gil/job_server.hpp"

namespace {

using namespace gilbench::gil;
using namespace gilbench::gil::job;
using std::chrono::microseconds;

// 2 ranks × 2 threads: gid 0,1 on rank 0; gid 2,3 on rank 1.
constexpr int kRanks = 2, kThreads = 2;
const Clock::time_point t0 = Clock::time_point(std::chrono::seconds(100));

Params gil_params() {
  Params p;
  p.policy = Policy::gil;
  p.switch_interval = microseconds(5000);
  return p;
}
Params legacy_params() {
  Params p;
  p.policy = Policy::legacy_gil;
  p.check_interval = 10;
  p.tick_iterations = 3;
  return p;
}

Message request(Gid gid) { return Request{.gid = gid}; }
Message release(Gid gid, std::int64_t tenure, bool retake = false, std::int64_t ticker = 0) {
  return Release{.gid = gid, .tenure = tenure, .retake = retake, .ticker = ticker};
}

/// The message `o` carries, which must be a T (else the test fails with the kind it was).
template <class T>
const T& as(const Outgoing& o) {
  const T* m = std::get_if<T>(&o.msg);
  if (m == nullptr) throw std::runtime_error(std::string("unexpected message: ") + kind_name(o.msg));
  return *m;
}

TEST(JobServer, GilGrantWaitDropRequestAndHandOff) {
  Server s(gil_params(), kRanks, kThreads);
  std::vector<Outgoing> out;
  s.on_message(0, request(1), t0, out);  // rank 0, tid 1: free → granted
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rank, 0);
  EXPECT_TRUE(out[0].to_thread);
  EXPECT_EQ(out[0].tid, 1);
  EXPECT_EQ(as<Grant>(out[0]).tenure, 1);
  EXPECT_FALSE(as<Grant>(out[0]).switched) << "a fresh lock's first holder is no switch";
  EXPECT_EQ(s.holder(), 1);
  out.clear();

  s.on_message(1, request(2), t0, out);  // rank 1, tid 0 waits
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(s.next_deadline().has_value());
  EXPECT_EQ(*s.next_deadline(), t0 + microseconds(5000));
  s.on_time(t0 + microseconds(4999), out);
  EXPECT_TRUE(out.empty());
  s.on_time(t0 + microseconds(5000), out);  // timed out, no switch: drop request to the holder
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rank, 0);
  EXPECT_FALSE(out[0].to_thread);
  EXPECT_EQ(as<Drop>(out[0]).holder, 1);
  EXPECT_EQ(as<Drop>(out[0]).tenure, 1);
  EXPECT_EQ(*s.next_deadline(), t0 + microseconds(10000)) << "the timer restarts";
  out.clear();

  // forced drop with retake: the waiter gets it (a switch), the dropper queues behind it
  s.on_message(0, release(1, 1, true), t0 + microseconds(5100), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rank, 1);
  EXPECT_EQ(out[0].tid, 0);
  EXPECT_EQ(as<Grant>(out[0]).gid, 2);
  EXPECT_EQ(as<Grant>(out[0]).tenure, 2);
  EXPECT_TRUE(as<Grant>(out[0]).switched);
  EXPECT_EQ(as<Grant>(out[0]).wait_timeouts, 1) << "one timed-out wait";
  EXPECT_EQ(as<Grant>(out[0]).drop_requests, 1) << "one drop request made for it";
  EXPECT_EQ(s.holder(), 2);
  EXPECT_EQ(*s.next_deadline(), t0 + microseconds(10100)) << "the dropper waits a full interval";
  out.clear();

  // a stale tenure or a non-holder cannot release
  EXPECT_THROW(s.on_message(0, release(1, 2), t0, out), std::logic_error);
  EXPECT_THROW(s.on_message(1, release(2, 1), t0, out), std::logic_error);
  // a thread cannot wait twice, nor request for another rank's thread
  EXPECT_THROW(s.on_message(0, request(1), t0, out), std::logic_error);
  EXPECT_THROW(s.on_message(1, request(0), t0, out), std::logic_error);
  EXPECT_THROW(s.on_message(0, request(7), t0, out), std::logic_error);
  out.clear();

  // final release: the queued dropper gets it back (a switch again)
  s.on_message(1, release(2, 2), t0 + microseconds(6000), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Grant>(out[0]).gid, 1);
  EXPECT_TRUE(as<Grant>(out[0]).switched);
  EXPECT_EQ(as<Grant>(out[0]).wait_timeouts, 0);
  EXPECT_EQ(s.switches(), 3u);
  EXPECT_EQ(s.grants(), 3u);
}

TEST(JobServer, GilNoDropRequestIfASwitchHappened) {
  Server s(gil_params(), kRanks, kThreads);
  std::vector<Outgoing> out;
  s.on_message(0, request(0), t0, out);
  s.on_message(0, request(1), t0, out);
  s.on_message(1, request(2), t0 + microseconds(100), out);
  out.clear();
  s.on_message(0, release(0, 1), t0 + microseconds(4000), out);  // hands to gid 1: a switch
  ASSERT_EQ(out.size(), 1u);
  out.clear();
  s.on_time(t0 + microseconds(5100), out);  // gid 2 times out, but a switch happened meanwhile
  EXPECT_TRUE(out.empty());
  s.on_time(t0 + microseconds(10100), out);  // next interval: no switch → request
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Drop>(out[0]).holder, 1);
  out.clear();
  s.on_message(0, release(1, 2), t0 + microseconds(10200), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Grant>(out[0]).wait_timeouts, 2) << "two timed-out waits";
  EXPECT_EQ(as<Grant>(out[0]).drop_requests, 1) << "one drop request";
}

TEST(JobServer, LegacyParksWakesAndRegrantsTheReleaser) {
  Server s(legacy_params(), kRanks, kThreads);
  std::vector<Outgoing> out;
  s.on_message(0, request(0), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Grant>(out[0]).ticker, 33) << "the ticker starts at (check_interval + 1) × tick_iterations";
  EXPECT_FALSE(as<Grant>(out[0]).switched);
  EXPECT_FALSE(as<Grant>(out[0]).contended);
  out.clear();

  s.on_message(1, request(3), t0, out);  // parks; the holder is told once
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rank, 0);
  EXPECT_EQ(as<Contended>(out[0]).holder, 0);
  EXPECT_EQ(as<Contended>(out[0]).tenure, 1);
  out.clear();
  s.on_message(1, request(2), t0, out);  // parks too; already told
  EXPECT_TRUE(out.empty());

  // the check: release + retake — wakes one parked thread, re-grants the releaser at once
  s.on_message(0, release(0, 1, true, 30), t0, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(as<Wake>(out[0]).gid, 3) << "FIFO wake-up";
  EXPECT_EQ(out[0].rank, 1);
  EXPECT_EQ(as<Grant>(out[1]).gid, 0);
  EXPECT_EQ(as<Grant>(out[1]).tenure, 2);
  EXPECT_FALSE(as<Grant>(out[1]).switched) << "a self re-acquire";
  EXPECT_TRUE(as<Grant>(out[1]).contended) << "gid 2 is still parked";
  out.clear();

  // the woken thread's retry comes too late: parked again (holder already told this tenure)
  s.on_message(1, request(3), t0, out);
  EXPECT_TRUE(out.empty());

  // the holder stops: wake-up; the retry now finds L free and wins, with the ticker
  s.on_message(0, release(0, 2, false, 7), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Wake>(out[0]).gid, 2);
  out.clear();
  s.on_message(1, request(2), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Grant>(out[0]).gid, 2);
  EXPECT_TRUE(as<Grant>(out[0]).switched);
  EXPECT_TRUE(as<Grant>(out[0]).contended) << "gid 3 is parked";
  EXPECT_EQ(as<Grant>(out[0]).ticker, 7) << "the interpreter's ticker travels with the lock";
  EXPECT_FALSE(s.next_deadline().has_value());
}

// The client's check (job_lock.cpp): sem_post = a Release without retake, posted without waiting
// for a reply, then sem_wait = an ordinary Request. A parked thread woken by the release whose
// retry reaches the server before the releaser's request wins the check: a hand-off, as when
// 2.7's woken waiter gets to the semaphore first. One rank × 2 threads (gid 0 and 1 on rank 0).
TEST(JobServer, LegacyWokenWaiterCanWinACheck) {
  Server s(legacy_params(), 1, kThreads);
  std::vector<Outgoing> out;
  s.on_message(0, request(0), t0, out);  // gid 0 holds, tenure 1
  out.clear();
  s.on_message(0, request(1), t0, out);  // gid 1 parks; the holder is told
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Contended>(out[0]).tenure, 1);
  out.clear();

  // gid 0's check: the release (carrying the ticker, reset to its period) wakes gid 1 ...
  s.on_message(0, release(0, 1, false, 33), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Wake>(out[0]).gid, 1);
  EXPECT_EQ(s.holder(), -1) << "L is free between the post and the next request";
  out.clear();
  // ... whose retry gets in first: gid 1 wins the check
  s.on_message(0, Request{.gid = 1, .retry = true}, t0, out);
  ASSERT_EQ(out.size(), 1u);
  const Grant& won = as<Grant>(out[0]);
  EXPECT_EQ(won.gid, 1);
  EXPECT_EQ(won.tenure, 2);
  EXPECT_TRUE(won.switched) << "a hand-off at a check";
  EXPECT_FALSE(won.contended);
  EXPECT_EQ(won.ticker, 33) << "the releaser's ticker, reset by its check to (10 + 1) × 3";
  out.clear();
  // the releaser's sem_wait now parks it, and the new holder hears of it
  s.on_message(0, request(0), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Contended>(out[0]).holder, 1);
  EXPECT_EQ(as<Contended>(out[0]).tenure, 2);
  EXPECT_EQ(s.switches(), 2u);
  out.clear();

  // gid 1's check, the usual order: the releaser's own request comes first and gets L back
  s.on_message(0, release(1, 2, false, 33), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Wake>(out[0]).gid, 0);
  out.clear();
  s.on_message(0, request(1), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Grant>(out[0]).gid, 1);
  EXPECT_FALSE(as<Grant>(out[0]).switched) << "a self re-acquire";
  out.clear();
  s.on_message(0, Request{.gid = 0, .retry = true}, t0, out);  // too late: parked again, holder told
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(as<Contended>(out[0]).tenure, 3);
  EXPECT_EQ(s.holder(), 1);
  EXPECT_EQ(s.switches(), 2u);
}

TEST(JobServer, StopsWhenEveryRankHasAndOnlyWhenIdle) {
  {
    Server s(gil_params(), kRanks, kThreads);
    std::vector<Outgoing> out;
    s.on_message(0, Stop{}, t0, out);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(s.finished());
    s.on_message(1, Stop{}, t0, out);
    EXPECT_TRUE(s.finished());
    ASSERT_EQ(out.size(), 2u);
    for (int r = 0; r < 2; ++r) {
      EXPECT_TRUE(std::holds_alternative<Final>(out[r].msg));
      EXPECT_EQ(out[r].rank, r);
    }
  }
  {
    Server s(legacy_params(), kRanks, kThreads);
    std::vector<Outgoing> out;
    s.on_message(0, request(0), t0, out);
    s.on_message(0, Stop{}, t0, out);
    EXPECT_THROW(s.on_message(1, Stop{}, t0, out), std::logic_error);
  }
  EXPECT_THROW(Server(Params{}, kRanks, kThreads), std::invalid_argument);
  Server s(gil_params(), kRanks, kThreads);
  std::vector<Outgoing> out;
  EXPECT_THROW(s.on_message(0, Grant{.gid = 0}, t0, out), std::logic_error);
  EXPECT_THROW(s.on_message(0, Wake{.gid = 0}, t0, out), std::logic_error);
}

TEST(JobServer, NeverTwoHoldersWhateverTheOrder) {
  // Every message order a client could produce, on both policies: the server's holder count
  // (grants minus releases) never exceeds one, and every grant goes to a thread that asked.
  for (const Params& p : {gil_params(), legacy_params()}) {
    Server s(p, kRanks, kThreads);
    std::vector<Outgoing> out;
    std::int64_t tenure_of[kRanks * kThreads] = {};
    bool asked[kRanks * kThreads] = {};
    int holders = 0;
    auto settle = [&] {
      for (std::size_t i = 0; i < out.size(); ++i) {
        const Outgoing o = out[i];  // a retry below appends to `out`
        if (const auto* g = std::get_if<Grant>(&o.msg)) {
          EXPECT_TRUE(asked[g->gid]) << "grant to thread " << g->gid << " which did not ask";
          asked[g->gid] = false;
          tenure_of[g->gid] = g->tenure;
          ++holders;
        } else if (const auto* w = std::get_if<Wake>(&o.msg)) {
          s.on_message(static_cast<int>(w->gid / kThreads), Request{.gid = w->gid, .retry = true}, t0, out);
        }
      }
      out.clear();
      EXPECT_LE(holders, 1) << "two holders at once";
    };
    Clock::time_point now = t0;
    for (int round = 0; round < 200; ++round) {
      const Gid gid = (round * 7 + round / 3) % (kRanks * kThreads);
      now += microseconds(1700);
      s.on_time(now, out);
      if (s.holder() == gid) {
        s.on_message(static_cast<int>(gid / kThreads), release(gid, tenure_of[gid], round % 2 == 0), now, out);
        --holders;
        asked[gid] = round % 2 == 0;
      } else if (!asked[gid]) {
        asked[gid] = true;
        s.on_message(static_cast<int>(gid / kThreads), request(gid), now, out);
      }
      settle();
    }
    EXPECT_GT(s.grants(), 20u);
  }
}

TEST(JobServer, WireFormRoundTripsEveryKind) {
  const std::vector<Message> all = {
      Request{.gid = 3, .retry = true},
      Release{.gid = 2, .tenure = 9, .retake = true, .ticker = 41},
      Stop{},
      Grant{.gid = 1,
            .tenure = 5,
            .switched = true,
            .contended = false,
            .ticker = 7,
            .wait_timeouts = 2,
            .drop_requests = 1},
      Drop{.holder = 1, .tenure = 5},
      Contended{.holder = 0, .tenure = 6},
      Wake{.gid = 3},
      Final{},
  };
  for (const Message& m : all) {
    const Message back = decode(encode(m));
    ASSERT_EQ(back.index(), m.index()) << kind_name(m);
  }
  const auto r = std::get<Release>(decode(encode(all[1])));
  EXPECT_EQ(r.gid, 2);
  EXPECT_EQ(r.tenure, 9);
  EXPECT_TRUE(r.retake);
  EXPECT_EQ(r.ticker, 41);
  const auto g = std::get<Grant>(decode(encode(all[3])));
  EXPECT_EQ(g.gid, 1);
  EXPECT_EQ(g.tenure, 5);
  EXPECT_TRUE(g.switched);
  EXPECT_FALSE(g.contended);
  EXPECT_EQ(g.ticker, 7);
  EXPECT_EQ(g.wait_timeouts, 2);
  EXPECT_EQ(g.drop_requests, 1);
  EXPECT_TRUE(std::get<Request>(decode(encode(all[0]))).retry);
  Wire bad;
  bad.kind = 99;
  EXPECT_THROW(decode(bad), std::logic_error);
}

}  // namespace
