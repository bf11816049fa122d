"""gilbench analysis: load gilbench results files, compute scaling and lock metrics with
uncertainty, draw plots, write reports, compare two sets of results.

Entry point: the ``gilbench-report`` script next to this package (or ``python3 -m
gilbench_analysis``). Library use::

    from gilbench_analysis.load import load
    from gilbench_analysis.metrics import config_table
    ds = load(["results/*.h5"])
    print(config_table(ds))
"""

__version__ = "0.1.0"
