#pragma once
// Checks that may crash the process, run in a forked child: libhdf5 can die (SIGSEGV, abort)
// decoding a damaged file before any check of ours sees it. The child runs the check, passes
// back its Error's message through a pipe and _exit()s; it never calls MPI, and its stderr and
// core dumps go nowhere, so a crash costs the parent one clear line.
#include <functional>
#include <string>

namespace gilbench::isolated {

/// Runs `check` (of `file`) in a forked child. Returns when it returned; throws its Error
/// (code and message) when it threw one; throws Error(io, "FILE: libhdf5 crashed reading it
/// (signal N, NAME): ...") when the child died of a signal. Without fork() (resource limits)
/// the check runs in this process.
void run(const std::function<void()>& check, const std::string& file);

}  // namespace gilbench::isolated
