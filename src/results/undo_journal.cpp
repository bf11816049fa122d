// The undo-journal HDF5 driver (see undo_journal.hpp for the design and the journal format).
// POSIX I/O on one descriptor, like HDF5's sec2 driver, plus the held ranges below orig_eof:
// wrapping sec2 itself would add a second EOA/EOF state to keep in step and still need the
// descriptor for fsync, truncation and the commit.
#include "results/undo_journal.hpp"

#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "app/exit_codes.hpp"
#include "results/file_lock.hpp"

namespace gilbench::undo_journal {
namespace {

static_assert(std::is_same_v<hid_t, std::int64_t>, "file_access() returns hid_t as std::int64_t");

using Bytes = std::vector<unsigned char>;
constexpr std::size_t kHeaderSize = 32, kTrailerSize = 32;
constexpr char kHeaderMagic[8] = {'G', 'B', 'U', 'N', 'D', 'O', '1', '\0'};
constexpr char kTrailerMagic[8] = {'G', 'B', 'C', 'O', 'M', 'M', 'I', 'T'};
constexpr std::uint64_t kFlagCreated = 1;

std::string g_last_error;
CommitStats g_last_commit;
bool g_dry_run = false;
bool g_no_space = false;
bool g_failed = false;  ///< a write, truncation or the commit of the last session failed

[[noreturn]] void io_error(const std::string& message) { throw Error(ExitCode::io, message); }
[[noreturn]] void sys_error(const std::string& what) {
  if (errno == ENOSPC || errno == EDQUOT) g_no_space = true;
  io_error(what + ": " + std::strerror(errno));
}

// ---------------------------------------------------------------- bytes
/// CRC-32 (IEEE 802.3, the one of zlib.crc32), chainable: crc32(b, crc32(a)) == crc32(a + b).
std::uint32_t crc32(const unsigned char* p, std::size_t n, std::uint32_t crc = 0) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}
std::uint64_t get_u64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint32_t get_u32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// ---------------------------------------------------------------- POSIX plumbing
/// Owns a file descriptor (and with it any flock taken through it).
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

void write_all(int fd, const unsigned char* p, std::size_t n, std::uint64_t at, const std::string& what) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(at));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) sys_error("cannot write " + what);
    p += w, n -= static_cast<std::size_t>(w), at += static_cast<std::uint64_t>(w);
  }
}

/// Reads up to n bytes at `at`; returns how many there were before the end of the file.
std::size_t read_some(int fd, unsigned char* p, std::size_t n, std::uint64_t at, const std::string& what) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, p + done, n - done, static_cast<off_t>(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) sys_error("cannot read " + what);
    if (r == 0) break;
    done += static_cast<std::size_t>(r);
  }
  return done;
}

void sync_fd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) sys_error("cannot sync " + what);
}

void truncate_fd(int fd, std::uint64_t size, const std::string& what) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) sys_error("cannot truncate " + what);
}

/// Makes a creation, rename or unlink in the file's directory durable (best effort: some file
/// systems refuse fsync on directories).
void sync_directory_of(const std::string& file) {
  auto dir = std::filesystem::path(file).parent_path();
  const Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) (void)::fsync(fd.get());
}

