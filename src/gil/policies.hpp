#pragma once
// Internal: the rank-scope policy implementations behind make_lock().
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>

#include "gil/lock.hpp"

namespace gilbench::gil::detail {

/// REQUIRES (all three): validate(p) passed and nthreads >= 1 (make_lock checks both).
std::unique_ptr<Lock> make_no_lock(int nthreads, const std::atomic<bool>& stop, HeldHook hook);
std::unique_ptr<Lock> make_gil_lock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook);
std::unique_ptr<Lock> make_legacy_gil_lock(const Params& p, int nthreads, const TraceOptions& t, HeldHook hook);

/// The job-scope shared-memory path (job_lock.cpp): the same state machines with their state in
/// memory that every process of a node maps. Per policy: the state's size for `total_threads`
/// node-wide thread ids, its construction (once, by one process, before any lock uses it) and
/// destruction (after every lock on it is gone; cross_process: false when only one process uses
/// it, which then waits on private futexes / a pshared = 0 sem_t), and a lock on it whose thread `tid` (0 ..
/// nthreads-1) is id_offset + tid in the state. The lock does not own the state.
std::size_t shared_gil_state_size(int total_threads) noexcept;
void init_shared_gil_state(void* at, int total_threads, bool cross_process);
void destroy_shared_gil_state(void* at) noexcept;
std::unique_ptr<Lock> make_shared_gil_lock(const Params& p, void* state, int id_offset, int nthreads,
                                           const TraceOptions& t, std::chrono::steady_clock::time_point epoch,
                                           HeldHook hook);
std::size_t shared_legacy_state_size(int total_threads) noexcept;
void init_shared_legacy_state(void* at, const Params& p, int total_threads, bool cross_process);
void destroy_shared_legacy_state(void* at) noexcept;
std::unique_ptr<Lock> make_shared_legacy_gil_lock(const Params& p, void* state, int id_offset, int nthreads,
                                                  const TraceOptions& t, std::chrono::steady_clock::time_point epoch,
                                                  HeldHook hook);

/// Params::stop, or a flag that is never set when it is null.
const std::atomic<bool>& stop_flag(const Params& p) noexcept;

/// Throws std::out_of_range unless 0 <= tid < nthreads.
void check_tid(int tid, int nthreads);

}  // namespace gilbench::gil::detail
