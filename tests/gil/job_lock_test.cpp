// Job-scope lock under mpiexec (2 or 4 ranks × 2 threads, also forced onto TCP): mutual
// exclusion job-wide — checked in a memory segment shared by all ranks of the node and by
// gathering every tenure's [acquire, release] times — counters, forced switching, voluntary
// take/release, fresh locks in a loop, bad input — on both paths (JobLockPath: shm and
// messages) where it applies. Every test is collective.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <mpi.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gil/job_lock.hpp"
#include "gil/lock.hpp"
#include "sweep/kernel.hpp"
#include "watchdog.hpp"

extern int gilbench_mpi_thread_level;

namespace {

using namespace gilbench::gil;
using gilbench::gil::testing::Watchdog;
using std::chrono::microseconds;
using Clock = std::chrono::steady_clock;

constexpr int kThreads = 2;

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int world_size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

std::uint64_t sum_all(std::uint64_t v) {
  std::uint64_t s = 0;
  MPI_Allreduce(&v, &s, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return s;
}

/// The held region seen by every rank of the node at once: counters in a shared mapping.
struct SharedHeld {
  std::atomic<int> holders{0};
  std::atomic<std::uint64_t> violations{0};
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::uint64_t> acquisitions{0};
  std::atomic<std::uint64_t> changes{0};
  std::atomic<std::int64_t> last{-1};
  std::atomic<std::uint64_t> sections{0};
};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<std::uint64_t>::is_always_lock_free,
              "cross-process atomics must be lock-free");

/// A SharedHeld mapped by every rank (all ranks must be on one node: asserted).
class SharedSegment {
 public:
  SharedSegment() {
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int node_size = 0;
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
    on_one_node_ = node_size == world_size();
    char path[64] = "/dev/shm/gilbench-joblock-XXXXXX";
    if (world_rank() == 0) {
      const int fd = mkstemp(path);
      if (fd < 0 || ftruncate(fd, sizeof(SharedHeld)) != 0) std::abort();
      close(fd);
    }
    MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);
    const int fd = open(path, O_RDWR);
    if (fd < 0) std::abort();
    void* p = mmap(nullptr, sizeof(SharedHeld), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) std::abort();
    if (world_rank() == 0) held_ = new (p) SharedHeld();
    MPI_Barrier(MPI_COMM_WORLD);
    held_ = static_cast<SharedHeld*>(p);
    MPI_Barrier(MPI_COMM_WORLD);
    if (world_rank() == 0) unlink(path);
  }
  ~SharedSegment() { munmap(held_, sizeof(SharedHeld)); }
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;

  bool on_one_node() const { return on_one_node_; }
  SharedHeld& held() { return *held_; }

  HeldHook hook() {
    const std::int64_t base = static_cast<std::int64_t>(world_rank()) * kThreads;
    SharedHeld* h = held_;
    return [h, base](int tid, std::uint64_t k) {
      if (h->holders.fetch_add(1) != 0) h->violations.fetch_add(1);
      h->iterations.fetch_add(k, std::memory_order_relaxed);
      if (k == 0) {
        h->acquisitions.fetch_add(1, std::memory_order_relaxed);
        const std::int64_t me = base + tid;
        const std::int64_t prev = h->last.exchange(me);
        if (prev >= 0 && prev != me) h->changes.fetch_add(1, std::memory_order_relaxed);
      }
      gilbench::countdown(64);
      if (h->holders.load() != 1) h->violations.fetch_add(1);
      h->holders.fetch_sub(1);
    };
  }

 private:
  SharedHeld* held_ = nullptr;
  bool on_one_node_ = false;
};

struct LocalRun {
  std::vector<Counters> c = std::vector<Counters>(kThreads);
  std::vector<std::uint64_t> done = std::vector<std::uint64_t>(kThreads);
  std::vector<std::vector<TraceEvent>> trace = std::vector<std::vector<TraceEvent>>(kThreads);
  Counters total() const {
    Counters t;
    for (const auto& x : c) t += x;
    return t;
  }
};

