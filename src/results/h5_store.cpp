// The results file (only src/results/ includes hdf5.h). Every HDF5 call goes through check();
// every handle is owned by an H5Handle. See h5_store.hpp for the crash-safety design and
// docs/schema.md for the layout.
#include "results/h5_store.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <type_traits>
#include <utility>

#include "app/exit_codes.hpp"
#include "results/file_lock.hpp"
#include "results/isolated.hpp"
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

H5Handle trace_event_type() {
  H5Handle t(H5Tenum_create(H5T_NATIVE_UINT8), H5Tclose, "enum");
  for (int i = 0; i < gil::kEventKinds; ++i) {
    const auto v = static_cast<std::uint8_t>(i);
    const std::string name(gil::to_string(static_cast<gil::EventKind>(v)));
    check(H5Tenum_insert(t, name.c_str(), &v), "enum insert");
  }
  return t;
}

/// Bytes a column takes in a packed row: the member itself, or a `const char*` for vtext.
template <class T>
constexpr std::size_t packed_size(const T&) noexcept {
  if constexpr (std::is_same_v<T, std::string>) return sizeof(const char*);
  else return sizeof(T);
}

/// A table's rows as HDF5 sees them, derived from the declaration (schema.hpp): a packed
/// compound type, one field per column in declaration order, and the pack/unpack between
/// records and row images (vtext columns travel as `const char*` into the records' strings).
template <class Record>
class RowLayout {
 public:
  using Table = schema::TableOf<Record>;

