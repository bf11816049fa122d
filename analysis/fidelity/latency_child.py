# -*- coding: utf-8 -*-
"""CPython's side of the latency probe (the convoy effect, bpo-7946; the design of CPython's old
Tools/ccbench latency test), run by gilbench-fidelity under each interpreter it compares.

Runs under CPython 2.7 and 3.x alike (no f-strings, no 3-only syntax). Usage:

    python latency_child.py WORKERS N PERIOD_S SWITCH_INTERVAL_S CHECK_INTERVAL DURATION_S

A helper process, forked before any thread starts, writes (event number, send time) into a
socketpair every PERIOD_S (absolute deadlines on CLOCK_MONOTONIC, no drift). The main thread is
the I/O thread: it blocks in recv() (which releases the GIL, as every blocking call does), and on
each message records now - sent; to run that Python code after recv() returns it must take the
GIL back — behind the CPU-bound threads. Meanwhile WORKERS threads count down N iterations
between them (WORKERS = 0: one thread only sleeps for DURATION_S, holding no GIL — the
uncontended case). When the last worker is done it asks the helper to stop; the helper shuts its
side down after its last event, and the main thread handles every event still queued (none is
lost or counted twice: their numbers must run 0..n-1).

SWITCH_INTERVAL_S > 0: sys.setswitchinterval (3.x);  CHECK_INTERVAL > 0: sys.setcheckinterval (2.x)

Prints:
  RESULT wall=<s> cpu=<s> events=<n> complete=<0|1>
      wall  from releasing the workers to the last worker done
      cpu   CPU time (user + system) of this process — every thread of it, not the helper —
            over the same span (getrusage RUSAGE_SELF)
  LATENCY <latency_s> <latency_s> ...      one per event, in event order
"""
import os
import select
import socket
import struct
import sys
import threading
import time

from pykernel import countdown, shares  # next to this script

try:
    import resource
except ImportError:  # pragma: no cover
    resource = None

MESSAGE = struct.Struct("=Qd")  # event number, send time (s, CLOCK_MONOTONIC)


def _monotonic_clock():
    """CLOCK_MONOTONIC in seconds, without releasing the GIL (the I/O thread must not drop and
    re-take it a second time just to read the clock). 3.x: time.monotonic. 2.7: clock_gettime
    through ctypes.PyDLL — a plain CDLL call would release the GIL around the call."""
    if hasattr(time, "monotonic"):
        return time.monotonic
    import ctypes

    class timespec(ctypes.Structure):
        _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]

    libc = None
    for name in ("libc.so.6", "librt.so.1"):
        try:
            libc = ctypes.PyDLL(name)
            libc.clock_gettime
            break
        except (OSError, AttributeError):
            libc = None
    if libc is None:
        raise SystemExit("latency_child: no clock_gettime")
    clock_gettime = libc.clock_gettime
    clock_gettime.argtypes = [ctypes.c_int, ctypes.POINTER(timespec)]
    clock_gettime.restype = ctypes.c_int
    ts = timespec()
    ref = ctypes.byref(ts)
    CLOCK_MONOTONIC = 1

    def monotonic():
        clock_gettime(CLOCK_MONOTONIC, ref)
        return ts.tv_sec + ts.tv_nsec * 1e-9

    return monotonic


now = _monotonic_clock()


def cpu_seconds():
    if resource is None:
        t = os.times()
        return t[0] + t[1]
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def helper(sock, period):
    """The event source (a separate process): waits for the go byte, then sends an event every
    period until a stop byte arrives; then shuts its side down (the reader sees EOF after the
    last event) and exits."""
    try:
        if sock.recv(1) != b"G":
            os._exit(1)
        deadline = now()
        k = 0
        while True:
            deadline += period
            stop = False
            while True:
                left = deadline - now()
                if left <= 0:
                    break
                readable, _, _ = select.select([sock], [], [], left)
                if readable:
                    sock.recv(1)  # consume the stop byte: a socket closed with unread data resets the peer
                    stop = True
                    break
            if stop:
                break
            sock.sendall(MESSAGE.pack(k, now()))
            k += 1
        sock.shutdown(socket.SHUT_WR)
    except Exception:  # pragma: no cover - reported by the parent as incomplete
        os._exit(1)
    os._exit(0)


def recv_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return data
        data += chunk
    return data


def main(argv):
    workers, n = int(argv[1]), int(argv[2])
    period, switch_interval, check_interval, duration = float(argv[3]), float(argv[4]), int(argv[5]), float(argv[6])
    if switch_interval > 0 and hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(switch_interval)
    if check_interval > 0 and hasattr(sys, "setcheckinterval") and sys.version_info[0] == 2:
        sys.setcheckinterval(check_interval)

    io_sock, helper_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    sys.stdout.flush()
    pid = os.fork()  # before any thread exists
    if pid == 0:
        io_sock.close()
        helper(helper_sock, period)
    helper_sock.close()

    go = threading.Event()
    lock = threading.Lock()
    state = {"left": max(workers, 1), "t_end": None, "cpu_end": None}

    def finished():
        with lock:
            state["left"] -= 1
            last = state["left"] == 0
        if last:
            state["t_end"] = now()
            state["cpu_end"] = cpu_seconds()
            io_sock.sendall(b"S")  # the helper stops after at most one more period

    def worker(k):
        go.wait()
        countdown(k)
        finished()

    def sleeper():
        go.wait()
        time.sleep(duration)
        finished()

    if workers > 0:
        threads = [threading.Thread(target=worker, args=(k,)) for k in shares(n, workers)]
    else:
        threads = [threading.Thread(target=sleeper)]
    for t in threads:
        t.daemon = True
        t.start()
    time.sleep(0.05)  # let every thread reach go.wait()

    events = []
    cpu0 = cpu_seconds()
    t0 = now()
    go.set()
    io_sock.sendall(b"G")
    while True:
        data = io_sock.recv(MESSAGE.size)  # blocks without the GIL; returning needs it back
        t = now()
        if not data:
            break
        if len(data) < MESSAGE.size:
            rest = recv_exact(io_sock, MESSAGE.size - len(data))
            data += rest
            t = now()
            if len(data) < MESSAGE.size:
                break
        k, sent = MESSAGE.unpack(data)
        events.append((k, t - sent))
    for th in threads:
        th.join()
    _, status = os.waitpid(pid, 0)
    io_sock.close()
    complete = status == 0 and [k for k, _ in events] == list(range(len(events)))
    sys.stdout.write("RESULT wall=%.9f cpu=%.9f events=%d complete=%d\n" %
                     (state["t_end"] - t0, state["cpu_end"] - cpu0, len(events), 1 if complete else 0))
    sys.stdout.write("LATENCY " + " ".join("%.9f" % lat for _, lat in events) + "\n")


if __name__ == "__main__":
    main(sys.argv)
