// Results-store benchmark (Google Benchmark): does an append cost what it adds?
//
//   BM_AppendSmallRound   one small round (2 runs, 4 samples, 1000 trace rows) appended through
//                         ResultsStore to a ~10 MB and to a ~1 GB file, alternating, in the same
//                         run; counters: small_ms, big_ms (medians), ratio = big_ms / small_ms
//                         (target <= 1.5), journal_kb (bytes below the old end of the big file
//                         that one append rewrites, journalled first), big_mb. The run fails
//                         (SkipWithError) when an append creates any file but the journal: no
//                         temporary copy of the results file.
//
// The two files are grown once with traced rounds through ResultsStore and kept for later runs in
// $GILBENCH_BENCH_DIR (default /tmp)/gilbench-store-bench: about 1.1 GB of disk; growing them
// takes a minute or two. Run: gilbench_bench_store [--benchmark_format=json]
#include <benchmark/benchmark.h>

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "app/exit_codes.hpp"
#include "report/stats.hpp"
#include "results/h5_store.hpp"
#include "results/undo_journal.hpp"

namespace {

using namespace gilbench;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMB = 1024 * 1024;

fs::path bench_dir() {
  const char* env = std::getenv("GILBENCH_BENCH_DIR");
  fs::path dir = fs::path(env != nullptr && *env != '\0' ? env : "/tmp") / "gilbench-store-bench";
  fs::create_directories(dir);
  return dir;
}

std::uint64_t size_of(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

/// One round: `runs` runs of 2 workers, `trace_rows` lock events with random times (the trace
/// then compresses like a real one, barely).
struct Round {
  std::vector<RunRecord> runs;
  std::vector<Sample> samples;
  std::vector<TraceRecord> trace;
};

Round make_round(std::int64_t first_run, int runs, std::size_t trace_rows, std::mt19937_64& rng) {
  Round r;
  std::uniform_real_distribution<double> t(0, 10);
  for (int i = 0; i < runs; ++i) {
    RunRecord run;
    run.run_id = first_run + i, run.threads = 2, run.lock = "gil", run.count = 1000000, run.valid = 1;
    run.wall_s = 0.1;
    r.runs.push_back(run);
    for (int th = 0; th < 2; ++th) {
      Sample s;
      s.run_id = run.run_id, s.thread = th, s.iterations = 500000, s.wall_s = 0.1;
      r.samples.push_back(s);
    }
  }
  r.trace.reserve(trace_rows);
  for (std::size_t i = 0; i < trace_rows; ++i)
    r.trace.push_back(
        TraceRecord{first_run, 0, static_cast<std::int32_t>(rng() % 8), t(rng), static_cast<std::uint8_t>(rng() % 4)});
  return r;
}

void append(ResultsStore& store, const Round& r) {
  LaunchRecord launch;
  launch.launch_id = store.info().next_launch_id;
  store.append(launch, r.runs, r.samples, r.trace);
}

/// Grows `file` with big traced rounds until it holds at least `target` bytes (kept from an
/// earlier run when it already does and is a results file of this gilbench).
void grow(const fs::path& file, std::uint64_t target) {
  try {
    if (size_of(file) >= target && ResultsStore::inspect(file.string()).schema_version == kSchemaVersion) return;
  } catch (const Error&) {
  }
  fs::remove(file);
  std::mt19937_64 rng(42);
  ResultsStore store(file.string());
  std::int64_t run_id = 0;
  while (size_of(file) < target) {
    const std::size_t rows = static_cast<std::size_t>(std::min<std::uint64_t>(target / 16, 4'000'000));
    append(store, make_round(run_id, 1, rows, rng));
    run_id += 1;
  }
}

/// Names of the files created in a directory while it is watched (inotify IN_CREATE).
class CreatedFiles {
 public:
  explicit CreatedFiles(const fs::path& dir) : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    if (fd_ >= 0) inotify_add_watch(fd_, dir.c_str(), IN_CREATE);
  }
  CreatedFiles(const CreatedFiles&) = delete;
  CreatedFiles& operator=(const CreatedFiles&) = delete;
  ~CreatedFiles() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] bool watching() const { return fd_ >= 0; }
  std::set<std::string> drain() {
    std::set<std::string> names;
    alignas(inotify_event) std::array<char, 1 << 16> buf{};
    for (ssize_t n; (n = ::read(fd_, buf.data(), buf.size())) > 0;)
      for (ssize_t at = 0; at < n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + at);
        if (ev->len > 0) names.insert(ev->name);
        at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      }
    return names;
  }

 private:
  int fd_;
};

void BM_AppendSmallRound(benchmark::State& state) {
  const fs::path dir = bench_dir(), small = dir / "small.h5", big = dir / "big.h5";
  grow(small, 10 * kMB);
  grow(big, 1024 * kMB);
  ResultsStore small_store(small.string()), big_store(big.string());
  std::mt19937_64 rng(7);
  const Round round = make_round(1'000'000'000, 2, 1000, rng);
  CreatedFiles created(dir);
  if (!created.watching()) state.SkipWithError("inotify unavailable: cannot check for temporary copies");
  std::vector<double> small_ms, big_ms;
  std::uint64_t journal_bytes = 0;
  bool flip = false;
  for (auto _ : state) {
    for (int side = 0; side < 2; ++side) {
      const bool to_big = (side == 0) == flip;
      const auto t0 = Clock::now();
      append(to_big ? big_store : small_store, round);
      (to_big ? big_ms : small_ms).push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (to_big) journal_bytes = std::max(journal_bytes, undo_journal::last_commit().bytes);
    }
    flip = !flip;
  }
  // Only the driver's journal (made as .journal.new, renamed) may appear beside the files.
  for (const std::string& name : created.drain())
    if (name.find(".journal") == std::string::npos)
      state.SkipWithError(("an append created " + name + ": a temporary copy of the results file?").c_str());
  state.counters["small_ms"] = stats::median(small_ms);
  state.counters["big_ms"] = stats::median(big_ms);
  state.counters["ratio"] = stats::median(big_ms) / stats::median(small_ms);
  state.counters["journal_kb"] = static_cast<double>(journal_bytes) / 1024.0;
  state.counters["big_mb"] = static_cast<double>(size_of(big)) / static_cast<double>(kMB);
}

}  // namespace

BENCHMARK(BM_AppendSmallRound)->Iterations(15)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