  RowLayout() {
    std::vector<std::pair<schema::Column, std::size_t>> columns;
    const Record probe{};
    Table::visit(probe, [&](const schema::Column& c, const auto& member) {
      columns.emplace_back(c, size_);
      size_ += packed_size(member);
    });
    type_ = H5Handle(H5Tcreate(H5T_COMPOUND, size_), H5Tclose, "compound");
    for (const auto& [c, offset] : columns) {
      check(H5Tinsert(type_, c.name, offset, field_type(c)), c.name);
      if (*c.unit != '\0') units_ += std::string(units_.empty() ? "" : ", ") + "\"" + c.name + "\": \"" + c.unit + "\"";
    }
  }
  [[nodiscard]] hid_t id() const { return type_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::string units_json() const { return "{" + units_ + "}"; }

  [[nodiscard]] std::vector<unsigned char> pack(const std::vector<Record>& records) const {
    std::vector<unsigned char> rows(records.size() * size_);
    for (std::size_t i = 0; i < records.size(); ++i) {
      unsigned char* at = rows.data() + i * size_;
      Table::visit(records[i], [&](const schema::Column&, const auto& member) {
        using T = std::decay_t<decltype(member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          const char* text = member.c_str();
          std::memcpy(at, &text, sizeof text);
        } else {
          std::memcpy(at, &member, sizeof member);
        }
        at += packed_size(member);
      });
    }
    return rows;
  }

  /// Records from row images read with id(); vtext strings are copied (the caller reclaims).
  [[nodiscard]] std::vector<Record> unpack(const std::vector<unsigned char>& rows) const {
    std::vector<Record> records(rows.size() / size_);
    for (std::size_t i = 0; i < records.size(); ++i) {
      const unsigned char* at = rows.data() + i * size_;
      Table::visit(records[i], [&](const schema::Column&, auto& member) {
        using T = std::decay_t<decltype(member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          const char* text = nullptr;
          std::memcpy(&text, at, sizeof text);
          member = text != nullptr ? text : "";
        } else {
          std::memcpy(&member, at, sizeof member);
        }
        at += packed_size(member);
      });
    }
    return records;
  }

 private:
  hid_t field_type(const schema::Column& c) {
    switch (c.kind) {
      case schema::Kind::i32: return H5T_NATIVE_INT32;
      case schema::Kind::i64: return H5T_NATIVE_INT64;
      case schema::Kind::u64: return H5T_NATIVE_UINT64;
      case schema::Kind::u8: return H5T_NATIVE_UINT8;
      case schema::Kind::f64: return H5T_NATIVE_DOUBLE;
      case schema::Kind::text: keep_.push_back(string_type(c.size)); break;
      case schema::Kind::vtext: keep_.push_back(string_type(0)); break;
      case schema::Kind::event: keep_.push_back(trace_event_type()); break;
    }
    return keep_.back();
  }

  std::size_t size_ = 0;
  H5Handle type_;
  std::vector<H5Handle> keep_;  ///< string and enum member types, alive as long as type_
  std::string units_;
};

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

/// An integer attribute (0 when absent); `path` names the file when it is of another type.
int read_int_attr(hid_t obj, const char* name, const std::string& path) {
  if (H5Aexists(obj, name) <= 0) return 0;
  H5Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, name);
  H5Handle ft(H5Aget_type(a), H5Tclose, "attribute type");
  if (const H5T_class_t cls = H5Tget_class(ft); cls != H5T_INTEGER)
    io_error(path + ": attribute " + name + " is " + (cls == H5T_STRING ? "a string" : "not a number") +
             ", not an integer (not a gilbench file or damaged); refusing to touch it");
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
template <class Record>
H5Handle open_or_create_table(hid_t file, const RowLayout<Record>& type) {
  const schema::Table& spec = schema::TableOf<Record>::table;
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

/// The refusal of a table that is not a compound dataset (of any schema version).
void require_records(hid_t dset, const std::string& path, const char* table) {
  H5Handle type(H5Dget_type(dset), H5Tclose, table);
  if (H5Tget_class(type) != H5T_COMPOUND)
    io_error(path + ": /" + table + " is not a table of records (compound) (damaged?); refusing to append");
}

/// max(column) + 1 over an int64 column of a table, 0 for an empty or missing table.
std::int64_t next_id(hid_t file, const char* table, const char* column, const std::string& path) {
  if (H5Lexists(file, table, H5P_DEFAULT) <= 0) return 0;
  H5Handle d(H5Dopen2(file, table, H5P_DEFAULT), H5Dclose, table);
  require_records(d, path, table);
  const hsize_t n = table_size(d);
  if (n == 0) return 0;
  H5Handle t(H5Tcreate(H5T_COMPOUND, sizeof(std::int64_t)), H5Tclose, "id type");
  check(H5Tinsert(t, column, 0, H5T_NATIVE_INT64), column);
  std::vector<std::int64_t> ids(n);
  check(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids.data()), column);
  return *std::max_element(ids.begin(), ids.end()) + 1;
}

/// Appends `records` at the end of their table (created on first use).
template <class Record>
void append_rows(hid_t file, const std::vector<Record>& records) {
  const RowLayout<Record> layout;
  H5Handle d = open_or_create_table(file, layout);
  write_rows(d, layout.id(), table_size(d), layout.pack(records).data(), records.size());
}

// ---------------------------------------------------------------- file plumbing
std::string directory_of(const std::string& path) {
  const auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

/// The file `path` names once the symlinks of its last component are followed: the target of
/// a dangling link (which the first append creates). Throws Error(io) on a loop.
std::string resolve_links(const std::string& path) {
  std::string at = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return at;
    std::error_code ec;
    const std::filesystem::path target = std::filesystem::read_symlink(at, ec);
    if (hops == 40 || ec) io_error("cannot write " + path + ": symlink loop");
    at = target.is_absolute() ? target.string() : (std::filesystem::path(at).parent_path() / target).string();
  }
}

/// Refuses an existing regular file this user cannot open for writing, before any run.
void check_writable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;  // new, or refused by inspect()
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  const int err = errno;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  io_error("cannot write " + path + ": " +
           (err == EACCES || err == EPERM ? std::string("it is read-only for this user (mode ") + mode + ")"
                                          : std::string(std::strerror(err))) +
           "; nothing was run");
}

