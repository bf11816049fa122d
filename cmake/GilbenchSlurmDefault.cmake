# gilbench_slurm_default(OUT): ON when this machine has what the real-Slurm tests need (munged,
# slurmctld, slurmd, sbatch), else OFF. GILBENCH_SLURM_SEARCH (a list of directories), when set,
# is searched instead of the system's paths: tests/install/slurm_default.cmake uses it.
function(gilbench_slurm_default out)
  set(_found ON)
  foreach(prog munged slurmctld slurmd sbatch)
    if(DEFINED GILBENCH_SLURM_SEARCH)
      find_program(_gb_prog_${prog} ${prog} PATHS ${GILBENCH_SLURM_SEARCH} NO_DEFAULT_PATH NO_CACHE)
    else()
      find_program(_gb_prog_${prog} ${prog} PATHS /usr/sbin /usr/local/sbin /sbin NO_CACHE)
    endif()
    if(NOT _gb_prog_${prog})
      set(_found OFF)
    endif()
  endforeach()
  set(${out} ${_found} PARENT_SCOPE)
endfunction()
