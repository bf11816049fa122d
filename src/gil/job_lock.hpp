#pragma once
// Job-scope lock (--lock-scope job): ONE emulated interpreter lock shared by every thread of
// every MPI rank — what "processes escape the GIL" would look like if they could not.
//
// Two paths (--job-lock, JobPath; job_lock_transport() says which one a lock took):
//
//   shm       every rank on one node (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) holds them all):
//             the rank-scope state machines themselves (gil_lock.cpp, legacy_lock.cpp) with
//             their state in an MPI-3 shared window (MPI_Win_allocate_shared) on the node —
//             gil on a mutex and condition variables built on raw FUTEX_WAIT / FUTEX_WAKE
//             without FUTEX_PRIVATE_FLAG (futex.hpp: std::mutex, std::condition_variable and
//             libstdc++'s atomic::wait use private futexes, which do not cross processes),
//             legacy-gil on 2.7's sem_t with pshared = 1 (glibc: a shared futex). A node with
//             one rank waits on private futexes / a pshared = 0 sem_t instead, as rank scope:
//             a shared FUTEX_WAKE is a longer syscall (the page is looked up), and the longer
//             sem_post gave the woken waiter 1.5–2× the hand-offs at checks. Thread ids
//             are node-wide (node rank × threads_per_rank + tid). No agent, no messages: a
//             hand-off costs what it costs between threads of one process, and the semantics
//             (forced switching and timed waits; the convoy and its hand-offs at checks) are
//             exactly rank scope's.
//   messages  the default when the ranks span nodes (and forced with JobPath::messages —
//             the Slurm lab's two "nodes" are one host, which MPI_COMM_TYPE_SHARED would merge):
//             the whole job uses rank 0's server, whatever the node (no hierarchy: ranks that
//             share a node still talk to the server by messages). Described below.
//
// The message path is built on MPI point-to-point only// Semantics of the message path follow the rank-scope policies (see gil/lock.hpp), with these
// differences:
//   gil         a release hands the lock to the oldest waiter (FIFO); the forced-switch wait is
//               the server's (the dropper's re-take is queued behind the waiter), so
//               switch_wait_s is 0; drop requests are issued by the server on the waiter's
//               behalf and reported to it with its grant (drop_requests, wait_timeouts), and
//               are not traced as events.
//   legacy-gil  a contended check (someone parked) posts the release without waiting for a
//               reply (2.7's sem_post) and then requests L like any thread (sem_wait): the
//               server frees L, wakes one parked thread and grants L to the first request it
//               handles — usually the releaser's, but a woken thread's retry or another
//               thread's request that gets in between wins: a hand-off at the check. The
//               releaser's re-take is still a round trip to the server (tens of µs), so a
//               contended check costs far more than at rank scope. An uncontended check stays
//               local (a sem_post/sem_wait with nobody waiting is also invisible to other
//               threads). The interpreter's ticker travels with the lock.
// Counters are per thread as at rank scope; `switches` are counted by the new holder from the
// server's job-wide view, so their sum over all threads of all ranks is the job's holder changes.
// Trace times are seconds since the epoch: by default a steady_clock reading taken right after
// a barrier in make_job_lock (ranks on one node share the clock; across nodes they differ by
// the barrier skew and clock offsets).
#include <mpi.h>

#include <memory>
#include <string_view>

#include "gil/lock.hpp"

namespace gilbench::gil {

/// True when MPI is initialised with MPI_THREAD_MULTIPLE (required by make_job_lock).
bool job_lock_supported() noexcept;

/// Collective over `comm`: every rank calls it with the same params and threads_per_rank.
/// Returns the job-wide lock; thread ids passed to run()/take()/release() are rank-local
/// (0..threads_per_rank-1). For Policy::none it returns make_lock(p, threads_per_rank) (no MPI).
/// Destroy it on every rank, after every local thread has returned from the lock (destruction
/// is collective too: it waits until all ranks are done).
/// The rank's agent thread starts at its first run()/take() (or its destruction): until then
/// the caller may use MPI freely, but must not block in anything that needs another rank to
/// get past its own use of the lock (rank 0's agent serves every rank). gilbench's runner
/// holds a barrier after creating the lock, before any thread uses it.
/// Throws std::invalid_argument (bad params — consistent on all ranks, before any
/// communication) or std::runtime_error (MPI not initialised with MPI_THREAD_MULTIPLE; checked
/// before any communication, so all ranks throw alike).
/// `path` (--job-lock): automatic takes shm when every rank is on one node, else messages; shm
/// throws std::invalid_argument (on every rank) when the ranks span nodes.
std::unique_ptr<Lock> make_job_lock(const Params& p, MPI_Comm comm, int threads_per_rank, TraceOptions trace = {},
                                    HeldHook hook = {}, JobPath path = JobPath::automatic);

/// The path a lock from make_job_lock took: "shm" or "messages"; "" for any other lock (rank
/// scope, or the job-scope `none`).
std::string_view job_lock_transport(const Lock& lock) noexcept;

}  // namespace gilbench::gil
