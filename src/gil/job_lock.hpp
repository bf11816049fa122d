#pragma once
// Job-scope lock (--lock-scope job): ONE emulated interpreter lock shared by every thread of
// every MPI rank — what "processes escape the GIL" would look like if they could not.
//
// Built on MPI point-to-point only (Open MPI 4.1.4's one-sided back ends fail with
// MPI_THREAD_MULTIPLE or over TCP). The lock state lives in a server (job_server.hpp) run by an
// agent thread on rank 0. Every rank has an agent thread, the only thread of the rank that calls
// MPI for the lock (MPI_THREAD_MULTIPLE is still required: the agent calls MPI beside whatever
// the application's own threads do; but the lock never drives Open MPI's TCP transport from
// several threads at once — when every worker sent its own messages, it lost some): workers
// queue their requests/releases for it and sleep on a futex until it hands them their grant; it
// turns the server's drop requests (gil) / contention notices (legacy-gil) into a local atomic
// flag the holder polls — so the holder's check point costs the same one relaxed load as at rank
// scope — and re-sends a woken parked thread's request (legacy-gil). Nobody spins in MPI: the
// agent polls with MPI_Iprobe/MPI_Test and waits with an exponential back-off (≤ 50 µs while
// the lock is in use, ≤ 1 ms when idle; a local message wakes it at once), so a 2-core box is
// not eaten by progress loops; the price is a few tens of µs per message hop: ≈ 110–150 µs from
// one tenure's end to the next one's start between 2 ranks on 2 idle cores, against a 5 ms
// interval (the same as when every worker sent its own messages). Each lock has its own communicator (MPI_Comm_dup), and its
// creation wires every rank to rank 0 in order, one initiator per pair.
//
// Semantics follow the rank-scope policies (see gil/lock.hpp), with these differences:
//   gil         a release hands the lock to the oldest waiter (FIFO); the forced-switch wait is
//               the server's (the dropper's re-take is queued behind the waiter), so
//               switch_wait_s is 0; drop requests are issued by the server on the waiter's
//               behalf and reported to it with its grant (drop_requests, wait_timeouts), and
//               are not traced as events.
//   legacy-gil  a contended check is a round trip to the server, which frees L, wakes one
//               parked thread and re-grants L to the releaser in one step: a remote waiter's
//               retry always arrives too late, so hand-offs happen only when a holder stops
//               (release at the end of its run or a voluntary release) — the convoy, complete.
//               An uncontended check stays local (a sem_post/sem_wait with nobody waiting is
//               also invisible to other threads). The interpreter's ticker travels with the lock.
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
