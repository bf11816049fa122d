#pragma once
// gilbench's own advisory locks (FILE.h5.lock, FILE.h5.journal): flock(2), told apart by why it
// fails. "held" (EWOULDBLOCK) is another live writer; "unsupported" (ENOLCK, EOPNOTSUPP,
// ENOSYS: some NFS/Lustre/FUSE mounts) is the file system. GILBENCH_LOCKING=none turns these
// locks off (the user then makes sure that one gilbench at a time writes a file); the default,
// GILBENCH_LOCKING=flock, uses them. The flock call can be replaced by tests.

#include <string>

namespace gilbench::file_lock {

enum class Outcome { taken, held, unsupported, failed };

/// The call that takes a lock (flock's signature): tests inject one that fails with a chosen
/// errno. nullptr restores ::flock.
using Call = int (*)(int fd, int operation);
void set_call_for_testing(Call call);

/// Whether GILBENCH_LOCKING=none (read each time; any value but "", "flock" or "none" is an
/// Error naming the variable, exit code 4).
bool disabled();

/// The class of a failed flock's errno.
Outcome classify(int err);

/// Tries an exclusive, non-blocking lock on fd; errno is kept for the caller's message.
Outcome try_exclusive(int fd);

/// The text for an Outcome::unsupported: the cause and the way through.
std::string unsupported_hint(int err);

}  // namespace gilbench::file_lock
