# install.tree: `cmake --install` of this build into a fresh prefix, then the layout check.
#   cmake -DBUILD_DIR=... -DPREFIX=... -DCONFIG=... -DANALYSIS=ON|OFF -DLIBDIR=lib -P install_tree.cmake
file(REMOVE_RECURSE "${PREFIX}")
set(cfg)
if(CONFIG)
  set(cfg --config "${CONFIG}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${cfg}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}")
endif()

set(expected
  bin/gilbench
  ${LIBDIR}/libgilbench_core.a
  ${LIBDIR}/cmake/gilbench/gilbenchConfig.cmake
  ${LIBDIR}/cmake/gilbench/gilbenchConfigVersion.cmake
  ${LIBDIR}/cmake/gilbench/gilbenchTargets.cmake
  include/gilbench/sweep/kernel.hpp
  include/gilbench/gil/lock.hpp
  share/gilbench/jobs/common.sh
  share/gilbench/jobs/workstation.sh)
if(ANALYSIS)
  list(APPEND expected bin/gilbench-report
       share/gilbench/analysis/gilbench_analysis/__init__.py
       share/gilbench/analysis/gilbench_analysis/__main__.py
       share/gilbench/analysis/gilbench_analysis/schema.json)
endif()
set(missing)
foreach(f IN LISTS expected)
  if(NOT EXISTS "${PREFIX}/${f}")
    list(APPEND missing ${f})
  endif()
endforeach()
if(missing)
  list(JOIN missing "\n  " missing)
  message(FATAL_ERROR "not installed under ${PREFIX}:\n  ${missing}\ninstall log:\n${out}")
endif()

# Nothing build-only in the prefix: no tests of the analysis package, no bytecode caches, no
# warnings target in the exported package.
file(GLOB_RECURSE shared LIST_DIRECTORIES true RELATIVE "${PREFIX}" "${PREFIX}/share/*")
set(stray ${shared})
list(FILTER stray INCLUDE REGEX "(__pycache__|\\.pyc$|^share/gilbench/analysis/tests)")
if(stray)
  message(FATAL_ERROR "build-only files installed: ${stray}")
endif()
file(READ "${PREFIX}/${LIBDIR}/cmake/gilbench/gilbenchTargets.cmake" targets)
foreach(t gilbench::core gilbench::gilbench)
  string(FIND "${targets}" "add_library(${t} " lib_at)
  string(FIND "${targets}" "add_executable(${t} " exe_at)
  if(lib_at EQUAL -1 AND exe_at EQUAL -1)
    message(FATAL_ERROR "gilbenchTargets.cmake does not define ${t}")
  endif()
endforeach()
if(targets MATCHES "warnings")
  message(FATAL_ERROR "gilbenchTargets.cmake exports the build-only warnings target")
endif()
foreach(x IN LISTS expected)
  set(listing "${listing}  ${x}\n")
endforeach()
message(STATUS "installed into ${PREFIX}:\n${listing}")
