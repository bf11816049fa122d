// Policy names, parameter checks, the factory, and the `none` policy.
#include "gil/lock.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "gil/detail.hpp"
#include "gil/policies.hpp"
#include "sweep/kernel.hpp"

namespace gilbench::gil {

std::string_view to_string(Policy p) noexcept {
  switch (p) {
    case Policy::none: return "none";
    case Policy::gil: return "gil";
    case Policy::legacy_gil: return "legacy-gil";
  }
  return "unknown";
}

std::optional<Policy> parse_policy(std::string_view s) noexcept {
  for (const Policy p : {Policy::none, Policy::gil, Policy::legacy_gil}) {
    if (s == to_string(p)) return p;
  }
  return std::nullopt;
}

std::string_view to_string(JobPath p) noexcept {
  switch (p) {
    case JobPath::automatic: return "auto";
    case JobPath::shm: return "shm";
    case JobPath::messages: return "messages";
  }
  return "unknown";
}

std::optional<JobPath> parse_job_path(std::string_view s) noexcept {
  for (const JobPath p : {JobPath::automatic, JobPath::shm, JobPath::messages}) {
    if (s == to_string(p)) return p;
  }
  return std::nullopt;
}

std::string_view to_string(EventKind k) noexcept {
  switch (k) {
    case EventKind::request: return "request";
    case EventKind::acquire: return "acquire";
    case EventKind::drop_request: return "drop_request";
    case EventKind::release: return "release";
  }
  return "unknown";
}

std::string_view to_string(TickSource s) noexcept {
  switch (s) {
    case TickSource::reference: return "reference";
    case TickSource::measured_27: return "measured 2.7";
    case TickSource::override: return "--tick-iterations override";
  }
  return "unknown";
}

TickMapping tick_mapping(std::int64_t override_iterations, double native_rate, double python27_rate) noexcept {
  TickMapping m;
  if (override_iterations > 0) {
    m.iterations = override_iterations, m.source = TickSource::override;
    return m;
  }
  const bool measured = python27_rate > 0 && std::isfinite(python27_rate);
  m.source = measured ? TickSource::measured_27 : TickSource::reference;
  m.tick_s = measured ? 1.0 / (kTicksPerIteration27 * python27_rate) : kReferenceTickNs * 1e-9;
  const double iterations = m.tick_s * native_rate;
  if (!(native_rate > 0) || !std::isfinite(iterations)) {
    m.iterations = kDefaultTickIterations;
    return m;
  }
  // at least 1; at most what validate() takes with any check interval a user types (< 2^31)
  m.iterations = iterations < 1.5 ? 1 : iterations > 1e9 ? 1'000'000'000 : std::llround(iterations);
  return m;
}

std::optional<std::string> validate(const Params& p) {
  if (p.switch_interval.count() <= 0) return "switch interval must be > 0";
  if (p.check_interval <= 0) return "check interval must be >= 1 tick";
  if (p.tick_iterations <= 0) return "tick iterations must be >= 1";
  if (!(p.iteration_ns > 0) || !std::isfinite(p.iteration_ns)) return "iteration time must be > 0";
  // (ticks + 1) × iterations (check_period) must fit the 63-bit ticker
  if (p.check_interval >= std::numeric_limits<std::int64_t>::max() / p.tick_iterations)
    return "check interval × tick iterations overflows";
  return std::nullopt;
}

Counters& operator+=(Counters& a, const Counters& b) noexcept {
#define GILBENCH_ADD(name, kind, size, unit, since, required, init, meaning) a.name += b.name;
  GILBENCH_LOCK_COUNTERS(GILBENCH_ADD)
#undef GILBENCH_ADD
  return a;
}

namespace detail {

void check_tid(int tid, int nthreads) {
  if (tid < 0 || tid >= nthreads) {
    throw std::out_of_range("gil: thread id " + std::to_string(tid) + " outside 0.." + std::to_string(nthreads - 1));
  }
}

const std::atomic<bool>& stop_flag(const Params& p) noexcept {
  static const std::atomic<bool> never{false};
  return p.stop != nullptr ? *p.stop : never;
}

namespace {

/// `none`: free threads. Nothing to take; ctx_* are still measured (they are the OS's, not the
/// lock's). The hook, if any, is called once per run with the iterations done (there is no
/// exclusion to check). Params::stop is polled every kStopPollIterations.
class NoLock final : public Lock {
 public:
  NoLock(int nthreads, const std::atomic<bool>& stop, HeldHook hook)
      : nthreads_(nthreads), stop_(stop), hook_(std::move(hook)) {}
  Policy policy() const noexcept override { return Policy::none; }
  std::uint64_t run(int tid, std::uint64_t n, Counters& c, std::vector<TraceEvent>* /*trace*/) override {
    check_tid(tid, nthreads_);
    const CtxScope ctx(c);
    const std::uint64_t done = countdown_until(n, stop_);
    if (hook_) hook_(tid, done);
    return done;
  }
  void take(int tid, Counters& /*c*/, std::vector<TraceEvent>* /*trace*/) override { check_tid(tid, nthreads_); }
  void release(int tid, Counters& /*c*/, std::vector<TraceEvent>* /*trace*/) override { check_tid(tid, nthreads_); }

 private:
  int nthreads_;
  const std::atomic<bool>& stop_;
  HeldHook hook_;
};

}  // namespace

std::unique_ptr<Lock> make_no_lock(int nthreads, const std::atomic<bool>& stop, HeldHook hook) {
  return std::make_unique<NoLock>(nthreads, stop, std::move(hook));
}

}  // namespace detail

std::unique_ptr<Lock> make_lock(const Params& p, int nthreads, TraceOptions trace, HeldHook hook) {
  if (auto err = validate(p)) throw std::invalid_argument("gil: " + *err);
  if (nthreads < 1) throw std::invalid_argument("gil: need at least one thread");
  switch (p.policy) {
    case Policy::none: return detail::make_no_lock(nthreads, detail::stop_flag(p), std::move(hook));
    case Policy::gil: return detail::make_gil_lock(p, nthreads, trace, std::move(hook));
    case Policy::legacy_gil: return detail::make_legacy_gil_lock(p, nthreads, trace, std::move(hook));
  }
  throw std::invalid_argument("gil: unknown policy");
}

}  // namespace gilbench::gil
