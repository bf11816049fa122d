#pragma once
// Every table and column of the results file, declared once (column.hpp says how to read a
// declaration). From these lists come the record structs below, the HDF5 compound types
// (h5_store.cpp), `gilbench --schema` (app/schema_json.cpp) and from its output
// analysis/gilbench_analysis/schema.json and the column tables of docs/schema.md.
//
// Adding a column: declare it in its table (since = the new version), bump kSchemaVersion,
// then regenerate the checked-in copies: `gilbench --schema > analysis/gilbench_analysis/schema.json`
// and `scripts/schema-doc.py --write` (ctest schema.in_sync fails until they agree).
// Columns are listed in file order; the HDF5 column order follows it.
#include <cstdint>
#include <string>

#include "gil/lock.hpp"
#include "results/column.hpp"

namespace gilbench {

inline constexpr int kSchemaVersion = 6;
inline constexpr int kOldestReadableVersion = 1;  ///< readers (analysis/) read versions 1..current

// clang-format off
#define GILBENCH_LAUNCH_COLUMNS(X) \
  X(launch_id, i64, 0, "", 1, true, 0, "unique in the file (max existing + 1)") \
  X(start_time, vtext, 0, "", 1, false, "", "ISO-8601 UTC start of the launch") \
  X(start_unix, f64, 0, "s", 1, false, 0.0, "Unix time of the start") \
  X(gilbench_version, vtext, 0, "", 1, false, "", "e.g. 0.1.0") \
  X(git_revision, vtext, 0, "", 1, false, "", "git describe --always --dirty at build time") \
  X(compiler, vtext, 0, "", 1, false, "", "compiler id and version") \
  X(cxx_flags, vtext, 0, "", 1, false, "", "build type and flags") \
  X(mpi_library, vtext, 0, "", 1, false, "", "MPI_Get_library_version (first line)") \
  X(mpi_version, vtext, 0, "", 1, false, "", "MPI standard version, e.g. 3.1") \
  X(mpi_thread_level, vtext, 0, "", 1, false, "", "thread level granted (MPI_THREAD_FUNNELED, ...)") \
  X(hdf5_version, vtext, 0, "", 1, false, "", "library version, parallel or serial") \
  X(openmp_version, vtext, 0, "", 1, false, "", "_OPENMP date and spec version") \
  X(cpu_model, vtext, 0, "", 1, false, "", "/proc/cpuinfo model name") \
  X(os, vtext, 0, "", 1, false, "", "uname -srm (called kernel before version 5)") \
  X(governor, vtext, 0, "", 1, false, "unknown", "cpufreq governor, or unknown") \
  X(smt, vtext, 0, "", 1, false, "unknown", "/sys/devices/system/cpu/smt/control, or unknown") \
  X(cpu_mhz, f64, 0, "MHz", 1, false, 0.0, "current clock read at start (0 if unreadable)") \
  X(loadavg, f64, 0, "", 1, false, 0.0, "1-minute load average at start") \
  X(timer_resolution_s, f64, 0, "s", 1, false, 0.0, "clock_getres(CLOCK_MONOTONIC)") \
  X(hosts, vtext, 0, "", 1, false, "", "comma-separated distinct hostnames of all ranks (inside Slurm: the Slurm node names, SLURMD_NODENAME)") \
  X(command_line, vtext, 0, "", 1, false, "", "the full argv, shell-quoted") \
  X(env_omp, vtext, 0, "", 1, false, "", "OMP_* variables, NAME=value joined by newlines") \
  X(env_slurm, vtext, 0, "", 1, false, "", "SLURM_* variables, same format") \
  X(ranks, i32, 0, "", 1, false, 1, "MPI world size") \
  X(allowed_cpus, i32, 0, "", 1, false, 0, "CPUs rank 0's workers may run on: the union of their allowed sets (sched_getaffinity)") \
  X(oversubscribed, u8, 0, "", 1, false, 0, "1 when some configuration of the launch had more workers than allowed CPUs on a host") \
  X(shared_cores, u8, 0, "", 1, false, 0, "1 when workers of some run shared a CPU") \
  X(count_auto_s, f64, 0, "s", 1, false, 0.0, "target of --count auto:S, 0 when N was given") \
  X(calibrated_rate, f64, 0, "iterations/s", 1, false, 0.0, "sequential kernel rate measured for --count auto (0 otherwise)") \
  X(exit_status, vtext, 0, "", 1, false, "complete", "incomplete while the launch runs (and after kill -9), complete, or interrupted (SIGTERM/SIGINT/SIGUSR1)") \
  X(rounds_written, i32, 0, "", 3, false, 0, "rounds appended by this launch so far") \
  X(gather_s, f64, 0, "s", 3, false, 0.0, "rank 0's time in the post-run gathers of samples (all runs)") \
  X(write_s, f64, 0, "s", 3, false, 0.0, "rank 0's time appending rounds to this file (up to the previous round)") \
  X(slurm_job_id, vtext, 0, "", 3, false, "", "SLURM_JOB_ID, empty outside Slurm") \
  X(slurm_array_job_id, vtext, 0, "", 3, false, "", "SLURM_ARRAY_JOB_ID") \
  X(slurm_array_task_id, vtext, 0, "", 3, false, "", "SLURM_ARRAY_TASK_ID") \
  X(slurm_step_id, vtext, 0, "", 3, false, "", "SLURM_STEP_ID") \
  X(slurm_nodelist, vtext, 0, "", 3, false, "", "SLURM_JOB_NODELIST") \
  X(slurm_partition, vtext, 0, "", 3, false, "", "SLURM_JOB_PARTITION") \
  X(slurm_ntasks, i32, 0, "", 3, false, 0, "SLURM_NTASKS, 0 outside Slurm") \
  X(slurm_cpus_per_task, i32, 0, "", 3, false, 0, "SLURM_CPUS_PER_TASK, 0 outside Slurm") \
  X(bind, vtext, 0, "", 5, false, "none", "--bind asked: auto, cores or none (before version 5 gilbench never pinned: none)") \
  X(python_library, vtext, 0, "", 5, false, "", "--kernel python: the libpython embedded (dlopen), empty otherwise") \
  X(python_executable, vtext, 0, "", 5, false, "", "--kernel python: the executable named as the program (sys.executable)") \
  X(python_version, vtext, 0, "", 5, false, "", "--kernel python: the interpreter's version, e.g. 3.11.2") \
  X(python_implementation, vtext, 0, "", 5, false, "", "--kernel python: platform.python_implementation(), e.g. CPython") \
  X(python_debug, u8, 0, "", 5, false, 0, "1 for a debug build of the interpreter (sys.gettotalrefcount exists)") \
  X(python_gil_disabled, u8, 0, "", 5, false, 0, "1 for a free-threaded build (Py_GIL_DISABLED); its runs' lock is cpython-nogil when the GIL is off") \
  X(native_rate, f64, 0, "iterations/s", 5, false, 0.0, "sequential native kernel rate measured at start-up (--kernel native,python, --count auto, legacy-gil without --tick-iterations since version 6, or gil at a switch interval under 500us, for its poll batch; 0 otherwise)") \
  X(python_rate, f64, 0, "iterations/s", 5, false, 0.0, "sequential python kernel rate measured at start-up (--kernel native,python or --count auto; 0 otherwise)") \
  X(native_count, u64, 0, "iterations", 5, false, 0, "N of the native configurations (0: none ran)") \
  X(python_count, u64, 0, "iterations", 5, false, 0, "N of the python configurations (0: none ran)") \
  X(tick_iterations, i64, 0, "iterations/tick", 6, false, 0, "legacy-gil: kernel iterations per emulated tick in force for the launch, round(tick_s x native_rate) or --tick-iterations; 0 when no native legacy-gil configuration ran (before version 6 a constant 26 unless --tick-iterations)") \
  X(tick_s, f64, 0, "s", 6, false, 0.0, "legacy-gil: CPython's time per tick the mapping used (1 / (3 x python_rate) when measured with a 2.7, else the reference 7.5 ns); 0 for an override or when no native legacy-gil configuration ran") \
  X(tick_source, vtext, 0, "", 6, false, "", "legacy-gil: where the time per tick came from: reference, measured 2.7, or --tick-iterations override; empty when no native legacy-gil configuration ran")

#define GILBENCH_RUN_COLUMNS(X) \
  X(run_id, i64, 0, "", 1, true, 0, "unique in the file") \
  X(launch_id, i64, 0, "", 1, true, 0, "the launch that made the run (/launches)") \
  X(config_id, i32, 0, "", 1, false, 0, "index of the configuration inside its launch") \
  X(ranks, i32, 0, "", 1, true, 1, "MPI ranks") \
  X(threads, i32, 0, "", 1, true, 1, "OpenMP threads per rank") \
  X(kernel, text, 8, "", 5, false, "native", "native (the C++ countdown under an emulated lock) or python (the real countdown in the embedded CPython)") \
  X(lock, text, 16, "", 1, true, "none", "none, gil or legacy-gil (native); cpython-gil or cpython-nogil (python: the interpreter's own)") \
  X(lock_scope, text, 8, "", 2, false, "rank", "rank (one lock per rank) or job (one lock for every thread of every rank)") \
  X(lock_transport, text, 16, "", 6, false, "", "--lock-scope job: how the ranks shared the lock, shm (one node: shared memory and futexes) or messages (rank 0's lock server); empty otherwise") \
  X(switch_interval_s, f64, 0, "s", 2, false, 0.0, "gil: the switch interval; python on 3.x: sys.getswitchinterval() in force; 0 otherwise") \
  X(check_interval, i64, 0, "ticks", 2, false, 0, "legacy-gil: ticks between release/re-acquire; python on 2.x: sys.getcheckinterval() in force; 0 otherwise") \
  X(tick_iterations, i64, 0, "iterations/tick", 2, false, 0, "legacy-gil: kernel iterations per emulated tick; 0 otherwise") \
  X(count, u64, 0, "iterations", 1, true, 0, "total iterations of the run (all workers)") \
  X(scaling, text, 8, "", 1, false, "strong", "strong or weak") \
  X(repetition, i32, 0, "", 1, false, 0, "0-based; warm-ups and measured repetitions are numbered separately") \
  X(warmup, u8, 0, "", 1, true, 0, "1 for a warm-up repetition (not used in statistics)") \
  X(wall_s, f64, 0, "s", 1, true, 0.0, "max wall time over all workers") \
  X(valid, u8, 0, "", 1, false, 1, "1 when the iterations summed over all workers == count (status interrupted: none over its share)") \
  X(round, i32, 0, "", 1, false, 0, "round-robin round in which the run was made") \
  X(start_s, f64, 0, "s", 1, false, 0.0, "start of the run relative to the launch start") \
  X(oversubscribed, u8, 0, "", 1, false, 0, "1 when workers outnumber allowed CPUs on a host") \
  X(shared_cores, u8, 0, "", 1, false, 0, "1 when two workers of the run started or ended on the same CPU") \
  X(interpreters, i32, 0, "", 3, false, 1, "emulated interpreters per rank, each with its own lock") \
  X(probe_period_s, f64, 0, "s", 3, false, 0.0, "latency-probe period; 0 when no probe ran") \
  X(probe_work_s, f64, 0, "s", 5, false, 0.0, "latency probe: work done per event while holding the lock (--probe-work); 0 when no probe ran") \
  X(cpu_s, f64, 0, "s", 3, false, ::gilbench::kUnknown, "CPU time of every worker of the run, plus the probe thread") \
  X(status, text, 16, "", 4, false, "complete", "complete, or interrupted: a signal's --stop-grace ran out before the workers finished (each worker's iterations in /samples; valid then means no worker counted more than its share); neither a measurement nor INVALID") \
  X(bind, text, 8, "", 5, false, "none", "binding used: cores (gilbench pinned every worker to one CPU, /samples bound_cpu) or none (left to OpenMP, the launcher and the OS)")

/// The columns of a worker's own; the lock counters (gil/lock.hpp) follow them in /samples.
#define GILBENCH_SAMPLE_COLUMNS(X) \
  X(run_id, i64, 0, "", 1, true, 0, "the run (/runs)") \
  X(rank, i32, 0, "", 1, true, 0, "MPI rank") \
  X(thread, i32, 0, "", 1, true, 0, "OpenMP thread number") \
  X(interpreter, i32, 0, "", 3, false, 0, "emulated interpreter of the thread (thread % interpreters)") \
  X(host, text, 64, "", 1, false, "", "hostname of the rank (inside Slurm: SLURMD_NODENAME)") \
  X(cpu_start, i32, 0, "", 1, false, -1, "CPU the worker ran on at its start (sched_getcpu)") \
  X(cpu_end, i32, 0, "", 1, false, -1, "CPU the worker ran on at its end") \
  X(bound_cpu, i32, 0, "", 5, false, -1, "CPU gilbench pinned the worker to (--bind), -1 when it did not pin it") \
  X(allowed_cpus, text, 256, "", 1, false, "", "the worker's allowed CPU set, list form (0-3,8)") \
  X(n_allowed, i32, 0, "", 1, false, 0, "number of CPUs in that set") \
  X(iterations, u64, 0, "iterations", 1, false, 0, "iterations this worker did") \
  X(wall_s, f64, 0, "s", 1, true, 0.0, "this worker's wall time") \
  X(cpu_s, f64, 0, "s", 1, false, 0.0, "this worker's CPU time (thread CPU clock)")

#define GILBENCH_TRACE_COLUMNS(X) \
  X(run_id, i64, 0, "", 2, true, 0, "the run (/runs)") \
  X(rank, i32, 0, "", 2, true, 0, "MPI rank") \
  X(thread, i32, 0, "", 2, true, 0, "OpenMP thread number; the latency-probe thread (role probe) is numbered after the rank's workers, i.e. runs.threads") \
  X(t_s, f64, 0, "s", 2, true, 0.0, "time since the start of the run") \
  X(event, event, 0, "", 2, true, 0, "request (starts asking), acquire (holds it), drop_request (a waiter asked the holder to drop), release (let it go)") \
  X(role, text, 8, "", 5, false, "worker", "worker (a countdown thread) or probe (the --probe latency thread, which takes interpreter 0's lock for each event)")

#define GILBENCH_LATENCY_COLUMNS(X) \
  X(run_id, i64, 0, "", 3, true, 0, "the run (/runs)") \
  X(rank, i32, 0, "", 3, false, 0, "MPI rank of the probe") \
  X(interpreter, i32, 0, "", 3, false, 0, "the probe's interpreter (always 0)") \
  X(event, u64, 0, "", 3, false, 0, "event number within the run and rank (0..n-1)") \
  X(sent_s, f64, 0, "s", 3, false, 0.0, "the sender wrote the event (since the run's start)") \
  X(woke_s, f64, 0, "s", 3, false, ::gilbench::kUnknown, "the probe thread returned from its blocking read") \
  X(acquired_s, f64, 0, "s", 3, false, ::gilbench::kUnknown, "the probe thread held the lock") \
  X(latency_s, f64, 0, "s", 3, true, 0.0, "acquired_s - sent_s: what a Python I/O thread waits for the GIL") \
  X(wake_s, f64, 0, "s", 3, false, ::gilbench::kUnknown, "woke_s - sent_s: the OS wake-up cost, plus the time the event waited in the pipe behind the previous one when events arrive faster than they are handled") \
  X(queue_s, f64, 0, "s", 3, false, ::gilbench::kUnknown, "acquired_s - woke_s: waiting for the lock behind the CPU threads")
// clang-format on

/// One launch (provenance).
struct LaunchRecord {
  GILBENCH_LAUNCH_COLUMNS(GILBENCH_MEMBER)
};

/// One run: a configuration's repetition.
struct RunRecord {
  GILBENCH_RUN_COLUMNS(GILBENCH_MEMBER)
};

/// One worker's measurements in one run. Trivially copyable: gathered with MPI as bytes.
struct Sample {
  GILBENCH_SAMPLE_COLUMNS(GILBENCH_MEMBER)
  gil::Counters lock;
};

/// One lock event of the --trace window, with the worker that made it.
struct TraceRecord {
  GILBENCH_TRACE_COLUMNS(GILBENCH_MEMBER)
};

/// One latency-probe event (--probe): times since the start of the run.
struct LatencyRecord {
  GILBENCH_LATENCY_COLUMNS(GILBENCH_MEMBER)
};

namespace schema {

/// A column that had another name in older versions: readers of a file older than `since` read
/// `old_name` as `name`.
struct Renamed {
  const char* table;
  const char* name;
  const char* old_name;
  int since;
};
inline constexpr Renamed kRenamed[] = {{"launches", "os", "kernel", 5}};

/// The table of a record type, and a visitor over its columns: visit(r, f) calls
/// f(const Column&, member&) for every column of r in file order.
template <class Record>
struct TableOf;

#define GILBENCH_VISIT_LOCK(name, kind, size, unit, since, required, init, meaning)                          \
  f(::gilbench::schema::Column{#name, ::gilbench::schema::Kind::kind, size, unit, since, required, meaning}, \
    r.lock.name);

/// TableOf<Record>: the table's declaration and a visitor whose body is the column calls.
#define GILBENCH_TABLE(Record, name, description, since, required, ...) \
  template <>                                                           \
  struct TableOf<Record> {                                              \
    using record = Record;                                              \
    static constexpr Table table{name, description, since, required};   \
    template <class R, class F>                                         \
    static void visit(R& r, F&& f) {                                    \
      __VA_ARGS__                                                       \
    }                                                                   \
  };

// clang-format off
GILBENCH_TABLE(LaunchRecord, "launches", "one row per gilbench launch: provenance", 1, true,
               GILBENCH_LAUNCH_COLUMNS(GILBENCH_VISIT))
GILBENCH_TABLE(RunRecord, "runs", "one row per (configuration, repetition)", 1, true,
               GILBENCH_RUN_COLUMNS(GILBENCH_VISIT))
GILBENCH_TABLE(Sample, "samples", "one row per (run, rank, thread): a worker's measurements", 1, true,
               GILBENCH_SAMPLE_COLUMNS(GILBENCH_VISIT) GILBENCH_LOCK_COUNTERS(GILBENCH_VISIT_LOCK))
GILBENCH_TABLE(TraceRecord, "trace", "lock events of the --trace window, times since the run's start", 2, false,
               GILBENCH_TRACE_COLUMNS(GILBENCH_VISIT))
GILBENCH_TABLE(LatencyRecord, "latency", "latency-probe events (--probe): times since the run's start", 3, false,
               GILBENCH_LATENCY_COLUMNS(GILBENCH_VISIT))
// clang-format on
#undef GILBENCH_TABLE

/// Calls f(TableOf<Record>{}) for every table, in file order.
template <class F>
void for_each_table(F&& f) {
  f(TableOf<LaunchRecord>{});
  f(TableOf<RunRecord>{});
  f(TableOf<Sample>{});
  f(TableOf<TraceRecord>{});
  f(TableOf<LatencyRecord>{});
}

}  // namespace schema
}  // namespace gilbench