/// Whether the file system holding `dir` has no block left (a failed write's likely cause).
bool out_of_space(const std::string& dir) {
  struct statvfs vfs {};
  return ::statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_bavail == 0 || vfs.f_bfree == 0);
}

}  // namespace

// ---------------------------------------------------------------- ResultsStore
namespace {

/// Whether an HDF5 member type is what a declared column's kind is written as.
bool matches(hid_t t, const schema::Column& c) {
  const H5T_class_t cls = H5Tget_class(t);
  const std::size_t size = H5Tget_size(t);
  const bool is_signed = cls == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_2;
  switch (c.kind) {
    case schema::Kind::i32: return cls == H5T_INTEGER && size == 4 && is_signed;
    case schema::Kind::i64: return cls == H5T_INTEGER && size == 8 && is_signed;
    case schema::Kind::u64: return cls == H5T_INTEGER && size == 8 && !is_signed;
    case schema::Kind::u8: return cls == H5T_INTEGER && size == 1 && !is_signed;
    case schema::Kind::f64: return cls == H5T_FLOAT && size == 8;
    case schema::Kind::text: return cls == H5T_STRING && H5Tis_variable_str(t) == 0 && size == c.size;
    case schema::Kind::vtext: return cls == H5T_STRING && H5Tis_variable_str(t) > 0;
    case schema::Kind::event: return cls == H5T_ENUM && size == 1;
  }
  return false;
}

/// Refuses (Error io) a file whose `Record` table is missing (when every file has it) or does
/// not hold exactly the declared columns, in order, with their types: appending through a
/// damaged or foreign type could crash in HDF5's conversion or write garbage.
template <class Record>
void check_table(hid_t file, const std::string& path) {
  const schema::Table& table = schema::TableOf<Record>::table;
  if (H5Lexists(file, table.name, H5P_DEFAULT) <= 0) {
    if (table.required) io_error(path + " has no /" + table.name + " table (damaged?); refusing to append to it");
    return;
  }
  H5Handle d(H5Dopen2(file, table.name, H5P_DEFAULT), H5Dclose, table.name);
  require_records(d, path, table.name);
  H5Handle type(H5Dget_type(d), H5Tclose, table.name);
  const std::string where = path + ": /" + std::string(table.name);
  std::vector<schema::Column> declared;
  const Record probe{};
  schema::TableOf<Record>::visit(probe, [&](const schema::Column& c, const auto&) { declared.push_back(c); });
  if (H5Tget_nmembers(type) != static_cast<int>(declared.size()))
    io_error(where + " has " + std::to_string(H5Tget_nmembers(type)) + " columns, not the " +
             std::to_string(declared.size()) + " of its schema version (damaged?); refusing to append");
  // Each member exactly the type the store writes (H5Tequal), not only of the right kind: a
  // damaged detail (a string's character type, an integer's precision) sent HDF5's conversions
  // past their buffers (a flipped byte segfaulted in H5T__conv_i_i).
  const RowLayout<Record> layout;
  // names first: a renamed column is named even if a later one differs in type too
  for (unsigned i = 0; i < declared.size(); ++i) {
    char* name = H5Tget_member_name(type, i);
    const std::string got = name != nullptr ? name : "";
    H5free_memory(name);
    if (got != declared[i].name)
      io_error(where + " column " + std::to_string(i) + " is '" + got + "', not '" + declared[i].name +
               "' as declared (damaged?); refusing to append");
  }
  for (unsigned i = 0; i < declared.size(); ++i) {
    H5Handle member(H5Tget_member_type(type, i), H5Tclose, table.name);
    H5Handle written(H5Tget_member_type(layout.id(), i), H5Tclose, table.name);
    if (!matches(member, declared[i]) || H5Tequal(member, written) <= 0)
      io_error(where + " column " + std::to_string(i) + " '" + declared[i].name +
               "' is not of its declared type (damaged?); refusing to append");
  }
}

/// Whether another process holds HDF5's file lock for writing (h5py's 'a', another HDF5
/// writer): HDF5 1.10+ then refuses even a read-only open.
bool locked_elsewhere(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return locked;
}

}  // namespace

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
  if (fid < 0) {
    if (locked_elsewhere(path)) io_error(path + " is in use by another process (open for writing elsewhere)");
    io_error(path + " is an HDF5 file that cannot be opened (damaged or truncated?)");
  }
  H5Handle file(fid, H5Fclose, path.c_str());
  if (read_string_attr(file, "producer") != "gilbench")
    io_error(path + " is an HDF5 file but not a gilbench results file; refusing to touch it");
  info.schema_version = read_int_attr(file, "schema_version", path);
  if (info.schema_version == kSchemaVersion)  // older versions are refused by the caller, with their own message
    schema::for_each_table([&](auto t) { check_table<typename decltype(t)::record>(file, path); });
  info.next_launch_id = next_id(file, schema::TableOf<LaunchRecord>::table.name, "launch_id", path);
  info.next_run_id = next_id(file, schema::TableOf<RunRecord>::table.name, "run_id", path);
  return info;
}