/// Takes the flock of a journal (or of its half-made .new) when its writer is dead, and checks
/// the name still refers to the same inode (not already recovered and replaced meanwhile).
bool lock_abandoned(int fd, const std::string& path) {
  // GILBENCH_LOCKING=none: no writer holds a lock, and the user makes sure no other writes now
  if (!file_lock::disabled()) {
    const file_lock::Outcome got = file_lock::try_exclusive(fd);
    const int err = errno;
    if (got == file_lock::Outcome::held) return false;  // its writer is alive
    if (got == file_lock::Outcome::unsupported)
      io_error("cannot lock " + path + ": " + file_lock::unsupported_hint(err));
    if (got != file_lock::Outcome::taken) {
      errno = err;
      sys_error("cannot lock " + path);
    }
  }
  struct stat a {
  }, b{};
  return ::fstat(fd, &a) == 0 && ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// ---------------------------------------------------------------- the journal on disk
Bytes header_bytes(std::uint64_t orig_eof, bool created) {
  Bytes h(kHeaderMagic, kHeaderMagic + 8);
  put_u64(h, orig_eof);
  put_u64(h, created ? kFlagCreated : 0);
  put_u32(h, crc32(h.data(), h.size()));
  put_u32(h, 0);
  return h;
}

void append_trailer(Bytes& out, std::uint64_t count) {
  const std::uint64_t record_bytes = out.size() - kHeaderSize;
  const std::uint32_t crc = crc32(out.data() + kHeaderSize, record_bytes);
  out.insert(out.end(), kTrailerMagic, kTrailerMagic + 8);
  put_u64(out, count);
  put_u64(out, record_bytes);
  put_u32(out, crc);
  put_u32(out, 0);
}

struct Record {
  std::uint64_t addr = 0;
  const unsigned char* data = nullptr;
  std::size_t size = 0;
};

struct ParsedJournal {
  std::uint64_t orig_eof = 0;
  bool created = false;
  bool committed = false;
  std::vector<Record> records;  ///< point into the journal's bytes
};

/// The records of a committed journal; false when the trailer is missing or does not match
/// (the writer died before its commit).
bool parse_records(const Bytes& j, ParsedJournal& out) {
  if (j.size() < kHeaderSize + kTrailerSize) return false;
  const unsigned char* t = j.data() + j.size() - kTrailerSize;
  if (std::memcmp(t, kTrailerMagic, 8) != 0) return false;
  const std::uint64_t count = get_u64(t + 8), record_bytes = get_u64(t + 16);
  if (record_bytes != j.size() - kHeaderSize - kTrailerSize) return false;
  if (crc32(j.data() + kHeaderSize, record_bytes) != get_u32(t + 24)) return false;
  for (std::size_t at = kHeaderSize; at < kHeaderSize + record_bytes;) {
    if (kHeaderSize + record_bytes - at < 16) return false;
    Record r{get_u64(&j[at]), &j[at + 16], 0};
    const std::uint64_t size = get_u64(&j[at + 8]);
    if (size > kHeaderSize + record_bytes - at - 16) return false;
    r.size = static_cast<std::size_t>(size);
    out.records.push_back(r);
    at += 16 + r.size;
  }
  return out.records.size() == count;
}

ParsedJournal parse_journal(const Bytes& j, const std::string& path, const std::string& file) {
  if (j.size() < kHeaderSize || std::memcmp(j.data(), kHeaderMagic, 8) != 0 ||
      crc32(j.data(), 24) != get_u32(j.data() + 24))
    io_error(path + " is not a gilbench undo journal (bad header); move it away to open " + file);
  ParsedJournal p;
  p.orig_eof = get_u64(j.data() + 8);
  p.created = (get_u64(j.data() + 16) & kFlagCreated) != 0;
  p.committed = parse_records(j, p);
  if (!p.committed) p.records.clear();
  return p;
}

Bytes read_whole(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) sys_error("cannot stat " + path);
  Bytes b(static_cast<std::size_t>(st.st_size));
  b.resize(read_some(fd, b.data(), b.size(), 0, path));
  return b;
}

/// Puts the file back as it was when the journal was made: the original bytes of a committed
/// journal written back, the bytes appended past orig_eof cut off; a file the writer created
/// is removed.
void roll_back(const std::string& file, const ParsedJournal& j) {
  if (j.created) {
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) sys_error("cannot remove the half-written " + file);
    return;
  }
  const Fd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) sys_error("cannot open " + file + " to roll back its interrupted append");
  for (const Record& r : j.records) write_all(fd.get(), r.data, r.size, r.addr, file);
  truncate_fd(fd.get(), j.orig_eof, file);
  sync_fd(fd.get(), file);
}

/// Removes FILE.journal.new left by a writer killed while making its journal.
bool remove_stale_new(const std::string& file) {
  const std::string path = journal_path(file) + ".new";
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return false;
    sys_error("cannot open " + path);
  }
  if (!lock_abandoned(fd.get(), path)) return false;
  if (::unlink(path.c_str()) != 0) sys_error("cannot remove " + path);
  return true;
}

