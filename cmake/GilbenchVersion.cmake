# The git revision baked into the binary (--version, provenance), refreshed on every build (not
# only at configure time) into ${CMAKE_BINARY_DIR}/generated/gilbench_git_revision.hpp. A build
# from a tarball without .git says "unknown".
set(GILBENCH_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
file(MAKE_DIRECTORY ${GILBENCH_GENERATED_DIR})
find_package(Git QUIET)
add_custom_target(gilbench_git_revision
  COMMAND ${CMAKE_COMMAND} -DGIT=${GIT_EXECUTABLE} -DSRC=${CMAKE_SOURCE_DIR}
          -DOUT=${GILBENCH_GENERATED_DIR}/gilbench_git_revision.hpp -P ${CMAKE_CURRENT_LIST_DIR}/GilbenchGitRevision.cmake
  BYPRODUCTS ${GILBENCH_GENERATED_DIR}/gilbench_git_revision.hpp
  COMMENT "" VERBATIM)
