"""Decode a results file first in a forked child, so that libhdf5 crashing (SIGSEGV, SIGABRT)
or looping on a damaged header is a one-line ``InputError`` naming the file, not the end of
gilbench-report (the binary does the same in src/results/isolated.cpp).

The child does the whole read (every table's dtype and data) and sends back its result,
pickled, or an ``InputError``'s reason or any other exception's first line; the parent reads
nothing itself, so the isolation costs a fork and a pickle, not a second read. GILBENCH_REPORT_TEST_CRASH=1 makes the child abort (tests).
"""

import os
import pickle
import resource
import signal

from .errors import InputError

TIMEOUT_S = 60   #: libhdf5 can also loop for ever on a damaged file
_CRASH_ENV = "GILBENCH_REPORT_TEST_CRASH"


def _child(out, check, path):
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))   # a crash leaves no core file behind
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
            signal.signal(sig, signal.SIG_DFL)
        signal.alarm(TIMEOUT_S)
        if os.environ.get(_CRASH_ENV):
            os.abort()
        code = 0
        try:
            data = pickle.dumps(check(), protocol=pickle.HIGHEST_PROTOCOL)
        except InputError as exc:
            code, data = 3, exc.reason.encode("utf-8", "replace")
        except BaseException as exc:  # noqa: BLE001  (any failure to decode: the parent words it)
            first = str(exc).strip().splitlines()
            message = f"damaged file ({type(exc).__name__}: {first[0] if first else ''})"
            code, data = 3, message.encode("utf-8", "replace")
        while data:
            data = data[os.write(out, data):]
    finally:
        os._exit(locals().get("code", 3))


def run(check, path):
    """``check()``'s result, computed in a forked child; raises ``InputError(path, …)`` if it
    failed or crashed."""
    path = str(path)
    try:
        rfd, wfd = os.pipe()
    except OSError:
        return check()
    try:
        pid = os.fork()
    except OSError:
        os.close(rfd)
        os.close(wfd)
        return check()
    if pid == 0:
        os.close(rfd)
        _child(wfd, check, path)
    os.close(wfd)
    chunks = []
    while True:
        chunk = os.read(rfd, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return pickle.loads(data)
    message = data.decode("utf-8", "replace")
    if os.WIFEXITED(status):
        raise InputError(path, message or "the check failed")
    sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
    if sig == signal.SIGALRM:
        raise InputError(path, f"libhdf5 did not finish reading it in {TIMEOUT_S} s: damaged?")
    if sig in (signal.SIGINT, signal.SIGTERM):
        raise KeyboardInterrupt
    try:
        name = signal.Signals(sig).name
    except ValueError:
        name = "unknown"
    raise InputError(path, f"damaged: libhdf5 crashed reading it (signal {sig}, {name})")