namespace {
void trial_append(const std::string& path, const FileInfo& info);
}  // namespace

ResultsStore::ResultsStore(std::string path) : path_(resolve_links(path)), lock_path_(path_ + ".lock") {
  if (path_.empty()) io_error("empty --output path");
  const std::string dir = directory_of(path_);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    io_error("cannot write " + path_ + ": directory " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) io_error("cannot write " + path_ + ": directory " + dir + " is not writable");
  check_writable(path_);
  // Before locking: a foreign file is refused untouched. libhdf5 may crash on a damaged file
  // (in a decoder or a type conversion) before any check of ours: the checks and a trial
  // append that writes nothing run in a child process first.
  (void)undo_journal::recover(path_);
  isolated::run(
      [this] {
        try {
          const FileInfo info = inspect(path_);
          if (info.exists && info.schema_version == kSchemaVersion) trial_append(path_, info);
        } catch (const Error& e) {
          if (std::string(e.what()).find(path_) != std::string::npos) throw;
          io_error(path_ + ": " + e.what() + " (damaged?); refusing to append to it");  // "HDF5 failed: ..."
        }
      },
      path_);
  info_ = inspect(path_);
  if (info_.exists && info_.schema_version != kSchemaVersion)
    io_error(path_ + " has schema version " + std::to_string(info_.schema_version) + "; this gilbench writes version " +
             std::to_string(kSchemaVersion) + " and never mixes versions in one file: use a new --output file");
  if (file_lock::disabled()) {
    std::fprintf(stderr,
                 "gilbench: warning: GILBENCH_LOCKING=none: %s is written without gilbench's lock; no other "
                 "gilbench may write it at the same time\n",
                 path_.c_str());
  } else {
    lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) io_error("cannot create lock file " + lock_path_ + ": " + std::strerror(errno));
    const file_lock::Outcome got = file_lock::try_exclusive(lock_fd_);
    const int err = errno;
    if (got != file_lock::Outcome::taken) {
      ::close(lock_fd_);
      lock_fd_ = -1;
      if (got == file_lock::Outcome::held)
        io_error("another gilbench is writing " + path_ + " (lock " + lock_path_ + " is held); use another --output");
      ::unlink(lock_path_.c_str());  // ours: nobody can hold a lock there
      if (got == file_lock::Outcome::unsupported)
        io_error("cannot lock " + lock_path_ + ": " + file_lock::unsupported_hint(err));
      io_error("cannot lock " + lock_path_ + ": " + std::strerror(err));
    }
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

namespace {
/// Every row of `Record`'s table (none when the file has no such table).
template <class Record>
std::vector<Record> read_rows(hid_t file) {
  const char* name = schema::TableOf<Record>::table.name;
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return {};
  H5Handle d(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose, name);
  const RowLayout<Record> layout;
  std::vector<unsigned char> rows(table_size(d) * layout.size());
  if (rows.empty()) return {};
  check(H5Dread(d, layout.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()), name);
  std::vector<Record> out = layout.unpack(rows);
  H5Handle space(H5Dget_space(d), H5Sclose, "table space");
  check(H5Dvlen_reclaim(layout.id(), space, H5P_DEFAULT, rows.data()), name);
  return out;
}
}  // namespace

std::vector<RunRecord> ResultsStore::read_runs(const std::string& path) {
  H5Handle file = open_readonly(path);
  return read_rows<RunRecord>(file);
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
  write_string_attr(file, "schema_doc",
                    "docs/schema.md in the gilbench sources (installed: share/gilbench/doc/schema.md)");
}

/// The launch row: appended on the first write of this launch (`row` set), rewritten in place later.
void write_launch(hid_t file, const LaunchRecord& launch, bool written, std::uint64_t& row) {
  const RowLayout<LaunchRecord> lt;
  H5Handle ld = open_or_create_table(file, lt);
  if (!written) row = table_size(ld);
  write_rows(ld, lt.id(), row, lt.pack({launch}).data(), 1);
}

/// Closes the file: the driver journals, applies and syncs the append (undo_journal.hpp).
void close_committing(H5Handle& file, const std::string& path) {
  if (H5Fclose(file.release()) < 0 || undo_journal::failed())
    io_error("cannot complete the append to " + path + ": " + undo_journal::last_error());
}

/// In a throw-away child (the constructor's isolated::run): a round of every table written
/// through the dry-run driver (nothing reaches the disk), and /runs read back, so that a file
/// libhdf5 would crash on crashes there.
void trial_append(const std::string& path, const FileInfo& info) {
  undo_journal::set_dry_run(true);
  LaunchRecord launch;
  launch.launch_id = info.next_launch_id;
  RunRecord run;
  run.run_id = info.next_run_id;
  Sample sample;
  sample.run_id = run.run_id;
  TraceRecord trace{};
  trace.run_id = run.run_id;
  H5Handle file = open_for_append(path, true);
  std::uint64_t row = 0;
  write_launch(file, launch, false, row);
  append_rows(file, std::vector<RunRecord>{run});
  append_rows(file, std::vector<Sample>{sample});
  append_rows(file, std::vector<TraceRecord>{trace});
  append_rows(file, std::vector<LatencyRecord>{LatencyRecord{}});
  (void)read_rows<RunRecord>(file);
  (void)read_rows<LaunchRecord>(file);
  close_committing(file, path);
}
}  // namespace