/// Makes FILE.journal (header only, synced, flock held) before the first write of a session.
/// Written as FILE.journal.new, locked, then renamed: a journal under its final name always
/// has its header and its lock.
Fd create_journal(const std::string& file, std::uint64_t orig_eof, bool created) {
  const std::string path = journal_path(file), tmp = path + ".new";
  if (::access(path.c_str(), F_OK) == 0) io_error(path + " exists: another writer is appending to " + file);
  Fd fd(::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) sys_error("cannot create the journal " + tmp);
  try {
    if (!file_lock::disabled()) {
      const file_lock::Outcome got = file_lock::try_exclusive(fd.get());
      const int err = errno;
      if (got == file_lock::Outcome::unsupported)
        io_error("cannot lock the journal " + tmp + ": " + file_lock::unsupported_hint(err));
      if (got != file_lock::Outcome::taken) {
        errno = err;
        sys_error("cannot lock the journal " + tmp);
      }
    }
    const Bytes h = header_bytes(orig_eof, created);
    write_all(fd.get(), h.data(), h.size(), 0, tmp);
    sync_fd(fd.get(), tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) sys_error("cannot rename " + tmp + " to " + path);
  } catch (const Error&) {
    ::unlink(tmp.c_str());  // a full disk, say: no half-made journal left behind
    throw;
  }
  sync_directory_of(file);
  return fd;
}

// ---------------------------------------------------------------- one open file of the driver
struct Session {
  std::string path;
  Fd fd;
  Fd journal;  ///< its flock tells recoverers this writer is alive
  dev_t dev = 0;
  ino_t ino = 0;
  haddr_t eoa = 0, size = 0, orig_eof = 0;
  bool writable = false, created = false, abandoned = false, dirty = false;
  bool dry = false;               ///< set_dry_run(): every write held in memory, nothing on disk
  std::map<haddr_t, Bytes> held;  ///< new bytes below orig_eof: disjoint, not adjacent
};

/// What HDF5 sees: the public part first (HDF5 fills it in), our state behind a pointer.
struct UndoFile {
  H5FD_t pub;
  Session* session;
};
static_assert(std::is_standard_layout_v<UndoFile>);

Session& session_of(const H5FD_t* f) { return *reinterpret_cast<const UndoFile*>(f)->session; }

/// Holds [addr, addr + n) (below orig_eof), merged with the held ranges it overlaps or touches.
void hold(Session& s, haddr_t addr, const unsigned char* p, std::size_t n) {
  haddr_t lo = addr, hi = addr + n;
  auto first = s.held.upper_bound(addr);
  if (first != s.held.begin() && std::prev(first)->first + std::prev(first)->second.size() >= addr) --first;
  auto last = first;
  for (; last != s.held.end() && last->first <= hi; ++last) {
    lo = std::min(lo, last->first);
    hi = std::max(hi, last->first + last->second.size());
  }
  Bytes merged(hi - lo);
  for (auto e = first; e != last; ++e) std::copy(e->second.begin(), e->second.end(), merged.begin() + (e->first - lo));
  std::copy(p, p + n, merged.begin() + (addr - lo));
  s.held.erase(first, last);
  s.held.emplace(lo, std::move(merged));
}

void read_at(const Session& s, haddr_t addr, unsigned char* p, std::size_t n) {
  const std::size_t got = read_some(s.fd.get(), p, n, addr, s.path);
  std::fill(p + got, p + n, 0);  // past the end of the file reads as zeros, as in sec2
  auto it = s.held.upper_bound(addr);
  if (it != s.held.begin()) --it;
  for (; it != s.held.end() && it->first < addr + n; ++it) {
    const haddr_t lo = std::max(addr, it->first), hi = std::min(addr + n, it->first + it->second.size());
    if (lo < hi) std::memcpy(p + (lo - addr), it->second.data() + (lo - it->first), hi - lo);
  }
}

void write_at(Session& s, haddr_t addr, const unsigned char* p, std::size_t n) {
  s.dirty = true;
  s.size = std::max<haddr_t>(s.size, addr + n);
  if (s.dry) {
    hold(s, addr, p, n);
    return;
  }
  if (addr < s.orig_eof) {
    const std::size_t below = static_cast<std::size_t>(std::min<haddr_t>(n, s.orig_eof - addr));
    hold(s, addr, p, below);
    addr += below, p += below, n -= below;
  }
  if (n > 0) write_all(s.fd.get(), p, n, addr, s.path);
}

/// sec2's truncate (the file's size becomes the EOA); below orig_eof the cut is held as zeros
/// and made real by the commit (so truncating a large existing file, which ResultsStore never
/// does, would hold all of it in memory).
void truncate_to(Session& s, haddr_t size) {
  s.dirty = true;
  if (s.dry) {
    s.size = size;
    return;
  }
  if (size < s.orig_eof) {
    const Bytes zeros(s.orig_eof - size, 0);
    hold(s, size, zeros.data(), zeros.size());
  }
  truncate_fd(s.fd.get(), std::max(size, s.orig_eof), s.path);
  s.size = size;
}

