"""``python3 -m gilbench_analysis``: check the dependencies, then run the command line."""

import sys

from . import deps


def run(argv=None):
    lacking = deps.missing()
    if lacking:
        print(deps.message(lacking), file=sys.stderr)
        return deps.EXIT_ENVIRONMENT
    from .cli import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(run())
