#include "machine/binding.hpp"

#include <gtest/gtest.h>

namespace gilbench::binding {
namespace {

Environment free_machine(int cpus) {
  Environment e;
  e.machine_cpus = cpus;
  return e;
}

TEST(BindingPlan, AutoPinsWorkerTToTheTthAllowedCpuOnAnUnboundMachine) {
  const Plan p = plan(Mode::automatic, free_machine(4), {0, 1, 2, 3}, 2);
  EXPECT_EQ(p.cpus, (std::vector<int>{0, 1}));
  EXPECT_TRUE(p.reason.empty());
}

TEST(BindingPlan, AutoGivesEachRankOfAHostItsOwnCpus) {
  EXPECT_EQ(plan(Mode::automatic, free_machine(4), {0, 1, 2, 3}, 2, {1, 2}).cpus, (std::vector<int>{2, 3}));
}

TEST(BindingPlan, AutoLeavesThemWhenOpenMpBoundThem) {
  Environment e = free_machine(2);
  e.openmp = true;
  e.what = "OMP_PROC_BIND=close";
  const Plan p = plan(Mode::automatic, e, {0, 1}, 2);
  EXPECT_FALSE(p.pinned());
  EXPECT_NE(p.reason.find("OMP_PROC_BIND=close"), std::string::npos);
}

TEST(BindingPlan, AutoLeavesThemWhenTheLauncherNarrowedTheCpuSet) {
  const Plan p = plan(Mode::automatic, free_machine(8), {2, 3}, 2);
  EXPECT_FALSE(p.pinned());
  EXPECT_NE(p.reason.find("2 of the host's 8"), std::string::npos);
}

TEST(BindingPlan, AutoLeavesThemWhenTheCpusDoNotSuffice) {
  EXPECT_FALSE(plan(Mode::automatic, free_machine(2), {0, 1}, 4).pinned());
  EXPECT_FALSE(plan(Mode::automatic, free_machine(2), {0, 1}, 2, {0, 2}).pinned());
}

TEST(BindingPlan, CoresPinsAnywayWrappingAroundAndNoneNever) {
  Environment e = free_machine(2);
  e.openmp = true;
  EXPECT_EQ(plan(Mode::cores, e, {0, 1}, 3).cpus, (std::vector<int>{0, 1, 0}));
  EXPECT_FALSE(plan(Mode::none, free_machine(2), {0, 1}, 2).pinned());
}

}  // namespace
}  // namespace gilbench::binding
