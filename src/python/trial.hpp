#pragma once
// A trial start of the interpreter in a child process, before MPI_Init: CPython aborts the
// process on a failed initialisation (Py_FatalError), which must not take the launch with it.
// The child starts it, reports what it found and exits; the parent turns a failure into one
// line and an exit code (2: not a usable CPython; 6: it failed to initialise), nothing written.
#include "python/interpreter.hpp"
#include "python/library.hpp"

namespace gilbench::python {

/// Throws Error(usage) or Error(runtime) with one line; else what the interpreter reported.
/// `interpreters` > 1 on CPython 3.12+: the trial creates (and ends) the subinterpreters too.
Info trial_start(const Location& where, int interpreters = 1);

}  // namespace gilbench::python
