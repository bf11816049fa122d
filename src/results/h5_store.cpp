// The results file (only src/results/ includes hdf5.h). Every HDF5 call goes through check();
// every handle is owned by an H5Handle. See h5_store.hpp for the crash-safety design and
// docs/schema.md for the layout.
#include "results/h5_store.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>

#include "app/exit_codes.hpp"
#include "results/undo_journal.hpp"

namespace gilbench {
namespace {

[[noreturn]] void io_error(const std::string& message) { throw Error(ExitCode::io, message); }

/// Owns one HDF5 identifier and closes it with the matching H5?close.
class H5Handle {
 public:
  H5Handle() = default;
  H5Handle(hid_t id, herr_t (*closer)(hid_t), const char* what) : id_(id), closer_(closer) {
    if (id < 0) io_error(std::string("HDF5 failed: ") + what);
  }
  H5Handle(H5Handle&& o) noexcept : id_(std::exchange(o.id_, -1)), closer_(o.closer_) {}
  H5Handle& operator=(H5Handle&& o) noexcept {
    reset();
    id_ = std::exchange(o.id_, -1);
    closer_ = o.closer_;
    return *this;
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() { reset(); }
  void reset() {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = -1;
  }
  /// Gives up ownership, for a close whose result matters.
  [[nodiscard]] hid_t release() noexcept { return std::exchange(id_, -1); }
  [[nodiscard]] hid_t get() const noexcept { return id_; }
  operator hid_t() const noexcept { return id_; }  // NOLINT: handles are passed to the C API

 private:
  hid_t id_ = -1;
  herr_t (*closer_)(hid_t) = nullptr;
};

void check(herr_t status, const char* what) {
  if (status < 0) io_error(std::string("HDF5 failed: ") + what);
}

/// HDF5's default error stack printing would spill dozens of lines; we report one line.
struct SilenceHdf5 {
  SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const SilenceHdf5 silence_hdf5;

// ---------------------------------------------------------------- types
H5Handle string_type(std::size_t size) {
  H5Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  if (size == 0) {
    check(H5Tset_size(t, H5T_VARIABLE), "vlen string");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "utf8");
  } else {
    check(H5Tset_size(t, size), "string size");
    check(H5Tset_strpad(t, H5T_STR_NULLTERM), "string pad");
  }
  return t;
}

/// Builds a compound type field by field; keeps the units of each field for the table's
/// "units" attribute.
class Compound {
 public:
  explicit Compound(std::size_t size) : type_(H5Tcreate(H5T_COMPOUND, size), H5Tclose, "compound") {}
  Compound& field(const char* name, std::size_t offset, hid_t type, const char* unit = "") {
    check(H5Tinsert(type_, name, offset, type), name);
    if (*unit != '\0') {
      if (!units_.empty()) units_.append(", ");
      units_.append("\"").append(name).append("\": \"").append(unit).append("\"");
    }
    return *this;
  }
  Compound& text(const char* name, std::size_t offset, std::size_t size) {
    strings_.push_back(string_type(size));
    return field(name, offset, strings_.back());
  }
  [[nodiscard]] hid_t id() const { return type_; }
  [[nodiscard]] std::string units_json() const { return "{" + units_ + "}"; }

