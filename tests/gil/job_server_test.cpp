// The job-scope lock server's state machine, driven by hand (no MPI): grants, gil deadlines and
// drop requests, legacy parking/wake-ups/contention notices, the ticker, shutdown, misuse.
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
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

Msg request(std::int64_t gid) { return Msg{kRequest, gid, 0, 0, 0, 0}; }
Msg release(std::int64_t gid, std::int64_t tenure, bool retake = false, std::int64_t ticker = 0) {
  return Msg{kRelease, gid, tenure, retake ? 1 : 0, ticker, 0};
}

TEST(JobServer, GilGrantWaitDropRequestAndHandOff) {
  Server s(gil_params(), kRanks, kThreads);
  std::vector<Outgoing> out;
  s.on_message(0, request(1), t0, out);  // rank 0, tid 1: free → granted
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rank, 0);
  EXPECT_TRUE(out[0].to_thread);
  EXPECT_EQ(out[0].tid, 1);
  EXPECT_EQ(out[0].msg.type, kGrant);
  EXPECT_EQ(out[0].msg.tenure, 1);
  EXPECT_EQ(out[0].msg.flags & kSwitch, 0) << "a fresh lock's first holder is no switch";
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
  EXPECT_EQ(out[0].msg.type, kDrop);
  EXPECT_EQ(out[0].msg.tenure, 1);
  EXPECT_EQ(*s.next_deadline(), t0 + microseconds(10000)) << "the timer restarts";
  out.clear();

  // forced drop with retake: the waiter gets it (a switch), the dropper queues behind it
  s.on_message(0, release(1, 1, true), t0 + microseconds(5100), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rank, 1);
  EXPECT_EQ(out[0].tid, 0);
  EXPECT_EQ(out[0].msg.gid, 2);
  EXPECT_EQ(out[0].msg.tenure, 2);
  EXPECT_NE(out[0].msg.flags & kSwitch, 0);
  EXPECT_EQ(out[0].msg.x, 1) << "one timed-out wait";
  EXPECT_EQ(out[0].msg.y, 1) << "one drop request made for it";
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
  EXPECT_EQ(out[0].msg.gid, 1);
  EXPECT_NE(out[0].msg.flags & kSwitch, 0);
  EXPECT_EQ(out[0].msg.x, 0);
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
  EXPECT_EQ(out[0].msg.type, kDrop);
  EXPECT_EQ(out[0].msg.gid, 1);
  out.clear();
  s.on_message(0, release(1, 2), t0 + microseconds(10200), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].msg.x, 2) << "two timed-out waits";
  EXPECT_EQ(out[0].msg.y, 1) << "one drop request";
}

TEST(JobServer, LegacyParksWakesAndRegrantsTheReleaser) {
  Server s(legacy_params(), kRanks, kThreads);
  std::vector<Outgoing> out;
  s.on_message(0, request(0), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].msg.x, 30) << "the ticker starts at check_interval × tick_iterations";
  EXPECT_EQ(out[0].msg.flags, 0);
  out.clear();

  s.on_message(1, request(3), t0, out);  // parks; the holder is told once
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].msg.type, kContended);
  EXPECT_EQ(out[0].rank, 0);
  EXPECT_EQ(out[0].msg.tenure, 1);
  out.clear();
  s.on_message(1, request(2), t0, out);  // parks too; already told
  EXPECT_TRUE(out.empty());

  // the check: release + retake — wakes one parked thread, re-grants the releaser at once
  s.on_message(0, release(0, 1, true, 30), t0, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].msg.type, kWake);
  EXPECT_EQ(out[0].msg.gid, 3) << "FIFO wake-up";
  EXPECT_EQ(out[0].rank, 1);
  EXPECT_EQ(out[1].msg.type, kGrant);
  EXPECT_EQ(out[1].msg.gid, 0);
  EXPECT_EQ(out[1].msg.tenure, 2);
  EXPECT_EQ(out[1].msg.flags & kSwitch, 0) << "a self re-acquire";
  EXPECT_NE(out[1].msg.flags & kContendedFlag, 0) << "gid 2 is still parked";
  out.clear();

  // the woken thread's retry comes too late: parked again (holder already told this tenure)
  s.on_message(1, request(3), t0, out);
  EXPECT_TRUE(out.empty());

  // the holder stops: wake-up; the retry now finds L free and wins, with the ticker
  s.on_message(0, release(0, 2, false, 7), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].msg.type, kWake);
  EXPECT_EQ(out[0].msg.gid, 2);
  out.clear();
  s.on_message(1, request(2), t0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].msg.type, kGrant);
  EXPECT_EQ(out[0].msg.gid, 2);
  EXPECT_NE(out[0].msg.flags & kSwitch, 0);
  EXPECT_NE(out[0].msg.flags & kContendedFlag, 0) << "gid 3 is parked";
  EXPECT_EQ(out[0].msg.x, 7) << "the interpreter's ticker travels with the lock";
  EXPECT_FALSE(s.next_deadline().has_value());
}

TEST(JobServer, StopsWhenEveryRankHasAndOnlyWhenIdle) {
  {
    Server s(gil_params(), kRanks, kThreads);
    std::vector<Outgoing> out;
    s.on_message(0, Msg{kStop, -1, 0, 0, 0, 0}, t0, out);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(s.finished());
    s.on_message(1, Msg{kStop, -1, 0, 0, 0, 0}, t0, out);
    EXPECT_TRUE(s.finished());
    ASSERT_EQ(out.size(), 2u);
    for (int r = 0; r < 2; ++r) {
      EXPECT_EQ(out[r].msg.type, kFinal);
      EXPECT_EQ(out[r].rank, r);
    }
  }
  {
    Server s(legacy_params(), kRanks, kThreads);
    std::vector<Outgoing> out;
    s.on_message(0, request(0), t0, out);
    s.on_message(0, Msg{kStop, -1, 0, 0, 0, 0}, t0, out);
    EXPECT_THROW(s.on_message(1, Msg{kStop, -1, 0, 0, 0, 0}, t0, out), std::logic_error);
  }
  EXPECT_THROW(Server(Params{}, kRanks, kThreads), std::invalid_argument);
  Server s(gil_params(), kRanks, kThreads);
  std::vector<Outgoing> out;
  EXPECT_THROW(s.on_message(0, Msg{kGrant, 0, 0, 0, 0, 0}, t0, out), std::logic_error);
}

}  // namespace
