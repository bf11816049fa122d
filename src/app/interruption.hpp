#pragma once
// Which rank a stop signal reached: the ranks agree after every run whether to stop (so that they
// all leave the sweep at the same run), and rank 0 learns the signal and the lowest rank that got
// it, to name both in its "interrupted by" line even when only one rank was signalled.
#include <mpi.h>

#include <string>

namespace gilbench {

struct Interruption {
  int signal = 0;           ///< 0: no rank got a stop signal
  int rank = -1;            ///< the lowest rank that got one
  bool every_rank = false;  ///< every rank got one (mpirun forwarding SIGUSR1, scancel)
};

/// Collective, one all-reduce: this rank's signals::received_signal() combined over comm.
Interruption agree_on_stop(MPI_Comm comm);

/// Pure: the combination of every rank's received signal (index = rank; 0 = none).
Interruption combine(const int* signals, int ranks);

/// "SIGTERM" (one rank in all, or all of them), "SIGTERM on rank 1": for "interrupted by ...".
std::string describe(const Interruption& stop, int ranks);

}  // namespace gilbench