LocalRun run_local_threads(Lock& lock, std::uint64_t n) {
  LocalRun r;
  std::latch start(kThreads);
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      r.done[t] = lock.run(t, n, r.c[t], &r.trace[t]);
    });
  }
  for (auto& th : pool) th.join();
  return r;
}

/// Every tenure [acquire, release] of every thread of every rank; on one node the steady clock
/// is the same in all processes, so with a common explicit epoch the times are comparable.
void expect_disjoint_tenures_jobwide(const LocalRun& r) {
  std::vector<double> mine;
  for (const auto& ev : r.trace) {
    double start = -1;
    for (const auto& e : ev) {
      if (e.kind == EventKind::acquire) start = e.t_s;
      if (e.kind == EventKind::release) {
        mine.push_back(start);
        mine.push_back(e.t_s);
      }
    }
  }
  const int n = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(world_size()));
  MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<int> displs(counts.size());
  int total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    displs[i] = total;
    total += counts[i];
  }
  std::vector<double> all(static_cast<std::size_t>(world_rank() == 0 ? total : 0));
  MPI_Gatherv(mine.data(), n, MPI_DOUBLE, all.data(), counts.data(), displs.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (world_rank() != 0) return;
  std::vector<std::pair<double, double>> tenures;
  for (std::size_t i = 0; i + 1 < all.size(); i += 2) tenures.emplace_back(all[i], all[i + 1]);
  std::sort(tenures.begin(), tenures.end());
  EXPECT_GE(tenures.size(), static_cast<std::size_t>(world_size() * kThreads));
  for (std::size_t i = 1; i < tenures.size(); ++i) {
    EXPECT_LE(tenures[i - 1].second, tenures[i].first) << "tenures " << i - 1 << " and " << i << " overlap job-wide";
  }
}

TraceOptions common_clock_trace() {
  TraceOptions t;
  t.enabled = true;
  t.window_s = 1e12;  // no window: the epoch is the clock's origin
  t.max_events = 10'000'000;
  t.epoch = Clock::time_point(std::chrono::nanoseconds(1));
  return t;
}

// ---------------------------------------------------------------------------------------------

TEST(JobLock, MpiGrantsThreadMultiple) {
  EXPECT_EQ(gilbench_mpi_thread_level, MPI_THREAD_MULTIPLE);
  EXPECT_TRUE(job_lock_supported());
}

/// Both paths of the job-scope lock: every rank on one node shares it through memory (shm), or
/// through rank 0's server (messages, as across nodes). The tests run on one node, so both are
/// possible; auto takes shm there.
class JobLockPath : public ::testing::TestWithParam<JobPath> {};

TEST_P(JobLockPath, GilExclusionAndCountersJobWide) {
  const Watchdog wd("job gil exclusion", std::chrono::seconds(120));
  SharedSegment seg;
  ASSERT_TRUE(seg.on_one_node()) << "the MPI tests check exclusion in node-shared memory: run them on one node";
  Params p;
  p.policy = Policy::gil;
  p.switch_interval = microseconds(500);
  const std::uint64_t n = 40'000'000;  // ~12 ms per thread
  LocalRun r;
  {
    auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads, common_clock_trace(), seg.hook(), GetParam());
    ASSERT_EQ(lock->policy(), Policy::gil);
    EXPECT_EQ(job_lock_transport(*lock), to_string(GetParam()));
    r = run_local_threads(*lock, n);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const Counters t = r.total();
  const auto workers = static_cast<std::uint64_t>(world_size() * kThreads);
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(r.done[i], n);
    EXPECT_EQ(r.c[i].forced_drops, r.c[i].acquisitions - 1);
    EXPECT_LE(r.c[i].drop_requests, r.c[i].wait_timeouts);
    EXPECT_EQ(r.c[i].checks + r.c[i].self_reacquires + r.c[i].handoffs, 0u);
  }
  const std::uint64_t acq = sum_all(t.acquisitions), sw = sum_all(t.switches), forced = sum_all(t.forced_drops),
                      reqs = sum_all(t.drop_requests);
  SharedHeld& h = seg.held();
  EXPECT_EQ(h.violations.load(), 0u) << "two holders at once, job-wide";
  EXPECT_EQ(h.iterations.load(), n * workers);
  EXPECT_EQ(acq, h.acquisitions.load());
  EXPECT_EQ(sw, h.changes.load()) << "switches counted by new holders = holder changes job-wide";
  EXPECT_GE(sw, workers - 1) << "every thread of every rank held the lock";
  EXPECT_LE(forced, reqs);
  EXPECT_GE(forced, 1u) << "a 500 µs interval against ≥ 12 ms of work per thread forces drops";
  expect_disjoint_tenures_jobwide(r);
}

