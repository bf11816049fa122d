#pragma once
// The results file. The only part of gilbench that talks to HDF5 (only src/results/ includes
// hdf5.h). Appends are in place and cost what they add: each one opens the file through the
// undo-journal file driver (undo_journal.hpp), writes its rows, and closes it. New rows land
// past the file's old end; the bytes of the old file that HDF5 rewrites (metadata, the last
// partial chunk, the launch row) are held until the close, which saves their originals to
// FILE.journal, fsyncs it, overwrites them, fsyncs the file and removes the journal. So between
// appends the file is closed and plain (h5dump, h5py), and `kill -9` during an append loses at
// most that round: every open of an existing file here (the constructor, inspect and every
// reader) first rolls back an interrupted append (undo_journal::recover). Not SWMR: a killed
// SWMR writer leaves the file unreadable until h5clear, and SWMR cannot write /launches' vlen
// strings nor create tables. A lock file (FILE.lock, flock) held for the whole launch stops a
// second gilbench from writing the same file.
#include <cstdint>
#include <string>
#include <vector>

#include "results/schema.hpp"

namespace gilbench {

/// Facts about an existing results file, read without modifying it.
struct FileInfo {
  bool exists = false;
  int schema_version = 0;
  std::int64_t next_launch_id = 0;
  std::int64_t next_run_id = 0;
};

class ResultsStore {
 public:
  /// Checks that `path` can take a new launch: a new file in a writable directory, or an existing
  /// gilbench file of this schema version. Takes the launch lock. Never modifies an existing file
  /// (beyond rolling back an interrupted append). Throws Error(io) with a one-line message otherwise.
  explicit ResultsStore(std::string path);
  ~ResultsStore();
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  [[nodiscard]] const FileInfo& info() const noexcept { return info_; }

  /// Appends one round, all or nothing (see above). The launch row is written with the first round and rewritten
  /// (same row) on every later append, so it always carries the latest exit status and flags.
  void append(const LaunchRecord& launch, const std::vector<RunRecord>& runs, const std::vector<Sample>& samples,
              const std::vector<TraceRecord>& trace, const std::vector<LatencyRecord>& latency = {});

  /// Reads a file's facts (exists, version, next ids) after rolling back an interrupted append;
  /// throws Error(io) for foreign files.
  static FileInfo inspect(const std::string& path);

  /// Reads back every /runs row (tests, tools). Throws Error(io) for unreadable or foreign files.
  static std::vector<RunRecord> read_runs(const std::string& path);
  /// Number of rows of table `name` ("launches", "runs", "samples", "trace", "latency"); 0 when absent.
  static std::uint64_t table_rows(const std::string& path, const std::string& name);

  /// HDF5 library version and flavour, e.g. "1.10.8 (serial)".
  static std::string library_version();

 private:
  std::string path_;
  std::string lock_path_;
  int lock_fd_ = -1;
  FileInfo info_;
  bool launch_written_ = false;
  std::uint64_t launch_row_ = 0;  ///< row of this launch in /launches
};

}  // namespace gilbench
