#pragma once
// SIGTERM/SIGINT/SIGUSR1 end a sweep gracefully: the handler only sets a flag; the runner checks it
// between repetitions (all ranks agree through an all-reduce), saves what is done and exits 5.
#include <string>

namespace gilbench::signals {

void install();                ///< SIGTERM, SIGINT and SIGUSR1 set the stop flag
bool stop_requested();         ///< this process got SIGTERM/SIGINT
int received_signal();         ///< which signal (0 if none)
std::string name(int signal);  ///< "SIGTERM", "SIGUSR1", ...; "signal 42" for one without a name here

}  // namespace gilbench::signals
