# -*- coding: utf-8 -*-
"""The real CPython countdown, run by gilbench-fidelity under each interpreter it compares.

Runs under CPython 2.7 and 3.x alike (no f-strings, no 3-only syntax). Usage:

    python child.py MODE WORKERS N SWITCH_INTERVAL_S CHECK_INTERVAL

MODE      sequential (N in the main thread: no thread is ever started, so Python 2 never creates
          its interpreter lock), threads (WORKERS threads share N), processes (WORKERS processes
          share N, multiprocessing).
SWITCH_INTERVAL_S  > 0: sys.setswitchinterval (3.x);  CHECK_INTERVAL  > 0: sys.setcheckinterval (2.x)

Prints one line: RESULT wall=<s> switches=<n|-1> ctxv=<n> ctxi=<n>
  wall      from the moment every worker is ready and released to the last one done
  switches  the GIL's own holder-change counter (gil->switch_number, 3.2+), read from the
            interpreter's memory (located by pattern, verified), -1 where unavailable
  ctxv/ctxi voluntary/involuntary context switches of the worker threads (getrusage per thread)
"""
import ctypes
import struct
import sys
import threading
import time

from pykernel import countdown, shares  # next to this script

RUSAGE_THREAD = 1  # Linux

try:
    import resource
except ImportError:  # pragma: no cover
    resource = None


def thread_ctx():
    if resource is None:
        return (0, 0)
    try:
        r = resource.getrusage(RUSAGE_THREAD)
    except (ValueError, OSError):
        return (0, 0)
    return (r.ru_nvcsw, r.ru_nivcsw)


def find_switch_number():
    """Returns a function reading CPython's gil->switch_number, or None.

    struct _gil_runtime_state (3.2 .. 3.13) begins: unsigned long interval (µs);
    last_holder (PyThreadState*); int locked; unsigned long switch_number. Search the runtime
    state (_PyRuntime) and the interpreter state for interval == a marker value followed by
    last_holder == this thread's state and locked == 1; require the same hit with a second
    marker; restore the interval."""
    if not hasattr(sys, "setswitchinterval"):
        return None
    try:
        api = ctypes.pythonapi
        api.PyThreadState_Get.restype = ctypes.c_void_p
        tstate = api.PyThreadState_Get()
        bases = []
        try:
            bases.append(ctypes.addressof(ctypes.c_char.in_dll(api, "_PyRuntime")))
        except ValueError:
            pass
        if hasattr(api, "PyInterpreterState_Get"):
            api.PyInterpreterState_Get.restype = ctypes.c_void_p
            bases.append(api.PyInterpreterState_Get())
        maps = []
        with open("/proc/self/maps") as f:
            for line in f:
                fields = line.split()
                if "r" not in fields[1]:
                    continue
                lo, hi = (int(x, 16) for x in fields[0].split("-"))
                maps.append((lo, hi))
        regions = []
        for b in bases:
            for lo, hi in maps:
                if lo <= b < hi:
                    regions.append((b, min(1 << 20, hi - b)))
    except Exception:
        return None
    old = sys.getswitchinterval()
    candidates = None
    try:
        for marker in (0.004321, 0.001234):
            sys.setswitchinterval(marker)
            pattern = struct.pack("=QQ", int(round(marker * 1e6)), tstate)
            hits = set()
            for base, size in regions:
                blob = ctypes.string_at(base, size)
                i = blob.find(pattern)
                while i >= 0:
                    if i % 8 == 0 and struct.unpack_from("=i", blob, i + 16)[0] == 1:
                        hits.add(base + i)
                    i = blob.find(pattern, i + 1)
            candidates = hits if candidates is None else (candidates & hits)
    finally:
        sys.setswitchinterval(old)
    if not candidates or len(candidates) != 1:
        return None
    address = candidates.pop() + 24
    return lambda: ctypes.c_ulong.from_address(address).value


def run_threads(workers, n):
    start = threading.Event()
    lock = threading.Lock()
    ctx = [0, 0]

    def worker(k):
        start.wait()
        a = thread_ctx()
        countdown(k)
        b = thread_ctx()
        with lock:
            ctx[0] += b[0] - a[0]
            ctx[1] += b[1] - a[1]

    threads = [threading.Thread(target=worker, args=(k,)) for k in shares(n, workers)]
    for t in threads:
        t.start()
    reader = find_switch_number()
    time.sleep(0.05)  # let every thread reach start.wait()
    s0 = reader() if reader else -1
    t0 = clock()
    start.set()
    for t in threads:
        t.join()
    wall = clock() - t0
    switches = reader() - s0 if reader else -1
    return wall, switches, ctx[0], ctx[1]


def _process_worker(k, ready, go, out):
    ready.put(1)
    go.wait()
    a = time.time()
    countdown(k)
    out.put((a, time.time()))


def run_processes(workers, n):
    import multiprocessing
    ready, out, go = multiprocessing.Queue(), multiprocessing.Queue(), multiprocessing.Event()
    procs = [multiprocessing.Process(target=_process_worker, args=(k, ready, go, out)) for k in shares(n, workers)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    go.set()
    spans = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return max(e for _, e in spans) - min(s for s, _ in spans), -1, 0, 0


clock = getattr(time, "perf_counter", time.time)


def main(argv):
    mode, workers, n = argv[1], int(argv[2]), int(argv[3])
    switch_interval, check_interval = float(argv[4]), int(argv[5])
    if switch_interval > 0 and hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(switch_interval)
    if check_interval > 0 and hasattr(sys, "setcheckinterval") and sys.version_info[0] == 2:
        sys.setcheckinterval(check_interval)
    if mode == "sequential":
        t0 = clock()
        countdown(n)
        result = (clock() - t0, -1, 0, 0)
    elif mode == "threads":
        result = run_threads(workers, n)
    elif mode == "processes":
        result = run_processes(workers, n)
    else:
        raise SystemExit("unknown mode " + mode)
    sys.stdout.write("RESULT wall=%.9f switches=%d ctxv=%d ctxi=%d\n" % result)


if __name__ == "__main__":
    main(sys.argv)
