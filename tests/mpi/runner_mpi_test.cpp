// The runner across ranks: every worker of every rank reports, the shares add up exactly, the
// samples arrive at rank 0 rank-major, and the run record says what was run.
#include <gtest/gtest.h>
#include <mpi.h>

#include <atomic>
#include <set>

#include "sweep/runner.hpp"

using namespace gilbench;

namespace {
struct World {
  int rank = 0, size = 1;
  World() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
  }
};
}  // namespace

/// Two threads of the native kernel counting `count` under `lock` (1 ms interval, 100 ticks).
RunConfig native_config(std::uint64_t count, gil::Policy lock) {
  return RunConfig{
      0, Kernel::native, count, 2, lock, std::chrono::milliseconds(1), lock == gil::Policy::legacy_gil ? 100 : 0};
}

class RunnerMpi : public ::testing::TestWithParam<gil::Policy> {};

TEST_P(RunnerMpi, SharesAddUpAndSamplesReachRankZero) {
  const World w;
  Config cfg;
  cfg.count = 10'000'019;  // prime: remainders on every shape
  cfg.threads = {2};
  const RunConfig rc = native_config(cfg.count, GetParam());
  Runner runner(cfg, MPI_COMM_WORLD, std::chrono::steady_clock::now());
  const RunOutcome out = runner.run(rc, PlannedRun{0, 0, false, 0}, 42, 7);
  if (w.rank != 0) {
    EXPECT_TRUE(out.samples.empty());
    return;
  }
  ASSERT_EQ(out.samples.size(), static_cast<std::size_t>(w.size * 2));
  std::uint64_t sum = 0;
  std::set<std::pair<int, int>> workers;
  for (std::size_t i = 0; i < out.samples.size(); ++i) {
    const Sample& s = out.samples[i];
    EXPECT_EQ(s.run_id, 42);
    EXPECT_EQ(s.rank, static_cast<int>(i) / 2);
    EXPECT_EQ(s.thread, static_cast<int>(i) % 2);
    EXPECT_GT(s.wall_s, 0.0);
    EXPECT_GT(s.n_allowed, 0);
    EXPECT_GE(s.cpu_start, 0);
    workers.insert({s.rank, s.thread});
    sum += s.iterations;
  }
  EXPECT_EQ(workers.size(), out.samples.size());
  EXPECT_EQ(sum, cfg.count);
  EXPECT_EQ(out.run.count, cfg.count);
  EXPECT_EQ(out.run.valid, 1);
  EXPECT_EQ(out.run.ranks, w.size);
  EXPECT_EQ(out.run.launch_id, 7);
  EXPECT_EQ(out.run.lock, std::string(gil::to_string(GetParam())));
}

TEST_P(RunnerMpi, WeakScalingGivesEveryWorkerTheCount) {
  const World w;
  Config cfg;
  cfg.count = 1'000'000;
  cfg.scaling = Scaling::weak;
  const RunConfig rc = native_config(cfg.count, GetParam());
  Runner runner(cfg, MPI_COMM_WORLD, std::chrono::steady_clock::now());
  const RunOutcome out = runner.run(rc, PlannedRun{0, 0, false, 0}, 1, 0);
  if (w.rank != 0) return;
  for (const Sample& s : out.samples) EXPECT_EQ(s.iterations, cfg.count);
  EXPECT_EQ(out.run.count, cfg.count * static_cast<std::uint64_t>(w.size) * 2);
  EXPECT_EQ(out.run.valid, 1);
}

TEST_P(RunnerMpi, AStopFlagSetOnEveryRankMakesTheRunInterruptedNotInvalid) {
  const World w;
  Config cfg;
  cfg.count = std::uint64_t{1} << 40;  // minutes of work: the flag ends it
  const RunConfig rc = native_config(cfg.count, GetParam());
  const std::atomic<bool> stop{true};  // as after --stop-grace: set before the run even starts
  Runner runner(cfg, MPI_COMM_WORLD, std::chrono::steady_clock::now(), &stop);
  const RunOutcome out = runner.run(rc, PlannedRun{0, 0, false, 0}, 3, 0);
  Config small = cfg;
  small.count = 1'000'003;
  const std::atomic<bool> never{false};  // and without it: complete
  Runner plain(small, MPI_COMM_WORLD, std::chrono::steady_clock::now(), &never);
  // the run's N is its configuration's (RunConfig::count)
  const RunOutcome done = plain.run(native_config(small.count, GetParam()), PlannedRun{0, 0, false, 0}, 4,
                                    0);  // collective: every rank
  if (w.rank != 0) return;
  std::uint64_t sum = 0;
  for (const Sample& s : out.samples) sum += s.iterations;
  EXPECT_LT(sum, cfg.count);
  EXPECT_EQ(out.run.status, "interrupted");
  EXPECT_EQ(out.run.valid, 1);
  EXPECT_EQ(done.run.status, "complete");
  EXPECT_EQ(done.run.valid, 1);
}

INSTANTIATE_TEST_SUITE_P(Policies, RunnerMpi,
                         ::testing::Values(gil::Policy::none, gil::Policy::gil, gil::Policy::legacy_gil),
                         [](const auto& param_info) {
                           std::string n(gil::to_string(param_info.param));
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });
