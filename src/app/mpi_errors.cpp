#include "app/mpi_errors.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/exit_codes.hpp"

namespace gilbench::mpi_errors {
namespace {

extern "C" void on_mpi_error(MPI_Comm* comm, int* code, ...) {
  char text[MPI_MAX_ERROR_STRING] = {};
  int len = 0;
  if (MPI_Error_string(*code, text, &len) != MPI_SUCCESS) std::snprintf(text, sizeof text, "error code %d", *code);
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "gilbench: rank %d: MPI error: %s\n", rank, text);
  std::fflush(stderr);
  MPI_Abort(*comm, static_cast<int>(ExitCode::runtime));
}

}  // namespace

void install(MPI_Comm comm) {
  MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
  MPI_Comm_create_errhandler(on_mpi_error, &handler);
  MPI_Comm_set_errhandler(comm, handler);
  MPI_Errhandler_free(&handler);  // the communicator keeps its reference
}

void provoke_if_asked(MPI_Comm comm) {
  static const char* const spec = std::getenv("GILBENCH_TEST_MPI_ERROR");
  static long calls = 0;
  if (spec == nullptr) return;
  ++calls;
  int want_rank = -1;
  long want_run = 0;
  if (std::sscanf(spec, "%d:%ld", &want_rank, &want_run) != 2) return;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (rank != want_rank || calls != want_run) return;
  char byte = 0;
  MPI_Send(&byte, 1, MPI_CHAR, size, 0, comm);  // rank `size` does not exist
}

}  // namespace gilbench::mpi_errors
