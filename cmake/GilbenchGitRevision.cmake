# cmake -DGIT=... -DSRC=... -DOUT=... -P GilbenchGitRevision.cmake
# Writes OUT only when the revision changed, so an unchanged tree rebuilds nothing.
set(rev "unknown")
if(GIT AND EXISTS ${SRC}/.git)
  execute_process(COMMAND ${GIT} describe --always --dirty --abbrev=12 WORKING_DIRECTORY ${SRC}
                  OUTPUT_VARIABLE out OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND out)
    set(rev "${out}")
  endif()
endif()
set(content "#pragma once\n#define GILBENCH_GIT_REVISION \"${rev}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${content}")
  file(WRITE ${OUT} "${content}")
endif()
