#pragma once
// In-place appends that a kill -9 cannot tear: an HDF5 virtual file driver with an undo journal.
//
// The driver remembers the file's size when it is opened (orig_eof). Bytes written at or past
// orig_eof go straight to the file: nothing on disk refers to them until the metadata below
// orig_eof does. Bytes written below orig_eof (superblock, object headers, B-tree nodes, the
// last, partial chunk of a table) are held in memory, and reads see them. On close the driver
// commits: it appends the ORIGINAL bytes of every held range to FILE.journal with a checksum
// and a commit trailer, fsyncs the journal, writes the held ranges into the file, fsyncs the
// file and unlinks the journal. So a crash before the commit leaves the previous file intact
// (plus unreferenced bytes past orig_eof), and a crash during the write is undone by replaying
// the journal. The journal exists, with orig_eof and fsync'd, before the first byte is written,
// and its writer holds an flock on it as long as it exists: a journal whose flock can be taken
// belongs to a dead writer and is recovered (recover()) on the next open.
//
// Journal format (little-endian; analysis/gilbench_analysis/journal.py reads the same):
//   header  32 bytes: "GBUNDO1\0", orig_eof u64, flags u64 (bit 0: the file did not exist),
//                     crc32 of the 24 bytes before u32, 0 u32
//   records         : addr u64, length u64, the file's original bytes [addr, addr + length)
//   trailer 32 bytes: "GBCOMMIT", record count u64, record bytes u64, crc32 of the records u32, 0 u32
// A journal without a valid trailer was not committed: the file below orig_eof is untouched.
// Recovery: committed -> write every record back; then truncate the file to orig_eof (or remove
// it when it did not exist); unlink the journal.
#include <cstdint>
#include <string>

namespace gilbench::undo_journal {

/// FILE.journal: where the undo journal of `file` lives while an append is in flight.
[[nodiscard]] std::string journal_path(const std::string& file);

/// Rolls back an append interrupted by a crash: when FILE.journal exists and no live writer
/// holds its flock, restores the previous file and removes the journal (and a half-made
/// FILE.journal.new). Returns true when it rolled something back. Throws Error(io) on I/O errors
/// and on a journal that is not one of ours.
bool recover(const std::string& file);

/// An HDF5 file access property list (hid_t; the caller closes it) that opens files through the
/// undo-journal driver. Only opens for writing journal; read-only opens pass through.
[[nodiscard]] std::int64_t file_access();

/// Makes the close of `file` (an open HDF5 file id of this driver) discard this session's
/// writes instead of committing them: for an append that failed half-way.
void abandon(std::int64_t file);

/// Why the last commit or open of the driver failed (HDF5 itself only reports "close failed").
[[nodiscard]] std::string last_error();

/// Whether the last session of the driver failed (a write, a truncation or its commit): its
/// close then rolled the file back, and last_error() says why. HDF5 never sees these failures
/// (libhdf5 1.10 crashes at exit on a file whose close failed): check this after H5Fclose.
[[nodiscard]] bool failed();

/// Whether a write, sync or truncation since the last open failed for want of space (ENOSPC,
/// EDQUOT). A commit that fails so is rolled back at once: no journal, no partial append left.
[[nodiscard]] bool saw_no_space();

/// Dry runs (a trial append in a throw-away child process, h5_store.cpp): opens for writing
/// hold every write in memory, read back through the held ranges; nothing reaches the disk,
/// no journal is made and the close discards it all.
void set_dry_run(bool dry);

/// What the last commit wrote below orig_eof: ranges and bytes journalled (benchmarks, tests).
struct CommitStats {
  std::uint64_t ranges = 0;
  std::uint64_t bytes = 0;
};
[[nodiscard]] CommitStats last_commit();

/// Fault injection for the kill -9 tests: GILBENCH_FAULT=POINT:N raises SIGKILL the N-th time
/// (1-based, one per append) this process reaches POINT. Points, in the order an append meets
/// them: written (rows written, file open), journaled (journal committed, file untouched),
/// applying (first held range written into the file), applied (file synced, journal still
/// there), committed (journal removed, append complete).
void fault_point(const char* point);

}  // namespace gilbench::undo_journal