 private:
  H5Handle type_;
  std::vector<H5Handle> strings_;
  std::string units_;
};

#define GB_FIELD(T, f) #f, offsetof(T, f)

// Rows as written: fixed-size, standard-layout mirrors of the records.
struct RunRow {
  std::int64_t run_id, launch_id;
  std::int32_t config_id, ranks, threads;
  char lock[16], lock_scope[8], scaling[8];
  double switch_interval_s;
  std::int64_t check_interval, tick_iterations;
  std::uint64_t count;
  std::int32_t repetition, round;
  std::uint8_t warmup, valid, oversubscribed, shared_cores;
  double wall_s, start_s;
  std::int32_t interpreters;
  double probe_period_s, cpu_s;
};

Compound run_type() {
  Compound c(sizeof(RunRow));
  c.field(GB_FIELD(RunRow, run_id), H5T_NATIVE_INT64)
      .field(GB_FIELD(RunRow, launch_id), H5T_NATIVE_INT64)
      .field(GB_FIELD(RunRow, config_id), H5T_NATIVE_INT32)
      .field(GB_FIELD(RunRow, ranks), H5T_NATIVE_INT32)
      .field(GB_FIELD(RunRow, threads), H5T_NATIVE_INT32)
      .text(GB_FIELD(RunRow, lock), 16)
      .text(GB_FIELD(RunRow, lock_scope), 8)
      .field(GB_FIELD(RunRow, switch_interval_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(RunRow, check_interval), H5T_NATIVE_INT64, "ticks")
      .field(GB_FIELD(RunRow, tick_iterations), H5T_NATIVE_INT64, "iterations/tick")
      .field(GB_FIELD(RunRow, count), H5T_NATIVE_UINT64, "iterations")
      .text(GB_FIELD(RunRow, scaling), 8)
      .field(GB_FIELD(RunRow, repetition), H5T_NATIVE_INT32)
      .field(GB_FIELD(RunRow, warmup), H5T_NATIVE_UINT8)
      .field(GB_FIELD(RunRow, wall_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(RunRow, valid), H5T_NATIVE_UINT8)
      .field(GB_FIELD(RunRow, round), H5T_NATIVE_INT32)
      .field(GB_FIELD(RunRow, start_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(RunRow, oversubscribed), H5T_NATIVE_UINT8)
      .field(GB_FIELD(RunRow, shared_cores), H5T_NATIVE_UINT8)
      .field(GB_FIELD(RunRow, interpreters), H5T_NATIVE_INT32)
      .field(GB_FIELD(RunRow, probe_period_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(RunRow, cpu_s), H5T_NATIVE_DOUBLE, "s");
  return c;
}

Compound sample_type() {
  using S = Sample;
  constexpr std::size_t L = offsetof(Sample, lock);
  Compound c(sizeof(Sample));
  c.field(GB_FIELD(S, run_id), H5T_NATIVE_INT64)
      .field(GB_FIELD(S, rank), H5T_NATIVE_INT32)
      .field(GB_FIELD(S, thread), H5T_NATIVE_INT32)
      .field(GB_FIELD(S, interpreter), H5T_NATIVE_INT32)
      .text(GB_FIELD(S, host), sizeof(S::host))
      .field(GB_FIELD(S, cpu_start), H5T_NATIVE_INT32)
      .field(GB_FIELD(S, cpu_end), H5T_NATIVE_INT32)
      .text(GB_FIELD(S, allowed_cpus), sizeof(S::allowed_cpus))
      .field(GB_FIELD(S, n_allowed), H5T_NATIVE_INT32)
      .field(GB_FIELD(S, iterations), H5T_NATIVE_UINT64, "iterations")
      .field(GB_FIELD(S, wall_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(S, cpu_s), H5T_NATIVE_DOUBLE, "s");
  using C = gil::Counters;
  const struct { const char* name; std::size_t off; } counters[] = {
      {"acquisitions", offsetof(C, acquisitions)},   {"switches", offsetof(C, switches)},
      {"forced_drops", offsetof(C, forced_drops)},   {"drop_requests", offsetof(C, drop_requests)},
      {"wait_timeouts", offsetof(C, wait_timeouts)}, {"checks", offsetof(C, checks)},
      {"self_reacquires", offsetof(C, self_reacquires)}, {"handoffs", offsetof(C, handoffs)},
      {"ctx_voluntary", offsetof(C, ctx_voluntary)}, {"ctx_involuntary", offsetof(C, ctx_involuntary)}};
  for (const auto& f : counters) c.field(f.name, L + f.off, H5T_NATIVE_UINT64);
  c.field("wait_s", L + offsetof(C, wait_s), H5T_NATIVE_DOUBLE, "s")
      .field("hold_s", L + offsetof(C, hold_s), H5T_NATIVE_DOUBLE, "s")
      .field("switch_wait_s", L + offsetof(C, switch_wait_s), H5T_NATIVE_DOUBLE, "s");
  return c;
}

H5Handle trace_event_type() {
  H5Handle t(H5Tenum_create(H5T_NATIVE_UINT8), H5Tclose, "enum");
  const char* names[] = {"request", "acquire", "drop_request", "release"};
  for (std::uint8_t i = 0; i < 4; ++i) check(H5Tenum_insert(t, names[i], &i), "enum insert");
  return t;
}

Compound trace_type(hid_t event_enum) {
  Compound c(sizeof(TraceRecord));
  c.field(GB_FIELD(TraceRecord, run_id), H5T_NATIVE_INT64)
      .field(GB_FIELD(TraceRecord, rank), H5T_NATIVE_INT32)
      .field(GB_FIELD(TraceRecord, thread), H5T_NATIVE_INT32)
      .field(GB_FIELD(TraceRecord, t_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(TraceRecord, event), event_enum);
  return c;
}

Compound latency_type() {
  using L = LatencyRecord;
  Compound c(sizeof(LatencyRecord));
  c.field(GB_FIELD(L, run_id), H5T_NATIVE_INT64)
      .field(GB_FIELD(L, rank), H5T_NATIVE_INT32)
      .field(GB_FIELD(L, interpreter), H5T_NATIVE_INT32)
      .field(GB_FIELD(L, event), H5T_NATIVE_UINT64)
      .field(GB_FIELD(L, sent_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(L, woke_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(L, acquired_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(L, latency_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(L, wake_s), H5T_NATIVE_DOUBLE, "s")
      .field(GB_FIELD(L, queue_s), H5T_NATIVE_DOUBLE, "s");
  return c;
}

/// The launch row: pointers into the LaunchRecord's strings (vlen strings), numbers by value.
struct LaunchRow {
  std::int64_t launch_id;
  const char *start_time;
  double start_unix;
  const char *gilbench_version, *git_revision, *compiler, *cxx_flags, *mpi_library, *mpi_version,
      *mpi_thread_level, *hdf5_version, *openmp_version, *cpu_model, *kernel, *governor, *smt;
  double cpu_mhz, loadavg, timer_resolution_s;
  const char *hosts, *command_line, *env_omp, *env_slurm;
  std::int32_t ranks, allowed_cpus;
  std::uint8_t oversubscribed, shared_cores;
  double count_auto_s, calibrated_rate;
  const char* exit_status;
  std::int32_t rounds_written;
  double gather_s, write_s;
  const char *slurm_job_id, *slurm_array_job_id, *slurm_array_task_id, *slurm_step_id, *slurm_nodelist,
      *slurm_partition;
  std::int32_t slurm_ntasks, slurm_cpus_per_task;
};

LaunchRow launch_row(const LaunchRecord& r) {
  return LaunchRow{r.launch_id, r.start_time.c_str(), r.start_unix, r.gilbench_version.c_str(),
                   r.git_revision.c_str(), r.compiler.c_str(), r.cxx_flags.c_str(), r.mpi_library.c_str(),
                   r.mpi_version.c_str(), r.mpi_thread_level.c_str(), r.hdf5_version.c_str(),
                   r.openmp_version.c_str(), r.cpu_model.c_str(), r.kernel.c_str(), r.governor.c_str(),
                   r.smt.c_str(), r.cpu_mhz, r.loadavg, r.timer_resolution_s, r.hosts.c_str(),
                   r.command_line.c_str(), r.env_omp.c_str(), r.env_slurm.c_str(), r.ranks, r.allowed_cpus,
                   r.oversubscribed, r.shared_cores, r.count_auto_s, r.calibrated_rate, r.exit_status.c_str(), r.rounds_written, r.gather_s, r.write_s,
                   r.slurm_job_id.c_str(), r.slurm_array_job_id.c_str(), r.slurm_array_task_id.c_str(),
                   r.slurm_step_id.c_str(), r.slurm_nodelist.c_str(), r.slurm_partition.c_str(), r.slurm_ntasks,
                   r.slurm_cpus_per_task};
}

Compound launch_type() {
  using L = LaunchRow;
  Compound c(sizeof(LaunchRow));
  c.field(GB_FIELD(L, launch_id), H5T_NATIVE_INT64).text(GB_FIELD(L, start_time), 0);
  c.field(GB_FIELD(L, start_unix), H5T_NATIVE_DOUBLE, "s");
  c.text(GB_FIELD(L, gilbench_version), 0).text(GB_FIELD(L, git_revision), 0).text(GB_FIELD(L, compiler), 0);
  c.text(GB_FIELD(L, cxx_flags), 0).text(GB_FIELD(L, mpi_library), 0).text(GB_FIELD(L, mpi_version), 0);
  c.text(GB_FIELD(L, mpi_thread_level), 0).text(GB_FIELD(L, hdf5_version), 0);
  c.text(GB_FIELD(L, openmp_version), 0).text(GB_FIELD(L, cpu_model), 0).text(GB_FIELD(L, kernel), 0);
  c.text(GB_FIELD(L, governor), 0).text(GB_FIELD(L, smt), 0);
  c.field(GB_FIELD(L, cpu_mhz), H5T_NATIVE_DOUBLE, "MHz").field(GB_FIELD(L, loadavg), H5T_NATIVE_DOUBLE);
  c.field(GB_FIELD(L, timer_resolution_s), H5T_NATIVE_DOUBLE, "s");
  c.text(GB_FIELD(L, hosts), 0).text(GB_FIELD(L, command_line), 0).text(GB_FIELD(L, env_omp), 0);
  c.text(GB_FIELD(L, env_slurm), 0);
  c.field(GB_FIELD(L, ranks), H5T_NATIVE_INT32).field(GB_FIELD(L, allowed_cpus), H5T_NATIVE_INT32);
  c.field(GB_FIELD(L, oversubscribed), H5T_NATIVE_UINT8).field(GB_FIELD(L, shared_cores), H5T_NATIVE_UINT8);
  c.field(GB_FIELD(L, count_auto_s), H5T_NATIVE_DOUBLE, "s");
  c.field(GB_FIELD(L, calibrated_rate), H5T_NATIVE_DOUBLE, "iterations/s");
  c.text(GB_FIELD(L, exit_status), 0);
  c.field(GB_FIELD(L, rounds_written), H5T_NATIVE_INT32);
  c.field(GB_FIELD(L, gather_s), H5T_NATIVE_DOUBLE, "s").field(GB_FIELD(L, write_s), H5T_NATIVE_DOUBLE, "s");
  c.text(GB_FIELD(L, slurm_job_id), 0).text(GB_FIELD(L, slurm_array_job_id), 0);
  c.text(GB_FIELD(L, slurm_array_task_id), 0).text(GB_FIELD(L, slurm_step_id), 0);
  c.text(GB_FIELD(L, slurm_nodelist), 0).text(GB_FIELD(L, slurm_partition), 0);
  c.field(GB_FIELD(L, slurm_ntasks), H5T_NATIVE_INT32).field(GB_FIELD(L, slurm_cpus_per_task), H5T_NATIVE_INT32);
  return c;
}

// ---------------------------------------------------------------- attributes
void write_string_attr(hid_t obj, const char* name, const std::string& value) {
  H5Handle t = string_type(value.size() + 1);
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  H5Handle a(H5Acreate2(obj, name, t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  check(H5Awrite(a, t, value.c_str()), name);
}

void write_int_attr(hid_t obj, const char* name, int value) {
  H5Handle space(H5Screate(H5S_SCALAR), H5Sclose, "scalar space");
  H5Handle a(H5Acreate2(obj, name, H5T_NATIVE_INT32, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, name);
  check(H5Awrite(a, H5T_NATIVE_INT32, &value), name);
}

std::string read_string_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return {};
  H5Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, name);
  H5Handle ft(H5Aget_type(a), H5Tclose, "attribute type");
  if (H5Tget_class(ft) != H5T_STRING) return {};
  if (H5Tis_variable_str(ft) > 0) {
    H5Handle mt = string_type(0);
    char* s = nullptr;
    check(H5Aread(a, mt, &s), name);
    std::string out = s != nullptr ? s : "";
    H5free_memory(s);
    return out;
  }
  const std::size_t size = H5Tget_size(ft);
  std::string buf(size + 1, '\0');
  H5Handle mt = string_type(size + 1);
  check(H5Aread(a, mt, buf.data()), name);
  return buf.c_str();
}

int read_int_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return 0;
  H5Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, name);
  int v = 0;
  check(H5Aread(a, H5T_NATIVE_INT32, &v), name);
  return v;
}

std::string iso_now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// ---------------------------------------------------------------- tables
struct TableSpec {
  const char* name;
  const char* description;
};
constexpr TableSpec kLaunches{"launches", "one row per gilbench launch: provenance"};
constexpr TableSpec kRuns{"runs", "one row per (configuration, repetition)"};
constexpr TableSpec kSamples{"samples", "one row per (run, rank, thread): a worker's measurements"};
constexpr TableSpec kTrace{"trace", "lock events of the --trace window, times since the run's start"};
constexpr TableSpec kLatency{"latency", "latency-probe events (--probe): times since the run's start"};

H5Handle open_or_create_table(hid_t file, const TableSpec& spec, const Compound& type) {
  if (H5Lexists(file, spec.name, H5P_DEFAULT) > 0)
    return H5Handle(H5Dopen2(file, spec.name, H5P_DEFAULT), H5Dclose, spec.name);
  const hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {512};
  H5Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose, "table space");
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "dcpl");
  check(H5Pset_chunk(dcpl, 1, chunk), "chunk");
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) check(H5Pset_deflate(dcpl, 4), "deflate");
  H5Handle d(H5Dcreate2(file, spec.name, type.id(), space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, spec.name);
  write_string_attr(d, "description", spec.description);
  write_string_attr(d, "units", type.units_json());
  return d;
}

hsize_t table_size(hid_t dset) {
  H5Handle space(H5Dget_space(dset), H5Sclose, "table space");
  hsize_t n = 0;
  check(H5Sget_simple_extent_dims(space, &n, nullptr) < 0 ? -1 : 0, "table size");
  return n;
}

/// Writes `count` rows at row `at`, growing the table as needed.
void write_rows(hid_t dset, hid_t mem_type, hsize_t at, const void* rows, hsize_t count) {
  if (count == 0) return;
  const hsize_t need = at + count;
  if (need > table_size(dset)) check(H5Dset_extent(dset, &need), "extend table");
  H5Handle fspace(H5Dget_space(dset), H5Sclose, "file space");
  check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &at, nullptr, &count, nullptr), "select rows");
  H5Handle mspace(H5Screate_simple(1, &count, nullptr), H5Sclose, "memory space");
  check(H5Dwrite(dset, mem_type, mspace, fspace, H5P_DEFAULT, rows), "write rows");
}

/// max(column) + 1 over an int64 column of a table, 0 for an empty or missing table.
std::int64_t next_id(hid_t file, const char* table, const char* column) {
  if (H5Lexists(file, table, H5P_DEFAULT) <= 0) return 0;
  H5Handle d(H5Dopen2(file, table, H5P_DEFAULT), H5Dclose, table);
  const hsize_t n = table_size(d);
  if (n == 0) return 0;
  H5Handle t(H5Tcreate(H5T_COMPOUND, sizeof(std::int64_t)), H5Tclose, "id type");
  check(H5Tinsert(t, column, 0, H5T_NATIVE_INT64), column);
  std::vector<std::int64_t> ids(n);
  check(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()), column);
  return *std::max_element(ids.begin(), ids.end()) + 1;
}

// ---------------------------------------------------------------- file plumbing
std::string directory_of(const std::string& path) {
  const auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

}  // namespace

// ---------------------------------------------------------------- ResultsStore
FileInfo ResultsStore::inspect(const std::string& path) {
  FileInfo info;
  struct stat st {};
  (void)undo_journal::recover(path);  // a crashed append first: its file may be gone after that
  if (::stat(path.c_str(), &st) != 0) return info;
  info.exists = true;
  if (!S_ISREG(st.st_mode)) io_error(path + " is not a regular file");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    io_error(path + " exists and is not a gilbench results file (not HDF5); refusing to touch it");
  const hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (fid < 0) io_error(path + " is an HDF5 file that cannot be opened (damaged or truncated?)");
  H5Handle file(fid, H5Fclose, path.c_str());
  if (read_string_attr(file, "producer") != "gilbench")
    io_error(path + " is an HDF5 file but not a gilbench results file; refusing to touch it");
  info.schema_version = read_int_attr(file, "schema_version");
  info.next_launch_id = next_id(file, kLaunches.name, "launch_id");
  info.next_run_id = next_id(file, kRuns.name, "run_id");
  return info;
}

ResultsStore::ResultsStore(std::string path) : path_(std::move(path)), lock_path_(path_ + ".lock") {
  if (path_.empty()) io_error("empty --output path");
  const std::string dir = directory_of(path_);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    io_error("cannot write " + path_ + ": directory " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    io_error("cannot write " + path_ + ": directory " + dir + " is not writable");
  info_ = inspect(path_);  // before locking: a foreign file is refused untouched
  if (info_.exists && info_.schema_version != kSchemaVersion)
    io_error(path_ + " has schema version " + std::to_string(info_.schema_version) + "; this gilbench writes version " +
             std::to_string(kSchemaVersion) + " and never mixes versions in one file: use a new --output file");
  lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) io_error("cannot create lock file " + lock_path_ + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    io_error("another gilbench is writing " + path_ + " (lock " + lock_path_ + " is held); use another --output");
  }
  info_ = inspect(path_);  // ids again, now that no other writer can change them
}

ResultsStore::~ResultsStore() {
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
  }
}

namespace {
H5Handle open_readonly(const std::string& path) {
  (void)ResultsStore::inspect(path);  // refuses missing/foreign files with a clear message
  return H5Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path.c_str());
}
}  // namespace

std::vector<RunRecord> ResultsStore::read_runs(const std::string& path) {
  H5Handle file = open_readonly(path);
  std::vector<RunRecord> out;
  if (H5Lexists(file, kRuns.name, H5P_DEFAULT) <= 0) return out;
  H5Handle d(H5Dopen2(file, kRuns.name, H5P_DEFAULT), H5Dclose, kRuns.name);
  std::vector<RunRow> rows(table_size(d));
  const Compound rt = run_type();
  if (!rows.empty()) check(H5Dread(d, rt.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), "read runs");
  for (const RunRow& row : rows) {
    RunRecord r;
    r.run_id = row.run_id, r.launch_id = row.launch_id, r.config_id = row.config_id, r.ranks = row.ranks;
    r.threads = row.threads, r.lock = std::string(row.lock, strnlen(row.lock, sizeof row.lock));
    r.lock_scope = std::string(row.lock_scope, strnlen(row.lock_scope, sizeof row.lock_scope));
    r.scaling = std::string(row.scaling, strnlen(row.scaling, sizeof row.scaling));
    r.switch_interval_s = row.switch_interval_s, r.check_interval = row.check_interval;
    r.tick_iterations = row.tick_iterations, r.count = row.count, r.repetition = row.repetition, r.round = row.round;
    r.warmup = row.warmup, r.valid = row.valid, r.oversubscribed = row.oversubscribed;
    r.shared_cores = row.shared_cores, r.wall_s = row.wall_s, r.start_s = row.start_s;
    r.interpreters = row.interpreters, r.probe_period_s = row.probe_period_s, r.cpu_s = row.cpu_s;
    out.push_back(r);
  }
  return out;
}

std::uint64_t ResultsStore::table_rows(const std::string& path, const std::string& name) {
  H5Handle file = open_readonly(path);
  if (H5Lexists(file, name.c_str(), H5P_DEFAULT) <= 0) return 0;
  H5Handle d(H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose, name.c_str());
  return table_size(d);
}

std::string ResultsStore::library_version() {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
#ifdef H5_HAVE_PARALLEL
  const char* flavour = "parallel";
#else
  const char* flavour = "serial";
#endif
  return std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel) + " (" + flavour + ")";
}

namespace {
/// Opens the file for one append through the undo-journal driver (undo_journal.hpp): every
/// byte it overwrites is journalled at the close, which commits the append.
H5Handle open_for_append(const std::string& path, bool exists) {
  H5Handle fapl(undo_journal::file_access(), H5Pclose, "file access properties");
  const hid_t fid = exists ? H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl)
                           : H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  if (fid < 0) io_error("cannot open " + path + " to append: " + undo_journal::last_error());
  return H5Handle(fid, H5Fclose, path.c_str());
}

/// Leaving a half-done append by an exception: the close then puts the file back as it was.
class AbandonOnError {
 public:
  explicit AbandonOnError(hid_t file) : file_(file) {}
  AbandonOnError(const AbandonOnError&) = delete;
  AbandonOnError& operator=(const AbandonOnError&) = delete;
  ~AbandonOnError() {
    if (std::uncaught_exceptions() > exceptions_) undo_journal::abandon(file_);
  }

 private:
  hid_t file_;
  int exceptions_ = std::uncaught_exceptions();
};

void write_file_attributes(hid_t file) {
  write_int_attr(file, "schema_version", kSchemaVersion);
  write_string_attr(file, "producer", "gilbench");
  write_string_attr(file, "created", iso_now());
  write_string_attr(file, "schema_doc", "docs/schema.md in the gilbench sources (installed: share/gilbench/doc/schema.md)");
}

/// The launch row: appended on the first write of this launch (`row` set), rewritten in place later.
void write_launch(hid_t file, const LaunchRecord& launch, bool written, std::uint64_t& row) {
  const Compound lt = launch_type();
  H5Handle ld = open_or_create_table(file, kLaunches, lt);
  if (!written) row = table_size(ld);
  const LaunchRow lrow = launch_row(launch);
  write_rows(ld, lt.id(), row, &lrow, 1);
}

void write_runs(hid_t file, const std::vector<RunRecord>& runs) {
  std::vector<RunRow> rows;
  rows.reserve(runs.size());
  for (const RunRecord& r : runs) {
    RunRow row{};
    row.run_id = r.run_id, row.launch_id = r.launch_id, row.config_id = r.config_id, row.ranks = r.ranks;
    row.threads = r.threads;
    std::strncpy(row.lock, r.lock.c_str(), sizeof row.lock - 1);
    std::strncpy(row.lock_scope, r.lock_scope.c_str(), sizeof row.lock_scope - 1);
    std::strncpy(row.scaling, r.scaling.c_str(), sizeof row.scaling - 1);
    row.switch_interval_s = r.switch_interval_s, row.check_interval = r.check_interval;
    row.tick_iterations = r.tick_iterations, row.count = r.count, row.repetition = r.repetition;
    row.round = r.round, row.warmup = r.warmup, row.valid = r.valid, row.oversubscribed = r.oversubscribed;
    row.shared_cores = r.shared_cores, row.wall_s = r.wall_s, row.start_s = r.start_s;
    row.interpreters = r.interpreters, row.probe_period_s = r.probe_period_s, row.cpu_s = r.cpu_s;
    rows.push_back(row);
  }
  const Compound rt = run_type();
  H5Handle rd = open_or_create_table(file, kRuns, rt);
  write_rows(rd, rt.id(), table_size(rd), rows.data(), rows.size());
}

/// Appends rows at the end of a table, creating the table first when it is absent.
template <typename Row>
void append_rows(hid_t file, const TableSpec& spec, const Compound& type, const std::vector<Row>& rows) {
  H5Handle d = open_or_create_table(file, spec, type);
  write_rows(d, type.id(), table_size(d), rows.data(), rows.size());
}

/// Closes the file: the driver journals, applies and syncs the append (undo_journal.hpp).
void close_committing(H5Handle& file, const std::string& path) {
  if (H5Fclose(file.release()) < 0)
    io_error("cannot complete the append to " + path + ": " + undo_journal::last_error());
}
}  // namespace

void ResultsStore::append(const LaunchRecord& launch, const std::vector<RunRecord>& runs,
                          const std::vector<Sample>& samples, const std::vector<TraceRecord>& trace,
                          const std::vector<LatencyRecord>& latency) {
  H5Handle file = open_for_append(path_, info_.exists);
  {
    const AbandonOnError undo(file);
    if (!info_.exists) write_file_attributes(file);
    write_launch(file, launch, launch_written_, launch_row_);
    write_runs(file, runs);
    append_rows(file, kSamples, sample_type(), samples);
    if (!trace.empty()) {  // /trace and /latency appear with their first rows
      H5Handle ev = trace_event_type();
      append_rows(file, kTrace, trace_type(ev), trace);
    }
    if (!latency.empty()) append_rows(file, kLatency, latency_type(), latency);
    undo_journal::fault_point("written");
  }
  close_committing(file, path_);
  undo_journal::fault_point("committed");
  info_.exists = true;
  info_.schema_version = kSchemaVersion;
  launch_written_ = true;
}

}  // namespace gilbench
