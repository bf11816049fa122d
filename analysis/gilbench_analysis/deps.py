"""Which Debian packages this Python lacks. Standard library only: runs before anything else,
and ``python3 -m gilbench_analysis.deps`` is how the gilbench-report script picks a Python
(exit 0: this one has everything)."""

import importlib.util
import sys

from .errors import EXIT_ENVIRONMENT

#: Python module → the Debian package that provides it for /usr/bin/python3.
REQUIRED = {"numpy": "python3-numpy", "h5py": "python3-h5py", "pandas": "python3-pandas",
            "matplotlib": "python3-matplotlib", "scipy": "python3-scipy"}


def missing():
    """Modules of REQUIRED this interpreter cannot import."""
    return [m for m in REQUIRED if importlib.util.find_spec(m) is None]


def message(lacking, executable=None):
    """One line naming the interpreter, what it lacks and the apt-get command that fixes it."""
    packages = " ".join(REQUIRED[m] for m in lacking)
    return (f"gilbench-report: {executable or sys.executable} lacks {', '.join(lacking)}: "
            f"apt-get install -y {packages} (or set GILBENCH_PYTHON to a python3 that has them)")


def main():
    lacking = missing()
    if lacking:
        print(message(lacking), file=sys.stderr)
        return EXIT_ENVIRONMENT
    return 0


if __name__ == "__main__":
    sys.exit(main())
