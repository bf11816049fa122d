#pragma once
// SIGTERM/SIGINT/SIGUSR1 end a sweep gracefully: the handler only sets flags. The sweep checks
// stop_requested() between runs (all ranks agree through an all-reduce), saves what is done and
// exits 5. A run in flight may go on for the grace (--stop-grace) after the first signal; then,
// or at a second signal, run_stop() is set and the kernels stop at their next poll point.
#include <atomic>
#include <chrono>
#include <string>

namespace gilbench::signals {

/// --stop-grace without a value.
inline constexpr std::chrono::seconds kDefaultGrace{30};

void install();                ///< SIGTERM, SIGINT and SIGUSR1 set the stop flag (grace: kDefaultGrace)
bool stop_requested();         ///< this process got SIGTERM/SIGINT/SIGUSR1
int received_signal();         ///< which signal (0 if none)
std::string name(int signal);  ///< "SIGTERM", "SIGUSR1", ...; "signal 42" for one without a name here

/// How long a run in flight may still run after the first signal; 0: stop at the next poll at
/// once. Call right after parsing the command line (a signal before it gets kDefaultGrace).
void set_grace(std::chrono::nanoseconds grace);

/// Set when the grace after the first signal is over, or at once by a second signal: the flag
/// the kernels poll (gil::Params::stop). Never cleared.
const std::atomic<bool>& run_stop();

}  // namespace gilbench::signals
