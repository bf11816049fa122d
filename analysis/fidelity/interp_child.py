"""CPython's per-interpreter GIL (PEP 684), run by gilbench-fidelity under CPython 3.12 / 3.13.

    python interp_child.py MODE WORKERS N

MODE  sequential       N iterations in the main thread
      threads          WORKERS threads of the main interpreter share N (one GIL)
      subinterpreters  WORKERS isolated subinterpreters, each with its own GIL, each driven by a
                       thread of its own, share N
                       (3.12: _xxsubinterpreters.create(isolated=True);
                        3.13: _interpreters.create(_interpreters.new_config('isolated')))

Every mode runs the same function (`countdown`, compiled from the same source, locals only);
interpreters are created before the clock starts and destroyed after it stops. Prints one line:
    RESULT wall=<s> cpu=<s> gil=<own|shared|->
wall from releasing the workers to the last one done; cpu the process's CPU time over that span;
gil the subinterpreters' GIL as their config reports it (3.13), "own" for 3.12's isolated=True.
"""
import resource
import sys
import threading
import time

from pykernel import shares  # next to this script

SOURCE = "def countdown(n):\n    while n > 0:\n        n -= 1\n"
_namespace = {}
exec(SOURCE, _namespace)  # the same function the subinterpreters compile from the same source
countdown = _namespace["countdown"]




def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Subinterpreters:
    """The private module of this version: create / run / destroy an isolated interpreter."""

    def __init__(self):
        try:
            import _interpreters as m  # 3.13
            self.m, self.new = m, lambda: m.create(m.new_config("isolated"))
            self.gil = lambda i: m.get_config(i).gil
        except ImportError:
            try:
                import _xxsubinterpreters as m  # 3.12
            except ImportError:
                raise SystemExit("no subinterpreter module (_interpreters / _xxsubinterpreters) in Python %d.%d"
                                 % sys.version_info[:2])
            self.m, self.new = m, lambda: m.create(isolated=True)
            self.gil = lambda i: "own"

    def run(self, interp, code):
        failure = self.m.run_string(interp, code)  # 3.12 raises; 3.13 returns the exception's snapshot
        if failure is not None:
            raise RuntimeError("subinterpreter failed: %r" % (failure,))


def timed(targets):
    """Starts a thread per target, releases them together; returns (wall, cpu)."""
    go = threading.Event()
    errors = []

    def wrap(fn):
        go.wait()
        try:
            fn()
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in targets]
    for t in threads:
        t.start()
    time.sleep(0.05)  # let every thread reach go.wait()
    c0, t0 = cpu_seconds(), time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    if errors:
        raise SystemExit("interp_child: %s" % errors[0])
    return wall, cpu


def main(argv):
    mode, workers, n = argv[1], int(argv[2]), int(argv[3])
    if mode == "subinterpreters" and sys.version_info < (3, 12):
        # 3.11 and older have _xxsubinterpreters too, but every interpreter shares the one GIL
        raise SystemExit("interp_child: Python %d.%d has no per-interpreter GIL (PEP 684 needs 3.12+)"
                         % sys.version_info[:2])
    gil = "-"
    if mode == "sequential":
        c0, t0 = cpu_seconds(), time.perf_counter()
        countdown(n)
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    elif mode == "threads":
        wall, cpu = timed([(lambda k=k: countdown(k)) for k in shares(n, workers)])
        gil = "shared"
    elif mode == "subinterpreters":
        sub = Subinterpreters()
        interps = [sub.new() for _ in range(workers)]
        gils = set(sub.gil(i) for i in interps)
        gil = ",".join(sorted(gils))
        for i in interps:  # compile the function inside each interpreter before the clock starts
            sub.run(i, SOURCE)
        try:
            wall, cpu = timed([(lambda i=i, k=k: sub.run(i, "countdown(%d)\n" % k))
                               for i, k in zip(interps, shares(n, workers))])
        finally:
            for i in interps:
                sub.m.destroy(i)
    else:
        raise SystemExit("unknown mode " + mode)
    sys.stdout.write("RESULT wall=%.9f cpu=%.9f gil=%s\n" % (wall, cpu, gil))


if __name__ == "__main__":
    main(sys.argv)
