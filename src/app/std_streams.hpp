#pragma once
// The standard descriptors: made safe before anything opens a file, and stdout checked at the end.
// A closed 0, 1 or 2 is opened on /dev/null first thing (else MPI_Init's pipes or the results file
// would take its number and the summary would land in them); SIGPIPE is ignored, so a reader that
// leaves early (gilbench | head -1) is a write error like a full disk, not a kill mid-exit.
#include <string>

namespace gilbench::std_streams {

/// Call first in main(): reopens closed 0-2 on /dev/null, ignores SIGPIPE.
void secure();

/// Flushes stdout; returns 0 when everything written to it so far arrived, else the errno of the
/// first failure (EBADF when stdout was closed at start). Call it after each printf that may fail,
/// before any other flush: a failed write's errno is gone by the next one.
int stdout_error();

/// Writes `text` to stdout, flushes, and returns stdout_error().
int write_stdout(const std::string& text);

/// Why stdout failed, for a message: "No space left on device", "it was closed", ...
std::string describe(int error);

}  // namespace gilbench::std_streams
