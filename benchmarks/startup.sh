#!/usr/bin/env bash
# How long gilbench takes to answer without running anything (--help, --version, a bad argument):
# whole process, median of 11. Outside an MPI launcher these never initialise MPI (goal <= 20 ms);
# under mpirun every rank still enters MPI_Init, so the ranks agree. Usage: benchmarks/startup.sh [GILBENCH]
set -uo pipefail
GB=${1:-$(dirname "$0")/../build/release/bin/gilbench}
median_ms() {
  for _ in $(seq 11); do
    local t0 t1; t0=$(date +%s%N); "$GB" "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000 ))
  done | sort -n | sed -n 6p | awk '{printf "%.1f", $1 / 1000}'
}
for args in "--help" "--version" "--count 0"; do
  # shellcheck disable=SC2086
  echo "gilbench $args: $(median_ms $args) ms (median of 11)"
done
