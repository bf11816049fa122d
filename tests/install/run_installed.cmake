# install.run / install.mpirun: the installed binary on a tiny run, from a directory outside the
# build tree, checked for exit code 0, the VALID line and the results file.
#   cmake -DPREFIX=... -DWORKDIR=... -DOUTPUT=run.h5 [-DLAUNCHER="mpiexec|-n|2|..."] -DTHREADS=2 -P run_installed.cmake
string(REPLACE "|" ";" LAUNCHER "${LAUNCHER}")
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}")
set(gilbench "${PREFIX}/bin/gilbench")
execute_process(COMMAND ${LAUNCHER} "${gilbench}" --count 10M --threads ${THREADS} --repeat 2
                        --output "${OUTPUT}"
                WORKING_DIRECTORY "${WORKDIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${LAUNCHER} ${gilbench}: exit ${rc}\n${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installed gilbench exited with ${rc}\nstderr:\n${err}")
endif()
if(NOT out MATCHES "(^|\n)VALID")
  message(FATAL_ERROR "no VALID line on stdout")
endif()
if(out MATCHES "INVALID")
  message(FATAL_ERROR "the run reported INVALID")
endif()
if(NOT EXISTS "${WORKDIR}/${OUTPUT}")
  message(FATAL_ERROR "no results file ${WORKDIR}/${OUTPUT}")
endif()
file(SIZE "${WORKDIR}/${OUTPUT}" size)
file(READ "${WORKDIR}/${OUTPUT}" magic LIMIT 8 HEX)
if(NOT magic STREQUAL "894844460d0a1a0a")  # "\x89HDF\r\n\x1a\n"
  message(FATAL_ERROR "${OUTPUT} is not an HDF5 file (starts with ${magic})")
endif()
message(STATUS "${OUTPUT}: HDF5 file, ${size} bytes")