TEST_P(JobLockPath, LegacyExclusionAndChecksJobWide) {
  const Watchdog wd("job legacy exclusion", std::chrono::seconds(120));
  SharedSegment seg;
  ASSERT_TRUE(seg.on_one_node());
  Params p;
  p.policy = Policy::legacy_gil;
  p.check_interval = 9;
  p.tick_iterations = 100;  // a check every (9 + 1) × 100 = 1000 iterations
  const std::uint64_t n = 2'000'000;
  LocalRun r;
  {
    auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads, common_clock_trace(), seg.hook(), GetParam());
    r = run_local_threads(*lock, n);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const auto workers = static_cast<std::uint64_t>(world_size() * kThreads);
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(r.done[i], n);
    EXPECT_EQ(r.c[i].checks, r.c[i].self_reacquires + r.c[i].handoffs);
    EXPECT_EQ(r.c[i].acquisitions, 1 + r.c[i].checks);
    EXPECT_EQ(r.c[i].forced_drops + r.c[i].drop_requests + r.c[i].wait_timeouts, 0u);
  }
  const Counters t = r.total();
  const std::uint64_t checks = sum_all(t.checks), acq = sum_all(t.acquisitions), sw = sum_all(t.switches);
  SharedHeld& h = seg.held();
  EXPECT_EQ(h.violations.load(), 0u) << "two holders at once, job-wide";
  EXPECT_EQ(h.iterations.load(), n * workers);
  EXPECT_EQ(acq, h.acquisitions.load());
  EXPECT_EQ(sw, h.changes.load());
  // the interpreter's ticker travels with the lock: one check per period of job-wide work
  EXPECT_EQ(checks, (n * workers - 1) / 1000u);
  expect_disjoint_tenures_jobwide(r);
}

TEST_P(JobLockPath, VoluntaryTakeReleaseAcrossRanks) {
  const Watchdog wd("job take/release", std::chrono::seconds(120));
  SharedSegment seg;
  ASSERT_TRUE(seg.on_one_node());
  for (const Policy pol : {Policy::gil, Policy::legacy_gil}) {
    Params p;
    p.policy = pol;
    p.switch_interval = microseconds(200);
    std::vector<Counters> c(kThreads);
    {
      auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads, {}, seg.hook(), GetParam());
      std::vector<std::thread> pool;
      // thread 0 counts down under the lock; thread 1 takes/releases like a blocking call
      pool.emplace_back([&] { lock->run(0, 5'000'000, c[0], nullptr); });
      pool.emplace_back([&] {
        SharedHeld& h = seg.held();
        for (int i = 0; i < 20; ++i) {
          lock->take(1, c[1], nullptr);
          if (h.holders.fetch_add(1) != 0) h.violations.fetch_add(1);
          h.sections.fetch_add(1);
          std::this_thread::sleep_for(microseconds(20));
          if (h.holders.load() != 1) h.violations.fetch_add(1);
          h.holders.fetch_sub(1);
          lock->release(1, c[1], nullptr);
        }
      });
      for (auto& th : pool) th.join();
    }
    MPI_Barrier(MPI_COMM_WORLD);
    EXPECT_EQ(c[1].acquisitions, 20u);
    EXPECT_EQ(seg.held().violations.load(), 0u) << to_string(pol);
    EXPECT_EQ(seg.held().sections.load(), 20u * static_cast<std::uint64_t>(world_size()));
    MPI_Barrier(MPI_COMM_WORLD);
    if (world_rank() == 0) seg.held().sections.store(0);
    MPI_Barrier(MPI_COMM_WORLD);
  }
}

