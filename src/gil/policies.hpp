#pragma once
// Internal: the rank-scope policy implementations behind make_lock().
#include <atomic>
#include <chrono>
#include <memory>

#include "gil/lock.hpp"

namespace gilbench::gil::detail {

/// REQUIRES (all three): validate(p) passed and nthreads >= 1 (make_lock checks both).
std::unique_ptr<Lock> make_no_lock(int nthreads, const std::atomic<bool>& stop, HeldHook hook);
std::unique_ptr<Lock> make_gil_lock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook);
std::unique_ptr<Lock> make_legacy_gil_lock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook);

/// Params::stop, or a flag that is never set when it is null.
const std::atomic<bool>& stop_flag(const Params& p) noexcept;

/// Throws std::out_of_range unless 0 <= tid < nthreads.
void check_tid(int tid, int nthreads);

}  // namespace gilbench::gil::detail
