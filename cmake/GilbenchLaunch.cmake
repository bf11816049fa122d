# How ctest launches MPI programs. Root and oversubscription permissions belong here (launch
# configuration), never in the C++: Open MPI refuses root without them, and the MPI tests start
# more ranks than a small machine has cores.
set(GILBENCH_MPI_ENV
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
  CACHE STRING "Environment for MPI launches made by ctest")
set(MPIEXEC_PREFLAGS "--oversubscribe;--bind-to;none" CACHE STRING "Flags placed before the program by ctest's MPI launches")
