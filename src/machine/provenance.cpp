#include "machine/provenance.hpp"

#include <mpi.h>
#include <omp.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

#include "machine/affinity.hpp"
#include "gilbench_git_revision.hpp"
#include "results/h5_store.hpp"

extern char** environ;

namespace gilbench::provenance {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in && std::getline(in, line)) return line;
  return {};
}

std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto v = line.substr(colon + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
      }
    }
  }
  return {};
}

std::string env_with_prefix(const std::string& prefix) {
  std::vector<std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e)
    if (std::string(*e).rfind(prefix, 0) == 0) vars.emplace_back(*e);
  std::sort(vars.begin(), vars.end());
  std::string out;
  for (const auto& v : vars) out += (out.empty() ? "" : "\n") + v;
  return out;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

std::int32_t env_int(const char* name) {
  const std::string v = env(name);
  // SLURM_CPUS_PER_TASK / SLURM_NTASKS are plain integers
  try {
    return v.empty() ? 0 : static_cast<std::int32_t>(std::stol(v));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::string hostname() {
  // Inside a Slurm step, Slurm's node name: the host name on ordinary clusters, and it tells
  // apart several slurmd "nodes" on one host (the test cluster).
  if (const char* node = std::getenv("SLURMD_NODENAME"); node != nullptr && *node != '\0') return node;
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string openmp_version() {
  // _OPENMP is the date of the supported specification.
  const int date = _OPENMP;
  const char* spec = date >= 202111   ? "5.2"
                     : date >= 202011 ? "5.1"
                     : date >= 201811 ? "5.0"
                     : date >= 201511 ? "4.5"
                     : date >= 201307 ? "4.0"
                                      : "3.x";
  return std::to_string(date) + " (OpenMP " + spec + ")";
}

std::string mpi_library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, static_cast<std::size_t>(std::max(len, 0)));
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ' || s.back() == ',')) s.pop_back();
  return s;
}

std::string thread_level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
    default: return "unknown";
  }
}

std::string build_description() {
  return std::string("gilbench ") + GILBENCH_VERSION + " (git " + GILBENCH_GIT_REVISION + ")";
}

std::string versions_text() {
  int major = 0, minor = 0;
  MPI_Get_version(&major, &minor);
  std::ostringstream s;
  s << build_description() << "\n"
    << "  compiler: " << GILBENCH_COMPILER << ", " << GILBENCH_BUILD_TYPE << "\n"
    << "  MPI:      " << mpi_library_version() << " (MPI " << major << "." << minor << ")\n"
    << "  HDF5:     " << ResultsStore::library_version() << "\n"
    << "  OpenMP:   " << openmp_version() << "\n"
    << "  results schema version " << kSchemaVersion;
  return s.str();
}

LaunchRecord collect(const std::string& command_line, const std::string& mpi_thread_level) {
  LaunchRecord r;
  const auto now = std::chrono::system_clock::now();
  r.start_unix = std::chrono::duration<double>(now.time_since_epoch()).count();
  char buf[32];
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  r.start_time = buf;
  r.gilbench_version = GILBENCH_VERSION;
  r.git_revision = GILBENCH_GIT_REVISION;
  r.compiler = GILBENCH_COMPILER;
  r.cxx_flags = std::string(GILBENCH_BUILD_TYPE) + ": " + GILBENCH_CXX_FLAGS;
  r.mpi_library = mpi_library_version();
  int major = 0, minor = 0;
  MPI_Get_version(&major, &minor);
  r.mpi_version = std::to_string(major) + "." + std::to_string(minor);
  r.mpi_thread_level = mpi_thread_level;
  r.hdf5_version = ResultsStore::library_version();
  r.openmp_version = openmp_version();
  r.cpu_model = cpuinfo_field("model name");
  if (r.cpu_model.empty()) r.cpu_model = "unknown";
  const std::string mhz = cpuinfo_field("cpu MHz");
  r.cpu_mhz = mhz.empty() ? 0.0 : std::atof(mhz.c_str());
  utsname u{};
  if (::uname(&u) == 0) r.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  r.governor = read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  if (r.governor.empty()) r.governor = "unknown";
  r.smt = read_first_line("/sys/devices/system/cpu/smt/control");
  if (r.smt.empty()) r.smt = "unknown";
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) > 0) r.loadavg = load[0];
  timespec res{};
  clock_getres(CLOCK_MONOTONIC, &res);
  r.timer_resolution_s = static_cast<double>(res.tv_sec) + static_cast<double>(res.tv_nsec) * 1e-9;
  r.command_line = command_line;
  r.env_omp = env_with_prefix("OMP_");
  r.env_slurm = env_with_prefix("SLURM_");
  r.allowed_cpus = static_cast<std::int32_t>(affinity::allowed_cpus().size());
  r.slurm_job_id = env("SLURM_JOB_ID");
  r.slurm_array_job_id = env("SLURM_ARRAY_JOB_ID");
  r.slurm_array_task_id = env("SLURM_ARRAY_TASK_ID");
  r.slurm_step_id = env("SLURM_STEP_ID");
  r.slurm_nodelist = env("SLURM_JOB_NODELIST");
  r.slurm_partition = env("SLURM_JOB_PARTITION");
  r.slurm_ntasks = env_int("SLURM_NTASKS");
  r.slurm_cpus_per_task = env_int("SLURM_CPUS_PER_TASK");
  return r;
}

}  // namespace gilbench::provenance
