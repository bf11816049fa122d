#pragma once
// An MPI error in the middle of a run (a failed call, a truncated message) ends the job the
// documented way: the rank that sees it prints one line and calls MPI_Abort with exit code 6, so
// mpirun/srun exit 6 instead of MPI's own error class (MPI_ERRORS_ARE_FATAL: 15 for a truncation)
// or a hang. Open MPI 4.1 has no fault tolerance: the runtime then ends the other ranks.
#include <mpi.h>

namespace gilbench::mpi_errors {

/// The handler on `comm`, and so on every communicator later duplicated from it (MPI_Comm_dup
/// copies the error handler): "gilbench: rank R: MPI error: <MPI_Error_string>", MPI_Abort(comm, 6).
void install(MPI_Comm comm);

/// Test hook, once per run on every rank: GILBENCH_TEST_MPI_ERROR=RANK:RUN makes rank RANK send
/// to a rank that does not exist in its RUN-th run (1-based), an MPI_ERR_RANK. Unset: nothing.
void provoke_if_asked(MPI_Comm comm);

}  // namespace gilbench::mpi_errors
