# `cmake --install` layout and the exported CMake package (included last by the top-level
# CMakeLists.txt, after every target exists):
#
#   bin/gilbench                        the benchmark              (gilbench::gilbench)
#   bin/gilbench-report                 the analysis entry point (a launcher script)
#   lib/libgilbench_*.a                 the library                (gilbench::core, ::gil[_mpi])
#   include/gilbench/**.hpp             its headers: #include <gilbench/sweep/kernel.hpp> or "sweep/kernel.hpp"
#   lib/cmake/gilbench/                 gilbenchConfig.cmake, ...ConfigVersion.cmake, ...Targets.cmake
#   share/gilbench/jobs/                the Slurm / workstation job scripts
#   share/gilbench/analysis/            the gilbench_analysis package (found by gilbench-report)
#
# A consumer: find_package(gilbench REQUIRED) + target_link_libraries(x PRIVATE gilbench::core)
# in a project with LANGUAGES C CXX (FindHDF5 and FindMPI need C).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(GILBENCH_INSTALL_ANALYSIS "Install gilbench-report and the gilbench_analysis package" ON)
set(GILBENCH_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/gilbench CACHE STRING
    "Where gilbenchConfig.cmake is installed (relative to the prefix)")
mark_as_advanced(GILBENCH_INSTALL_CMAKEDIR)

# ---- programs ----------------------------------------------------------------------------------
# Keep the RPATH to dependencies outside the system directories (a module-loaded MPI or HDF5 on
# a cluster): the installed binary then runs without LD_LIBRARY_PATH. Spack sets this itself.
if(NOT DEFINED CMAKE_INSTALL_RPATH_USE_LINK_PATH)
  set_target_properties(gilbench PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
endif()
install(TARGETS gilbench EXPORT gilbenchTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(_gilbench_report ${PROJECT_SOURCE_DIR}/analysis/gilbench-report)
if(GILBENCH_INSTALL_ANALYSIS)
  # A launcher: finds the package in ../share/gilbench/analysis and a Python with h5py, numpy,
  # pandas, matplotlib, scipy at run time ($GILBENCH_PYTHON, /usr/bin/python3, python3 on PATH).
  install(PROGRAMS ${_gilbench_report} DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/analysis/gilbench_analysis
          DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/analysis
          PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE PATTERN "tests" EXCLUDE)
  # The fidelity command (real CPython beside the emulation) finds fidelity/ next to itself:
  # PREFIX/share/gilbench/analysis/gilbench-fidelity.
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/analysis/gilbench-fidelity DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/analysis)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/analysis/fidelity DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/analysis
          PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE)
  # The classroom notebook and the example reference file of `gilbench-report check`.
  install(FILES ${PROJECT_SOURCE_DIR}/analysis/notebooks/gil-experiment.ipynb
          DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/analysis/notebooks)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/analysis/references DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/analysis)
endif()

# Executable scripts whatever the checkout's file modes (sbatch files too: `./x.sbatch` runs
# them outside Slurm).
set(_gilbench_exe_perms OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/jobs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/jobs
        PATTERN "*~" EXCLUDE
        PATTERN "*.sh" PERMISSIONS ${_gilbench_exe_perms}
        PATTERN "*.sbatch" PERMISSIONS ${_gilbench_exe_perms})
# The documentation: schema, GIL model, jobs, install (share/gilbench/doc).
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/doc)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/gilbench/doc)

# ---- library, headers, exported package --------------------------------------------------------
# Export names: gilbench::core, gilbench::gil, gilbench::gil_mpi, gilbench::gilbench.
set(_gilbench_libs gilbench_core gilbench_gil gilbench_gil_mpi)
set_target_properties(gilbench_core PROPERTIES EXPORT_NAME core)
set_target_properties(gilbench_gil PROPERTIES EXPORT_NAME gil)
set_target_properties(gilbench_gil_mpi PROPERTIES EXPORT_NAME gil_mpi)
# Installed headers live in include/gilbench/ (they include each other as "app/config.hpp",
# "gil/lock.hpp"); include/ is added so consumers can write <gilbench/sweep/kernel.hpp>.
target_include_directories(gilbench_core PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

# An exported target must not carry build-only things: the warnings target or a source-tree
# include directory outside $<BUILD_INTERFACE:...>. Check, and say what to change, rather than
# fail the whole configure at generate time.
set(_gilbench_export_problems "")
foreach(_t IN LISTS _gilbench_libs ITEMS gilbench)
  get_target_property(_links ${_t} INTERFACE_LINK_LIBRARIES)
  get_target_property(_incs ${_t} INTERFACE_INCLUDE_DIRECTORIES)
  string(REGEX REPLACE "\\$<BUILD_INTERFACE:[^>]*>" "" _links "${_links}")
  string(REGEX REPLACE "\\$<BUILD_INTERFACE:[^>]*>" "" _incs "${_incs}")
  if(_links MATCHES "gilbench(::|_)warnings")
    string(APPEND _gilbench_export_problems
           "\n  ${_t}: link gilbench::warnings as $<BUILD_INTERFACE:gilbench::warnings>")
  endif()
  string(FIND "${_incs}" "${PROJECT_SOURCE_DIR}" _in_src)
  string(FIND "${_incs}" "${PROJECT_BINARY_DIR}" _in_bin)
  if(_in_src GREATER -1 OR _in_bin GREATER -1)
    string(APPEND _gilbench_export_problems
           "\n  ${_t}: wrap its source include directory in $<BUILD_INTERFACE:...> and add "
           "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/gilbench>")
  endif()
endforeach()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gilbench
        FILES_MATCHING PATTERN "*.hpp")

if(_gilbench_export_problems)
  message(WARNING "gilbench: the CMake package (lib/cmake/gilbench) is NOT installed; "
          "fix these targets:${_gilbench_export_problems}")
  return()
endif()

install(TARGETS ${_gilbench_libs} EXPORT gilbenchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT gilbenchTargets NAMESPACE gilbench:: FILE gilbenchTargets.cmake
        DESTINATION ${GILBENCH_INSTALL_CMAKEDIR})

# The config file prefers the same kind of HDF5 (parallel or serial) this build used.
if(HDF5_IS_PARALLEL)
  set(GILBENCH_HDF5_IS_PARALLEL ON)
else()
  set(GILBENCH_HDF5_IS_PARALLEL OFF)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/gilbenchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/install/gilbenchConfig.cmake
  INSTALL_DESTINATION ${GILBENCH_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a new minor version may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/install/gilbenchConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/install/gilbenchConfig.cmake
              ${PROJECT_BINARY_DIR}/install/gilbenchConfigVersion.cmake
        DESTINATION ${GILBENCH_INSTALL_CMAKEDIR})
