# -*- coding: utf-8 -*-
"""The CPython side of the experiment, shared by the child scripts gilbench-fidelity runs under
each interpreter (child.py, latency_child.py, interp_child.py): the countdown and the split of N
over workers (the same exact split as gilbench's strong scaling). Python 2.7 and 3.x alike.
"""


def countdown(n):
    while n > 0:
        n -= 1


def shares(n, workers):
    base, extra = divmod(n, workers)
    return [base + (1 if i < extra else 0) for i in range(workers)]