TEST_P(JobLockPath, ManyFreshLocksShortSlices) {
  const Watchdog wd("job stress", std::chrono::seconds(120));
  for (int round = 0; round < 12; ++round) {
    Params p;
    p.policy = round % 2 == 0 ? Policy::gil : Policy::legacy_gil;
    p.switch_interval = microseconds(50);
    p.check_interval = 5;
    p.tick_iterations = 40;
    auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads, {}, {}, GetParam());
    const LocalRun r = run_local_threads(*lock, 300'000);
    for (int i = 0; i < kThreads; ++i) ASSERT_EQ(r.done[i], 300'000u) << "round " << round;
  }
}

// The agent starts with a lock's first use; a lock some ranks never use (or nobody uses) must
// still shut down collectively, and the next lock must work.
TEST_P(JobLockPath, UnusedOnSomeRanksShutsDown) {
  const Watchdog wd("job unused", std::chrono::seconds(60));
  for (const Policy pol : {Policy::gil, Policy::legacy_gil}) {
    Params p;
    p.policy = pol;
    p.switch_interval = microseconds(100);
    { auto unused = make_job_lock(p, MPI_COMM_WORLD, kThreads, {}, {}, GetParam()); }
    {
      auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads, {}, {}, GetParam());
      if (world_rank() % 2 == 0) {
        Counters c;
        EXPECT_EQ(lock->run(1, 200'000, c, nullptr), 200'000u);
        EXPECT_GE(c.acquisitions, 1u);
      }
    }
    auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads, {}, {}, GetParam());
    const LocalRun r = run_local_threads(*lock, 100'000);
    for (int i = 0; i < kThreads; ++i) EXPECT_EQ(r.done[i], 100'000u) << to_string(pol);
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, JobLockPath, ::testing::Values(JobPath::shm, JobPath::messages),
                         [](const ::testing::TestParamInfo<JobPath>& i) { return std::string(to_string(i.param)); });

TEST(JobLock, AutoTakesSharedMemoryOnOneNode) {
  Params p;
  for (const Policy pol : {Policy::gil, Policy::legacy_gil}) {
    p.policy = pol;
    auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads);
    EXPECT_EQ(job_lock_transport(*lock), "shm") << to_string(pol);
    auto messages = make_job_lock(p, MPI_COMM_WORLD, kThreads, {}, {}, JobPath::messages);
    EXPECT_EQ(job_lock_transport(*messages), "messages");
    Counters c;
    EXPECT_EQ(lock->run(0, 1000, c, nullptr), 1000u);
    EXPECT_EQ(messages->run(1, 1000, c, nullptr), 1000u);
  }
  p.policy = Policy::none;
  EXPECT_EQ(job_lock_transport(*make_job_lock(p, MPI_COMM_WORLD, kThreads)), "");
}

TEST(JobLock, NonePolicyNeedsNoMpi) {
  Params p;
  auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads);
  ASSERT_EQ(lock->policy(), Policy::none);
  Counters c;
  EXPECT_EQ(lock->run(1, 1000, c, nullptr), 1000u);
  EXPECT_EQ(c.acquisitions, 0u);
}

TEST(JobLock, BadInputThrowsOnEveryRank) {
  Params p;
  p.policy = Policy::gil;
  p.switch_interval = std::chrono::nanoseconds(0);
  EXPECT_THROW(make_job_lock(p, MPI_COMM_WORLD, kThreads), std::invalid_argument);
  p.switch_interval = microseconds(100);
  EXPECT_THROW(make_job_lock(p, MPI_COMM_WORLD, 0), std::invalid_argument);
  // thread counts that differ between ranks are refused collectively
  EXPECT_THROW(make_job_lock(p, MPI_COMM_WORLD, 1 + world_rank() % 2), std::invalid_argument);
  // still usable afterwards
  auto lock = make_job_lock(p, MPI_COMM_WORLD, kThreads);
  Counters c;
  EXPECT_EQ(lock->run(0, 100, c, nullptr), 100u);
}

}  // namespace
