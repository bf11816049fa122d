# Code alignment of the countdown's hot loop for every target that inlines it (sweep/kernel.hpp).
# GCC's -O2 aligns loops to 16 bytes only when that skips at most 10 bytes of padding; otherwise
# the 4-instruction loop (sub, add, test, jne) may straddle a 16-byte fetch boundary, and on the
# AMD EPYC VMs this project measures on it then runs at 2 cycles per iteration instead of 1:
# gilbench_bench_lock measured `--lock gil` at 2.2x `--lock none` with one thread for an identical
# loop 8 bytes off alignment. 32-byte loop alignment makes the kernel's speed independent of
# where the linker happens to put each copy.
add_library(gilbench_kernel_align INTERFACE)
add_library(gilbench::kernel_align ALIAS gilbench_kernel_align)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(gilbench_kernel_align INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-falign-loops=32>)
endif()
