# install.consumer: a separate CMake project finds the installed package, links gilbench::core,
# builds with this build's compilers and generator, and runs.
#   cmake -DPREFIX=... -DSOURCE=.../consumer -DBINARY=... -DGENERATOR=... -DC=... -DCXX=...
#         -DVERSION=... -DBUILD_TYPE=... -P consumer.cmake
file(REMOVE_RECURSE "${BINARY}")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE}" -B "${BINARY}" -G "${GENERATOR}"
                        "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DCMAKE_C_COMPILER=${C}" "-DCMAKE_CXX_COMPILER=${CXX}"
                        "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" "-DEXPECTED_VERSION=${VERSION}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message(STATUS "consumer configure: exit ${rc}\n${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer project does not configure against ${PREFIX}")
endif()
set(cfg)
if(BUILD_TYPE)
  set(cfg --config "${BUILD_TYPE}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BINARY}" ${cfg}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer project does not build:\n${out}")
endif()
file(GLOB_RECURSE exe "${BINARY}/consumer" "${BINARY}/*/consumer")
if(NOT exe)
  message(FATAL_ERROR "no consumer executable under ${BINARY}:\n${out}")
endif()
list(GET exe 0 exe)
execute_process(COMMAND "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message(STATUS "${exe}: exit ${rc}\n${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer failed its checks")
endif()
