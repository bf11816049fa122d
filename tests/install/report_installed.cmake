# install.report: the installed gilbench-report (bin/ + share/gilbench/analysis) on the file the
# installed binary wrote, run from outside the source tree with no PYTHONPATH.
#   cmake -DPREFIX=... -DWORKDIR=... -DRESULTS=... -P report_installed.cmake
set(report "${PREFIX}/bin/gilbench-report")
set(outdir "${WORKDIR}/report")
file(REMOVE_RECURSE "${outdir}")
execute_process(COMMAND "${CMAKE_COMMAND}" -E env --unset=PYTHONPATH
                        "${report}" report "${RESULTS}" -o "${outdir}"
                WORKING_DIRECTORY "${WORKDIR}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${report} report: exit ${rc}\n${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "installed gilbench-report exited with ${rc}\nstderr:\n${err}")
endif()
file(GLOB_RECURSE made RELATIVE "${outdir}" "${outdir}/*")
list(LENGTH made n)
if(n EQUAL 0)
  message(FATAL_ERROR "gilbench-report wrote nothing into ${outdir}")
endif()
message(STATUS "report: ${n} files: ${made}")
