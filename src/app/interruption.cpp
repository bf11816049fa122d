#include "app/interruption.hpp"

#include <climits>

#include "app/signals.hpp"

namespace gilbench {
namespace {

/// A rank's contribution to the MPI_MIN reduction: [rank * 128 + signal or INT_MAX, got one].
/// The minimum is the lowest signalled rank with its signal (Linux signals are < 128), and
/// min(got one) is 1 only when every rank got one.
constexpr int kSignalSpan = 128;

void contribution(int rank, int signal, int out[2]) {
  out[0] = signal != 0 ? rank * kSignalSpan + signal % kSignalSpan : INT_MAX;
  out[1] = signal != 0 ? 1 : 0;
}

Interruption decoded(const int reduced[2]) {
  Interruption s;
  if (reduced[0] == INT_MAX) return s;
  s.signal = reduced[0] % kSignalSpan;
  s.rank = reduced[0] / kSignalSpan;
  s.every_rank = reduced[1] == 1;
  return s;
}

}  // namespace

Interruption agree_on_stop(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  int v[2];
  contribution(rank, signals::received_signal(), v);
  MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_INT, MPI_MIN, comm);
  return decoded(v);
}

Interruption combine(const int* signals, int ranks) {
  int acc[2] = {INT_MAX, 1};
  for (int r = 0; r < ranks; ++r) {
    int v[2];
    contribution(r, signals[r], v);
    acc[0] = v[0] < acc[0] ? v[0] : acc[0];
    acc[1] = v[1] < acc[1] ? v[1] : acc[1];
  }
  return decoded(acc);
}

std::string describe(const Interruption& stop, int ranks) {
  const std::string name = signals::name(stop.signal);
  if (ranks <= 1 || stop.every_rank) return name;
  return name + " on rank " + std::to_string(stop.rank);
}

}  // namespace gilbench
