// Deterministic proof that interpreters with their own GIL (PEP 684, --interpreters with
// --kernel python) run bytecode at the same time. Two threads, each in the interpreter it is
// given (made as gilbench makes them: python::Interpreter + add_subinterpreters), mark their
// arrival in a shared page (a memfd that every interpreter maps with the mmap module) and then
// spin *in bytecode* until the other's mark appears, or a deadline passes. Every interpreter's
// switch interval is 1000 s, so a thread that holds a GIL keeps it for the whole spin (the loop
// calls nothing that lets it go): under one GIL the first to arrive times out before the other
// runs a single bytecode; with a GIL each both see the other. No timing is asserted, only who met.
// Thread A is the thread that made the interpreters and set their switch interval (as in gilbench),
// so a main thread left attached to a subinterpreter's thread state would make "meet" fail too.
//
// usage: gilbench_rendezvous_test LIBPYTHON K INTERP_A INTERP_B TIMEOUT_S meet|miss
//   K: interpreters (the main one + K-1 subinterpreters); INTERP_A/B: where each thread runs.
//   meet: both threads saw each other; miss: exactly one timed out (the negative control).
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "app/exit_codes.hpp"
#include "python/interpreter.hpp"
#include "python/library.hpp"

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "FAIL: %s\n", why.c_str());
  return 1;
}

/// countdown(n): thread n - 1 of the rendezvous; returns n when it saw the other, 0 on timeout.
std::string rendezvous_kernel(int fd, const std::string& timeout_s) {
  return "import mmap, sys, time\n"
         "sys.setswitchinterval(1000.0)\n"
         "_flags = mmap.mmap(" +
         std::to_string(fd) +
         ", 2)\n"
         "def countdown(n):\n"
         "    me, other = n - 1, 2 - n\n"
         "    _flags[me] = 1\n"
         "    deadline = time.monotonic() + " +
         timeout_s +
         "\n"
         "    while _flags[other] == 0:\n"
         "        if time.monotonic() > deadline:\n"
         "            return 0\n"
         "    return n\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s LIBPYTHON K INTERP_A INTERP_B TIMEOUT_S meet|miss\n", argv[0]);
    return 2;
  }
  const std::string library = argv[1], timeout = argv[5], expect = argv[6];
  const int k = std::atoi(argv[2]);
  const std::array<int, 2> where = {std::atoi(argv[3]), std::atoi(argv[4])};
  if (expect != "meet" && expect != "miss") return fail("expect meet or miss, not " + expect);

  const int fd = memfd_create("gilbench-rendezvous", 0);
  if (fd < 0 || ftruncate(fd, 4096) != 0) return fail("memfd_create");
  auto* flags = static_cast<volatile unsigned char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  if (flags == MAP_FAILED) return fail("mmap");
  const std::string kernel = rendezvous_kernel(fd, timeout);
  ::setenv("GILBENCH_TEST_PYTHON_KERNEL", kernel.c_str(), 1);  // what every interpreter compiles

  std::array<std::uint64_t, 2> got{};
  std::array<std::string, 2> error;
  try {
    gilbench::python::Interpreter py(gilbench::python::locate(library));
    py.add_subinterpreters(k);
    if (py.interpreters() != k) return fail("interpreters() = " + std::to_string(py.interpreters()));
    // As gilbench's runner before each run: the interval set in every interpreter from this
    // thread, which attaches each subinterpreter's own thread state here for a moment.
    if (const double in_force = py.set_switch_interval(1000.0); in_force != 1000.0)
      return fail("sys.getswitchinterval() = " + std::to_string(in_force));
    std::thread b([&] { got[1] = py.count_in(where[1], 2, error[1]); });
    // Thread A is this thread, as gilbench's OpenMP thread 0 is its main thread: in the main
    // interpreter it must attach the main one's state again, not the last subinterpreter's.
    got[0] = py.count_in(where[0], 1, error[0]);
    b.join();
  } catch (const gilbench::Error& e) {
    return fail(e.what());
  }
  for (int t = 0; t < 2; ++t)
    if (!error[static_cast<std::size_t>(t)].empty())
      return fail("thread " + std::to_string(t) + ": " + error[static_cast<std::size_t>(t)]);
  if (flags[0] != 1 || flags[1] != 1)
    return fail("the shared page lacks an arrival mark (" + std::to_string(flags[0]) + ", " + std::to_string(flags[1]) +
                "): the interpreters do not share it");
  const int met = (got[0] == 1 ? 1 : 0) + (got[1] == 2 ? 1 : 0);
  std::printf("K=%d, threads in interpreters %d and %d: %d of 2 saw the other while spinning (%s expected)\n", k,
              where[0], where[1], met, expect.c_str());
  if (expect == "meet" && met != 2) return fail("with a GIL each, both threads must meet");
  if (expect == "miss" && met != 1) return fail("under one GIL, exactly the first to arrive must time out");
  return 0;
}
