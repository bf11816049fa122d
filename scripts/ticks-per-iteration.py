"""Counts the ticks CPython 2.7 spends per iteration of gilbench's countdown (python/interpreter.hpp's
kCountdownSource, `while n > 0: n -= 1`): gil::kTicksPerIteration27 (src/gil/lock.hpp) must be what it
prints. Run it with a CPython 2.7 (x86-64):  python2.7 scripts/ticks-per-iteration.py

With sys.setcheckinterval(0) 2.7's ceval runs its periodic check on every tick and counts it in
tstate->tick_counter; the difference between countdown(2N) and countdown(N) is N x the ticks per
iteration (the call's own ticks cancel). The counter is read through ctypes at its offset in 2.7's
PyThreadState on x86-64 (next, interp, frame, 3 ints, 14 pointers: 128). Also prints the ticks of
one countdown(N) at the default check interval 100: N x 3 / 101 (the check fires on tick C + 1).
Exit status 0 when the count is 3, 1 otherwise."""
import ctypes
import dis
import sys

if sys.version_info[:2] != (2, 7):
    sys.exit("needs CPython 2.7 (sys.setcheckinterval and tstate->tick_counter), not %s" % sys.version.split()[0])

TICK_COUNTER_OFFSET = 128
ctypes.pythonapi.PyThreadState_Get.restype = ctypes.c_void_p
_ts = ctypes.pythonapi.PyThreadState_Get()


def ticks():
    return ctypes.c_int.from_address(_ts + TICK_COUNTER_OFFSET).value


def countdown(n):
    k = n
    while n > 0:
        n -= 1
    return k - n


def ticks_of(n):
    before = ticks()
    countdown(n)
    return ticks() - before


N = 1000000
dis.dis(countdown)
sys.setcheckinterval(0)
per_iteration = (ticks_of(2 * N) - ticks_of(N)) / float(N)
sys.setcheckinterval(100)
at_100 = ticks_of(N)
print("ticks per iteration: %g (countdown(%d) at check interval 100: %d checks, %d x 3 / 101 = %.0f)"
      % (per_iteration, N, at_100, N, N * 3 / 101.0))
sys.exit(0 if per_iteration == 3 else 1)