/// The journal's records: every held range with the bytes the file has there now (untouched
/// below orig_eof until the commit writes it).
Bytes journal_records(const Session& s) {
  Bytes out = header_bytes(s.orig_eof, s.created);
  for (const auto& [addr, bytes] : s.held) {
    put_u64(out, addr);
    put_u64(out, bytes.size());
    const std::size_t at = out.size();
    out.resize(at + bytes.size());
    if (read_some(s.fd.get(), out.data() + at, bytes.size(), addr, s.path) != bytes.size())
      io_error(s.path + " is shorter than when it was opened: another program changed it during the append");
  }
  append_trailer(out, s.held.size());
  return out;
}

/// Journal committed -> held ranges written -> file synced -> journal removed. Every fault point
/// is met once per session that wrote, held ranges or not, so POINT:N always means the N-th append.
void commit(Session& s) {
  const std::string jpath = journal_path(s.path);
  g_last_commit = {};
  if (!s.held.empty()) {
    const Bytes j = journal_records(s);
    write_all(s.journal.get(), j.data(), j.size(), 0, jpath);
    sync_fd(s.journal.get(), jpath);
    g_last_commit = {s.held.size(), j.size() - kHeaderSize - kTrailerSize - 16 * s.held.size()};
  }
  if (s.dirty) fault_point("journaled");
  // Readers that lock the file (HDF5's default) stay out while it changes under them.
  if (!s.held.empty()) (void)::flock(s.fd.get(), LOCK_EX | LOCK_NB);
  for (const auto& [addr, bytes] : s.held) {
    write_all(s.fd.get(), bytes.data(), bytes.size(), addr, s.path);
    if (addr == s.held.begin()->first) fault_point("applying");
  }
  if (s.dirty && s.held.empty()) fault_point("applying");
  if (s.size < s.orig_eof) truncate_fd(s.fd.get(), s.size, s.path);
  sync_fd(s.fd.get(), s.path);
  if (s.dirty) fault_point("applied");
  if (::unlink(jpath.c_str()) != 0) sys_error("cannot remove the journal " + jpath);
}

/// Ends a writing session: commit, or (abandoned) put the file back as it was.
void finish(Session& s) {
  if (!s.writable || s.dry) return;
  if (!s.abandoned) {
    try {
      commit(s);
    } catch (const Error&) {
      // A failed commit (a full disk, say) leaves no journal and no partial append behind:
      // release the journal's flock and roll back now, as the next open would.
      s.fd = Fd();
      s.journal = Fd();
      try {
        (void)recover(s.path);
      } catch (const Error&) {  // the journal stays for the next open; report the first error
      }
      throw;
    }
    return;
  }
  ParsedJournal undo;
  undo.orig_eof = s.orig_eof, undo.created = s.created;
  s.fd = Fd();
  roll_back(s.path, undo);
  if (::unlink(journal_path(s.path).c_str()) != 0) sys_error("cannot remove the journal of " + s.path);
}

std::unique_ptr<Session> open_session(const char* name, unsigned flags) {
  auto s = std::make_unique<Session>();
  s->path = name;
  s->writable = (flags & H5F_ACC_RDWR) != 0;
  g_no_space = false;
  g_failed = false;
  struct stat st {};
  const bool exists = ::stat(name, &st) == 0;
  if (!exists && (flags & H5F_ACC_CREAT) == 0) io_error(std::string("no such file: ") + name);
  if (exists && (flags & H5F_ACC_EXCL) != 0) io_error(std::string(name) + " exists");
  if (s->writable && g_dry_run) {
    if (!exists) io_error(std::string("a dry run needs an existing file: ") + name);
    s->dry = true;
    s->fd = Fd(::open(name, O_RDONLY | O_CLOEXEC));
    if (s->fd.get() < 0 || ::fstat(s->fd.get(), &st) != 0) sys_error(std::string("cannot open ") + name);
    s->dev = st.st_dev, s->ino = st.st_ino;
    s->size = static_cast<haddr_t>(st.st_size);
    return s;
  }
  if (s->writable) {
    (void)recover(name);  // a dead writer's append first
    s->created = !exists;
    s->orig_eof = exists ? static_cast<haddr_t>(st.st_size) : 0;
    s->journal = create_journal(name, s->orig_eof, s->created);
  }
  // Never O_TRUNC: a truncation is a write like any other (held until the commit).
  s->fd = Fd(::open(name, (s->writable ? O_RDWR : O_RDONLY) | (s->created ? O_CREAT : 0) | O_CLOEXEC, 0666));
  if (s->fd.get() < 0 || ::fstat(s->fd.get(), &st) != 0) {
    const std::string why = std::strerror(errno);
    if (s->writable) ::unlink(journal_path(name).c_str());
    io_error(std::string("cannot open ") + name + ": " + why);
  }
  s->dev = st.st_dev, s->ino = st.st_ino;
  s->size = static_cast<haddr_t>(st.st_size);
  if (s->writable && (flags & H5F_ACC_TRUNC) != 0 && s->size > 0) truncate_to(*s, 0);
  return s;
}