void ResultsStore::append(const LaunchRecord& launch, const std::vector<RunRecord>& runs,
                          const std::vector<Sample>& samples, const std::vector<TraceRecord>& trace,
                          const std::vector<LatencyRecord>& latency) {
  try {
    H5Handle file = open_for_append(path_, info_.exists);
    {
      const AbandonOnError undo(file);
      if (!info_.exists) write_file_attributes(file);
      write_launch(file, launch, launch_written_, launch_row_);
      append_rows(file, runs);
      append_rows(file, samples);
      if (!trace.empty()) append_rows(file, trace);  // /trace and /latency appear with their first rows
      if (!latency.empty()) append_rows(file, latency);
      undo_journal::fault_point("written");
    }
    close_committing(file, path_);
  } catch (const Error&) {
    // The driver has put the file back as it was (or removed the file this launch created).
    const std::string dir = directory_of(path_);
    if (undo_journal::saw_no_space() || out_of_space(dir))
      io_error("no space left on " + dir + ": this round was not saved; " + path_ +
               (info_.exists ? " keeps the rounds before it" : " was not created"));
    throw;  // every message of the append names the file (open_for_append, close_committing) but
            // HDF5's own, which the trial append of the constructor has ruled out
  }
  undo_journal::fault_point("committed");
  info_.exists = true;
  info_.schema_version = kSchemaVersion;
  launch_written_ = true;
}

}  // namespace gilbench
