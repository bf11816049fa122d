// init → parse → check output → calibrate → sweep (run, gather, append each round) → verify →
// summary → exit code. Only rank 0 talks; every rank leaves with the same exit code.
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "machine/affinity.hpp"
#include "app/cli.hpp"
#include "app/config.hpp"
#include "machine/provenance.hpp"
#include "app/exit_codes.hpp"
#include "results/h5_store.hpp"
#include "sweep/plan.hpp"
#include "app/progress.hpp"
#include "results/schema.hpp"
#include "sweep/runner.hpp"
#include "app/signals.hpp"
#include "report/summary.hpp"
#include "app/units.hpp"

namespace gilbench {
namespace {

/// Rank 0's status, shared with every rank; on failure rank 0 prints the message and everyone
/// leaves through MPI_Finalize with the code (no MPI_Abort banner for bad input).
int agree(MPI_Comm comm, int rank, ExitCode code, const std::string& message) {
  int c = static_cast<int>(code);
  MPI_Bcast(&c, 1, MPI_INT, 0, comm);
  if (c != 0 && rank == 0) std::fprintf(stderr, "gilbench: %s\n", message.c_str());
  return c;
}

std::string hosts_of_all_ranks(MPI_Comm comm, int rank, int size) {
  char mine[64] = {};
  std::strncpy(mine, provenance::hostname().c_str(), sizeof mine - 1);
  std::vector<char> all(rank == 0 ? 64 * static_cast<std::size_t>(size) : 0);
  MPI_Gather(mine, 64, MPI_CHAR, all.data(), 64, MPI_CHAR, 0, comm);
  std::vector<std::string> hosts;
  for (int r = 0; rank == 0 && r < size; ++r) {
    std::string h(all.data() + 64 * r);
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  }
  std::string out;
  for (const auto& h : hosts) out += (out.empty() ? "" : ",") + h;
  return out;
}

std::string join_threads(const std::vector<int>& t) {
  std::string s;
  for (int v : t) s += (s.empty() ? "" : ",") + std::to_string(v);
  return s;
}

std::string join_locks(const std::vector<gil::Policy>& locks) {
  std::string s;
  for (auto p : locks) s += (s.empty() ? "" : ",") + std::string(gil::to_string(p));
  return s;
}

int run_main(int argc, char** argv) {
  ParseResult parsed = parse_command_line(argc, argv, provenance::versions_text());
  const bool job_scope = parsed.action == ParseResult::Action::run && parsed.config.lock_scope == LockScope::job;
  const int required = job_scope ? MPI_THREAD_MULTIPLE : MPI_THREAD_FUNNELED;
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, required, &provided);
  // Test hook: pretend the MPI library granted less (to exercise the refusal of job scope).
  if (const char* cap = std::getenv("GILBENCH_TEST_THREAD_LEVEL"); cap != nullptr && std::string(cap) == "funneled")
    provided = std::min(provided, static_cast<int>(MPI_THREAD_FUNNELED));
  MPI_Comm comm = MPI_COMM_WORLD;
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_ARE_FATAL);
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);

  auto leave = [&](int code) {
    MPI_Finalize();
    return code;
  };
  if (parsed.action == ParseResult::Action::exit) {
    if (rank == 0) std::fputs(parsed.output.c_str(), parsed.to_stderr ? stderr : stdout);
    return leave(static_cast<int>(parsed.code));
  }
  Config cfg = parsed.config;  // read-only after --count auto is resolved below
  if (job_scope && provided < MPI_THREAD_MULTIPLE) {
    if (rank == 0)
      std::fprintf(stderr, "gilbench: --lock-scope job needs MPI_THREAD_MULTIPLE, but this MPI granted only %s\n",
                   provenance::thread_level_name(provided).c_str());
    return leave(static_cast<int>(ExitCode::usage));
  }
  if (provided < MPI_THREAD_FUNNELED) {
    if (rank == 0)
      std::fprintf(stderr, "gilbench: this MPI granted %s; OpenMP threads need at least MPI_THREAD_FUNNELED\n",
                   provenance::thread_level_name(provided).c_str());
    return leave(static_cast<int>(ExitCode::runtime));
  }
  signals::install();

  // Results file: checked (and locked) before any work, never modified when refused.
  std::unique_ptr<ResultsStore> store;
  {
    ExitCode code = ExitCode::ok;
    std::string message;
    if (rank == 0) {
      try {
        store = std::make_unique<ResultsStore>(cfg.output);
      } catch (const Error& e) {
        code = e.code();
        message = e.what();
      }
    }
    if (const int c = agree(comm, rank, code, message); c != 0) return leave(c);
  }

  // Kernel self-check on every rank, then --count auto on rank 0.
  {
    int bad = 0;
    std::string message;
    try {
      kernel_self_check();
    } catch (const Error& e) {
      bad = 1;
      message = e.what();
    }
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm);
    if (bad) {
      if (!message.empty()) std::fprintf(stderr, "gilbench: rank %d: %s\n", rank, message.c_str());
      return leave(static_cast<int>(ExitCode::runtime));
    }
  }
  double calibrated_rate = 0;
  if (cfg.count_auto_s > 0) {
    if (rank == 0) calibrated_rate = measure_kernel_rate(std::min(0.5, std::max(0.1, cfg.count_auto_s / 4)));
    MPI_Bcast(&calibrated_rate, 1, MPI_DOUBLE, 0, comm);
    cfg.count = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(calibrated_rate * cfg.count_auto_s)));
  }

  const auto launch_start = std::chrono::steady_clock::now();
  LaunchRecord launch;
  const std::string hosts = hosts_of_all_ranks(comm, rank, size);
  if (rank == 0) {
    launch = provenance::collect(cfg.command_line, provenance::thread_level_name(provided));
    launch.launch_id = store->info().next_launch_id;
    launch.hosts = hosts;
    launch.ranks = size;
    launch.count_auto_s = cfg.count_auto_s;
    launch.calibrated_rate = calibrated_rate;
    launch.exit_status = "incomplete";
  }

  const std::vector<RunConfig> configs = make_configs(cfg);
  const auto rounds = make_rounds(static_cast<int>(configs.size()), cfg.warmup, cfg.repeat);
  const std::size_t total_runs = configs.size() * rounds.size();
  if (rank == 0 && !cfg.quiet) {
    std::fprintf(stderr,
                 "%s\n  %d rank%s x %s thread%s on %s | N = %s %s%s | lock %s | %d repetition%s + %d warm-up per "
                 "configuration, %zu configuration%s, round robin | results -> %s\n",
                 provenance::build_description().c_str(), size, size == 1 ? "" : "s", join_threads(cfg.threads).c_str(),
                 cfg.threads.size() == 1 && cfg.threads[0] == 1 ? "" : "s", hosts.c_str(),
                 units::format_count(cfg.count).c_str(), cfg.scaling == Scaling::weak ? "per worker (weak)" : "total (strong)",
                 cfg.count_auto_s > 0 ? (" [auto: " + units::format_duration(cfg.count_auto_s) + " sequential]").c_str() : "",
                 join_locks(cfg.locks).c_str(), cfg.repeat, cfg.repeat == 1 ? "" : "s", cfg.warmup, configs.size(),
                 configs.size() == 1 ? "" : "s", cfg.output.c_str());
  }

  Runner runner(cfg, comm, launch_start);
  Progress progress(total_runs, rank == 0 && !cfg.quiet);
  std::vector<RunRecord> all_runs;
  std::vector<Sample> all_samples;
  std::vector<LatencyRecord> all_latency;
  std::int64_t next_run_id = rank == 0 ? store->info().next_run_id : 0;
  MPI_Bcast(&next_run_id, 1, MPI_INT64_T, 0, comm);  // every rank tags its samples alike
  std::size_t done = 0;
  bool interrupted = false, warned_over = false, warned_shared = false;

  for (const auto& round : rounds) {
    std::vector<RunRecord> round_runs;
    std::vector<Sample> round_samples;
    std::vector<TraceRecord> round_trace;
    std::vector<LatencyRecord> round_latency;
    for (const PlannedRun& pr : round) {
      const RunConfig& rc = configs[static_cast<std::size_t>(pr.config)];
      RunOutcome out;
      try {
        out = runner.run(rc, pr, next_run_id, launch.launch_id);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "gilbench: rank %d: %s\n", rank, e.what());
        std::fflush(stderr);
        MPI_Abort(comm, static_cast<int>(ExitCode::runtime));
      }
      ++done;
      ++next_run_id;
      if (rank == 0) {
        const RunRecord& r = out.run;
        if (r.oversubscribed && !warned_over) {
          warned_over = true;
          progress.finish();
          std::fprintf(stderr,
                       "gilbench: warning: %s has more workers than allowed CPUs on a host (oversubscribed): timings "
                       "include time-sharing, not only parallel work\n",
                       describe(rc, size).c_str());
        }
        if (r.shared_cores && !warned_shared) {
          warned_shared = true;
          progress.finish();
          std::fprintf(stderr,
                       "gilbench: warning: workers of %s shared a CPU (see cpu_start/cpu_end in /samples); bind them "
                       "apart (OMP_PLACES=cores OMP_PROC_BIND=close, mpirun --map-by slot:PE=T)\n",
                       describe(rc, size).c_str());
        }
        launch.gather_s += out.gather_s;
        // CPUs rank 0's workers may use: the union of their allowed sets (the main thread's own
        // mask is a single CPU once OMP_PROC_BIND has pinned it).
        std::set<int> rank0_cpus;
        for (const Sample& s : out.samples)
          if (s.rank == 0)
            for (int c : affinity::parse_list(s.allowed_cpus.str())) rank0_cpus.insert(c);
        launch.allowed_cpus = std::max(launch.allowed_cpus, static_cast<std::int32_t>(rank0_cpus.size()));
        launch.oversubscribed |= r.oversubscribed;
        launch.shared_cores |= r.shared_cores;
        round_runs.push_back(r);
        round_samples.insert(round_samples.end(), out.samples.begin(), out.samples.end());
        round_trace.insert(round_trace.end(), out.trace.begin(), out.trace.end());
        round_latency.insert(round_latency.end(), out.latency.begin(), out.latency.end());
        all_latency.insert(all_latency.end(), out.latency.begin(), out.latency.end());
        progress.update(done, describe(rc, size) + (pr.warmup ? " warm-up" : " rep " + std::to_string(pr.repetition + 1)));
      }
      int stop = signals::stop_requested() ? 1 : 0;
      MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, comm);
      if (stop) {
        interrupted = true;
        break;
      }
    }
    // Every finished round is on disk before the next one starts.
    if (rank == 0) {
      launch.exit_status = interrupted ? "interrupted" : (&round == &rounds.back() ? "complete" : "incomplete");
      try {
        ++launch.rounds_written;
        const auto w0 = std::chrono::steady_clock::now();
        store->append(launch, round_runs, round_samples, round_trace, round_latency);
        launch.write_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
      } catch (const Error& e) {
        progress.finish();
        std::fprintf(stderr, "gilbench: %s\n", e.what());
        std::fflush(stderr);
        MPI_Abort(comm, static_cast<int>(ExitCode::io));
      }
      all_runs.insert(all_runs.end(), round_runs.begin(), round_runs.end());
      all_samples.insert(all_samples.end(), round_samples.begin(), round_samples.end());
    }
    if (interrupted) break;
  }

  int code = 0;
  if (rank == 0) {
    progress.finish();
    if (interrupted) {
      std::fprintf(stderr, "gilbench: interrupted by signal %d: %zu of %zu runs saved in %s\n", signals::received_signal(),
                   all_runs.size(), total_runs, cfg.output.c_str());
      code = static_cast<int>(ExitCode::interrupted);
    }
    std::size_t invalid = 0;
    std::uint64_t iterations = 0;
    for (const RunRecord& r : all_runs) {
      invalid += r.valid ? 0 : 1;
      iterations += r.count;
    }
    FILE* verdict_stream = cfg.format == OutputFormat::table ? stdout : stderr;
    if (invalid == 0)
      std::fprintf(verdict_stream, "VALID: %zu runs, every worker counted its share exactly (%s iterations in all)\n",
                   all_runs.size(), units::format_count(iterations).c_str());
    else
      std::fprintf(verdict_stream, "INVALID: %zu of %zu runs did not count the iterations asked\n", invalid,
                   all_runs.size());
    std::fflush(verdict_stream);
    // Baselines a launch lacks (a processes-only launch has no 1x1) come from the file's other launches.
    std::vector<RunRecord> file_runs;
    try {
      file_runs = ResultsStore::read_runs(cfg.output);
    } catch (const Error&) {  // the summary then has only the launch's own baselines
    }
    print_summary(std::cout, summarise(all_runs, all_samples, all_latency, file_runs), cfg.format);
    std::cout.flush();
    if (invalid != 0 && code == 0) code = static_cast<int>(ExitCode::validation);
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, comm);
  store.reset();
  return leave(code);
}

}  // namespace
}  // namespace gilbench

int main(int argc, char** argv) { return gilbench::run_main(argc, argv); }