// ---------------------------------------------------------------- the H5FD_class_t callbacks
/// Runs a callback body; an exception becomes HDF5's -1 with last_error() telling why.
template <typename F>
herr_t guarded(F&& body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    g_last_error = e.what();
    return -1;
  }
}

H5FD_t* cb_open(const char* name, unsigned flags, hid_t /*fapl*/, haddr_t /*maxaddr*/) {
  try {
    auto session = open_session(name, flags);
    auto* f = new UndoFile{};
    f->session = session.release();
    return &f->pub;
  } catch (const std::exception& e) {
    g_last_error = e.what();
    return nullptr;
  }
}

/// Never fails towards HDF5: libhdf5 1.10 keeps the id of a file whose close failed and closes
/// it again at exit, through the freed driver (SIGSEGV). A failed commit is rolled back by
/// finish() and reported through failed().
herr_t cb_close(H5FD_t* file) {
  std::unique_ptr<Session> s(reinterpret_cast<UndoFile*>(file)->session);
  delete reinterpret_cast<UndoFile*>(file);
  if (guarded([&] { finish(*s); }) < 0) g_failed = true;
  return 0;
}

int cb_cmp(const H5FD_t* a, const H5FD_t* b) {
  const Session &x = session_of(a), &y = session_of(b);
  if (x.dev != y.dev) return x.dev < y.dev ? -1 : 1;
  if (x.ino != y.ino) return x.ino < y.ino ? -1 : 1;
  return 0;
}

herr_t cb_query(const H5FD_t* /*file*/, unsigned long* flags) {
  *flags = H5FD_FEAT_AGGREGATE_METADATA | H5FD_FEAT_ACCUMULATE_METADATA | H5FD_FEAT_DATA_SIEVE |
           H5FD_FEAT_AGGREGATE_SMALLDATA;
  return 0;
}

haddr_t cb_get_eoa(const H5FD_t* file, H5FD_mem_t /*type*/) { return session_of(file).eoa; }
herr_t cb_set_eoa(H5FD_t* file, H5FD_mem_t /*type*/, haddr_t addr) {
  session_of(file).eoa = addr;
  return 0;
}
haddr_t cb_get_eof(const H5FD_t* file, H5FD_mem_t /*type*/) { return session_of(file).size; }

/// The "handle" is the session itself: abandon() reaches it through H5Fget_vfd_handle.
herr_t cb_get_handle(H5FD_t* file, hid_t /*fapl*/, void** handle) {
  *handle = &session_of(file);
  return 0;
}

herr_t cb_read(H5FD_t* file, H5FD_mem_t /*type*/, hid_t /*dxpl*/, haddr_t addr, size_t size, void* buf) {
  return guarded([&] { read_at(session_of(file), addr, static_cast<unsigned char*>(buf), size); });
}

/// A write that fails (a full disk) fails the session, not HDF5: the bytes are held in memory
/// so that HDF5 reads back what it wrote and closes cleanly (see cb_close), and the close
/// rolls the file back instead of committing. failed() tells the caller.
void fail_session(Session& s) {
  g_failed = true;
  s.abandoned = true;
}

