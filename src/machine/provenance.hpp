#pragma once
// Provenance of a launch: what ran, where, built how, in which environment. Rank 0 fills a
// LaunchRecord with local facts; the hosts of all ranks are gathered by the caller.
#include <string>

#include "results/schema.hpp"

namespace gilbench::provenance {

/// Local facts: versions, compiler, CPU, kernel, governor, SMT, load, timer, env, Slurm.
LaunchRecord collect(const std::string& command_line, const std::string& mpi_thread_level);

std::string hostname();
std::string build_description();  ///< "gilbench 0.1.0 (git abc123)"
std::string
versions_text();  ///< the --version text (needs MPI initialised or not: uses compile-time + Get_library_version)
std::string openmp_version();
std::string mpi_library_version();  ///< first line of MPI_Get_library_version
std::string thread_level_name(int level);

}  // namespace gilbench::provenance
