"""Exit codes and the exceptions that carry them to cli.main (one stderr line each, no traceback)."""

EXIT_OK = 0
EXIT_COMPARE_FAILED = 1   #: compare found a significant slow-down above --fail-above
EXIT_CHECK_FAILED = 1     #: check: a reference FAILed (value outside its tolerances)
EXIT_USAGE = 2            #: bad argument or option
EXIT_COMPARE_UNTESTED = 5  #: compare --fail-above could test none of the configurations it guards
#: check: nothing failed, but a system of the reference file selected no launch (no provenance
#: matched) or a reference found no configuration / no value: not everything could be checked
EXIT_CHECK_UNMATCHED = 5
EXIT_BAD_INPUT = 3        #: an input file is missing, not a gilbench file, truncated, of unknown version…
EXIT_IO = 4               #: an output (report directory, export file) cannot be written
EXIT_ENVIRONMENT = 6      #: the Python interpreter lacks a required Debian package
EXIT_INTERNAL = 70        #: a bug: an unexpected exception (rerun with GILBENCH_REPORT_DEBUG=1)


class AnalysisError(Exception):
    """An error that ends the command with ``exit_code`` and ``str(self)`` as its one line."""

    exit_code = EXIT_INTERNAL


class UsageError(AnalysisError):
    """A bad command-line argument or option."""

    exit_code = EXIT_USAGE


class InputError(AnalysisError):
    """An input file that cannot be analysed; the message starts with the file's name."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class OutputError(AnalysisError):
    """An output that cannot be written; the message starts with its path."""

    exit_code = EXIT_IO

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