herr_t cb_write(H5FD_t* file, H5FD_mem_t /*type*/, hid_t /*dxpl*/, haddr_t addr, size_t size, const void* buf) {
  Session& s = session_of(file);
  const auto* p = static_cast<const unsigned char*>(buf);
  if (s.abandoned && g_failed) {  // after a failure: nothing more reaches the disk
    s.size = std::max<haddr_t>(s.size, addr + size);
    hold(s, addr, p, size);
    return 0;
  }
  if (guarded([&] { write_at(s, addr, p, size); }) < 0) {
    fail_session(s);
    hold(s, addr, p, size);
  }
  return 0;
}

herr_t cb_truncate(H5FD_t* file, hid_t /*dxpl*/, hbool_t /*closing*/) {
  Session& s = session_of(file);
  if (s.eoa == s.size) return 0;
  if (guarded([&] { truncate_to(s, s.eoa); }) < 0) {
    fail_session(s);
    s.size = s.eoa;
  }
  return 0;
}

// No flush (nothing is durable before the commit) and no lock: FILE.lock keeps writers apart,
// and the journal's flock tells recovery whether its writer is alive.
const H5FD_class_t kDriver = {
    .name = "gilbench_undo_journal",
    .maxaddr = static_cast<haddr_t>(std::numeric_limits<off_t>::max()),
    .fc_degree = H5F_CLOSE_WEAK,
    .terminate = nullptr,
    .sb_size = nullptr,
    .sb_encode = nullptr,
    .sb_decode = nullptr,
    .fapl_size = 0,
    .fapl_get = nullptr,
    .fapl_copy = nullptr,
    .fapl_free = nullptr,
    .dxpl_size = 0,
    .dxpl_copy = nullptr,
    .dxpl_free = nullptr,
    .open = cb_open,
    .close = cb_close,
    .cmp = cb_cmp,
    .query = cb_query,
    .get_type_map = nullptr,
    .alloc = nullptr,
    .free = nullptr,
    .get_eoa = cb_get_eoa,
    .set_eoa = cb_set_eoa,
    .get_eof = cb_get_eof,
    .get_handle = cb_get_handle,
    .read = cb_read,
    .write = cb_write,
    .flush = nullptr,
    .truncate = cb_truncate,
    .lock = nullptr,
    .unlock = nullptr,
    .fl_map = H5FD_FLMAP_DICHOTOMY,
};

hid_t driver_id() {
  static const hid_t id = H5FDregister(&kDriver);
  if (id < 0) io_error("cannot register gilbench's HDF5 file driver");
  return id;
}

}  // namespace

std::string journal_path(const std::string& file) { return file + ".journal"; }

bool recover(const std::string& file) {
  bool rolled_back = remove_stale_new(file);
  const std::string path = journal_path(file);
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return rolled_back;
    sys_error("cannot open " + path + " to recover " + file);
  }
  if (!lock_abandoned(fd.get(), path)) return rolled_back;
  const Bytes bytes = read_whole(fd.get(), path);
  roll_back(file, parse_journal(bytes, path, file));
  if (::unlink(path.c_str()) != 0) sys_error("cannot remove " + path);
  sync_directory_of(file);
  return true;
}

std::int64_t file_access() {
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) io_error("HDF5 failed: file access properties");
  if (H5Pset_driver(fapl, driver_id(), nullptr) < 0) {
    H5Pclose(fapl);
    io_error("HDF5 failed: set the file driver");
  }
  return fapl;
}

void abandon(std::int64_t file) {
  const hid_t fapl = H5Fget_access_plist(file);
  if (fapl < 0) return;
  const bool ours = H5Pget_driver(fapl) == driver_id();
  H5Pclose(fapl);
  void* handle = nullptr;
  if (ours && H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) >= 0 && handle != nullptr)
    static_cast<Session*>(handle)->abandoned = true;
}

std::string last_error() { return g_last_error; }

bool saw_no_space() { return g_no_space; }

bool failed() { return g_failed; }

void set_dry_run(bool dry) { g_dry_run = dry; }

CommitStats last_commit() { return g_last_commit; }

void fault_point(const char* point) {
  const char* spec = std::getenv("GILBENCH_FAULT");  // read each time: tests set it in forked children
  if (spec == nullptr) return;
  static std::map<std::string, std::uint64_t, std::less<>> hits;
  const std::uint64_t n = ++hits[point];
  const std::string_view s(spec);
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || s.substr(0, colon) != point) return;
  if (std::strtoull(std::string(s.substr(colon + 1)).c_str(), nullptr, 10) != n) return;
  ::raise(SIGKILL);
}

}  // namespace gilbench::undo_journal
