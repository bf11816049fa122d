"""Command line: ``gilbench-report report|summary|compare|export|check|history|recover``.

Every error is one line on stderr, no traceback, and an exit code from errors.py:
2 usage, 3 bad input file, 4 output not writable, 1 compare found a slow-down above
--fail-above, 5 compare --fail-above could test no configuration; check: 1 a reference FAILed, 5 nothing
failed but a system selected no launch or a reference found no data. Set GILBENCH_REPORT_DEBUG=1 to see tracebacks of unexpected errors.
"""

import argparse
import math
import os
import sys

from . import (__version__, compare, export, history, journal, metrics, pairing, perfetto, references, report, stats,
               tables, ticks)
from .errors import EXIT_CHECK_FAILED, EXIT_CHECK_UNMATCHED, EXIT_COMPARE_FAILED, EXIT_COMPARE_UNTESTED, EXIT_INTERNAL, EXIT_OK, AnalysisError, InputError, UsageError
from .load import load

PROG = "gilbench-report"


class _Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (an exception), not usage text plus exit."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _fraction(name):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number in (0, 1), got '{text}'")
        if not 0 < value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be in (0, 1), got {text}")
        return value
    return parse


def _percent(text):
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--fail-above takes a percentage like 5 or 5%, got '{text}'")
    if not math.isfinite(value) or value < 0:  # nan compares false: it would turn the gate off
        raise argparse.ArgumentTypeError(f"--fail-above must be a finite percentage >= 0, got {text}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed takes a whole number, got '{text}'")
    if not 0 <= value < 2**32:  # numpy's seed range
        raise argparse.ArgumentTypeError(f"--seed must be in 0..4294967295, got {text}")
    return value


def _whole(name):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} takes a whole number >= 0, got '{text}'")
        if value < 0:
            raise argparse.ArgumentTypeError(f"{name} must be >= 0, got {text}")
        return value
    return parse


def _parser():
    common = _Parser(add_help=False)
    common.add_argument("--skip-bad", action="store_true",
                        help="leave out unreadable or foreign files (one warning line each) instead of stopping")
    common.add_argument("--quiet", "-q", action="store_true", help="no progress or warning lines on stderr")
    stat = _Parser(add_help=False)
    stat.add_argument("--level", type=_fraction("--level"), default=0.95,
                      help="confidence level of the bootstrap intervals (default 0.95)")
    stat.add_argument("--seed", type=_seed, default=stats.DEFAULT_SEED,
                      help="bootstrap seed: the same seed gives the same intervals (default %(default)s)")

    parser = _Parser(prog=PROG, description="Analyse gilbench results files (HDF5): metrics, plots, "
                     "reports, comparisons, exports. FILES are paths or quoted globs ('runs/*.h5').")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("report", parents=[common, stat], help="plots + report.md + report.html in a directory")
    p.add_argument("files", nargs="+", metavar="FILES")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="report directory (created)")

    p = sub.add_parser("summary", parents=[common, stat],
                       help="print gilbench's summary (same columns and rule) over the files, and a reading")
    p.add_argument("files", nargs="+", metavar="FILES")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")

    p = sub.add_parser("compare", parents=[common, stat],
                       help="NEW against BASE per configuration: ratio, Mann–Whitney U, verdict")
    p.add_argument("base", metavar="BASE", help="file or quoted glob")
    p.add_argument("new", metavar="NEW", help="file or quoted glob")
    p.add_argument("--fail-above", type=_percent, metavar="PCT",
                   help="exit 1 when a configuration is significantly slower by more than PCT percent")
    p.add_argument("--alpha", type=_fraction("--alpha"), default=0.05,
                   help="significance level of the U test (default 0.05)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")

    p = sub.add_parser("export", parents=[common, stat],
                       help="write a table as CSV or JSON, or traced runs as a Perfetto / chrome://tracing timeline")
    p.add_argument("files", nargs="+", metavar="FILES")
    p.add_argument("--format", choices=export.FORMATS + ("perfetto",), required=True,
                   help="csv, json (a table), or perfetto (Trace Event Format JSON of the traced runs)")
    p.add_argument("--table", choices=export.TABLES, default=None,
                   help="samples (tidy: samples joined with runs and launches; default), runs, launches, "
                        "configs (metrics), trace, latency")
    p.add_argument("--run", type=_whole("--run"), metavar="ID", help="perfetto: only the run with this run_id")
    p.add_argument("--config", metavar="LABEL",
                   help="perfetto: only runs of this configuration ('1x2 gil 5ms', as the summary names it)")
    p.add_argument("--repetition", type=_whole("--repetition"), metavar="N",
                   help="perfetto: only this repetition (0-based)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output file, '-' for stdout")

    p = sub.add_parser("check", parents=[common],
                       help="PASS/FAIL against per-system reference values (ReFrame style): exit 1 on a FAIL")
    p.add_argument("files", nargs="+", metavar="FILES")
    p.add_argument("--reference", required=True, metavar="REFS.yaml",
                   help="reference file: systems (provenance patterns) × configuration × metric (analysis/README.md)")

    p = sub.add_parser("history", parents=[common],
                       help="median and CI per launch over time, provenance changes, change points: history.md + PNGs")
    p.add_argument("files", nargs="+", metavar="FILES")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="history directory (created)")
    p.add_argument("--alpha", type=_fraction("--alpha"), default=0.05,
                   help="significance level of the change-point test (default 0.05)")
    p.add_argument("--level", type=_fraction("--level"), default=0.95,
                   help="confidence level of the medians' intervals (default 0.95)")

    p = sub.add_parser("recover", help="roll back an append gilbench did not finish (kill -9), so that "
                       "plain h5py and h5dump open the file; the other commands do this themselves")
    p.add_argument("files", nargs="+", metavar="FILE")
    return parser


def _load(args, patterns):
    warn = None if args.quiet else (lambda text: print(f"{PROG}: {text}", file=sys.stderr))
    return load(patterns, skip_bad=args.skip_bad, progress=not args.quiet, warn=warn)


def _report(args):
    ds = _load(args, args.files)
    written = report.write_report(ds, args.output, level=args.level, seed=args.seed)
    pngs = sum(p.endswith(".png") for p in written)
    print(f"report: {os.path.join(args.output, 'report.html')} ({pngs} plots; also report.md)")
    return EXIT_OK


def _summary(args):
    ds = _load(args, args.files)
    rows = metrics.summary_rows(ds)
    if args.format == "json":
        paired = []
        if any(str(r["lock"]).startswith("cpython") for r in rows):  # the pairing needs both kernels
            runs = metrics.measured_runs(ds)
            table = metrics.config_table(ds, level=args.level, seed=args.seed, runs=runs)
            paired = pairing.pairs(table, metrics.latency_table(ds, runs=runs))
        sys.stdout.write(export.summary_json(rows, paired))
        return EXIT_OK
    if args.format == "csv":
        sys.stdout.write(export.summary_csv(rows))
        return EXIT_OK
    print(tables.plain_text(tables.summary(rows)))
    print()
    runs = metrics.measured_runs(ds)
    table = metrics.config_table(ds, level=args.level, seed=args.seed, runs=runs)
    paired = pairing.pairs(table, metrics.latency_table(ds, runs=runs))
    if paired:
        print("emulated vs real: time ratio Tp/T1, each against its own kernel's 1x1 [95% interval]; "
              "difference = emulated - real")
        print(tables.plain_text(pairing.table(paired, tables.seconds)))
        print()
    for line in report.reading(table):
        print(line.replace("**", ""))
    notes = report.caveats(table, runs, metrics.latency_table(ds, runs=runs), args.level)
    if notes:
        print("\nCaveats:")
        for line in notes:
            print(f"- {line}")
    cut = int(table["n_interrupted"].sum()) if "n_interrupted" in table else 0
    if cut:
        print(f"{cut} run{'' if cut == 1 else 's'} interrupted (a signal's --stop-grace ran out; status "
              "interrupted): neither measured nor invalid, left out of the medians and speedups.")
    return EXIT_OK


def _compare(args):
    base, new = _load(args, [args.base]), _load(args, [args.new])
    frame = compare.compare(base, new, alpha=args.alpha, level=args.level, seed=args.seed)
    if (tick := compare.tick_warning(base, new)) and not args.quiet:
        print(f"{PROG}: warning: {tick}", file=sys.stderr)
    if args.format != "table":
        export.write(frame, args.format, "-")
    else:
        print(tables.plain_text(compare.display(frame, args.level)))
        print()
        print(compare.explanation(args.alpha, frame))
    if args.fail_above is not None:
        bad = compare.failures(frame, args.fail_above, args.alpha)
        for _, row in bad.iterrows():
            print(f"{PROG}: {row['config']} is {row['change_pct']:.1f}% slower (Holm adjusted p = "
                  f"{row['p_holm']:.2g} over {compare.tests_made(frame)} tests), "
                  f"above --fail-above {args.fail_above:g}%", file=sys.stderr)
        if len(bad):
            return EXIT_COMPARE_FAILED
        why = compare.untested(frame, args.alpha)
        if why and not compare.gate_testable(frame, args.alpha).any():
            print(f"{PROG}: --fail-above: no configuration could be tested: {why}", file=sys.stderr)
            return EXIT_COMPARE_UNTESTED
        if why and not args.quiet:
            print(f"{PROG}: --fail-above: not tested: {why}", file=sys.stderr)
    return EXIT_OK


def _export(args):
    if args.format == "perfetto":
        if args.table is not None:
            raise UsageError("--table applies to --format csv|json; --format perfetto exports the traced runs")
    else:
        for flag, value in (("--run", args.run), ("--config", args.config), ("--repetition", args.repetition)):
            if value is not None:
                raise UsageError(f"{flag} applies to --format perfetto only")
    ds = _load(args, args.files)
    if args.format == "perfetto":
        runs = perfetto.select(ds, run=args.run, config=args.config, repetition=args.repetition)
        export.write_text(perfetto.render(perfetto.build(ds, runs)), args.output)
        return EXIT_OK
    export.write(export.table(ds, args.table or "samples", level=args.level, seed=args.seed), args.format,
                 args.output)
    return EXIT_OK


def _check(args):
    systems = references.load_file(args.reference)      # bad reference file: exit 2 before reading
    ds = _load(args, args.files)
    frame, unmatched = references.check(ds, systems)
    if len(frame):
        print(tables.plain_text(references.display(frame)))
    for name in unmatched:
        print(f"{PROG}: check: system '{name}' selects no launch of the files (its match: "
              f"{next(s['match'] for s in systems if s['name'] == name) or 'none'})", file=sys.stderr)
    failed = int((frame["result"] == references.FAIL).sum())
    missing = int((frame["result"] == references.NO_DATA).sum())
    passed = int((frame["result"] == references.PASS).sum())
    print(f"\n{passed} passed, {failed} failed, {missing} without data, {len(unmatched)} system(s) unmatched")
    if failed:
        return EXIT_CHECK_FAILED
    if unmatched or missing:
        print(f"{PROG}: check: nothing failed, but not every reference could be checked (exit "
              f"{EXIT_CHECK_UNMATCHED})", file=sys.stderr)
        return EXIT_CHECK_UNMATCHED
    return EXIT_OK


def _history(args):
    ds = _load(args, args.files)
    written = history.write_history(ds, args.output, alpha=args.alpha, level=args.level)
    if (tick := ticks.warning(ticks.mappings(ds))) and not args.quiet:
        print(f"{PROG}: warning: {tick}", file=sys.stderr)
    pngs = sum(p.endswith(".png") for p in written)
    print(f"history: {os.path.join(args.output, 'history.md')} ({pngs} plots)")
    return EXIT_OK


def _recover(args):
    for path in args.files:
        if not os.path.exists(path) and not os.path.exists(journal.journal_path(path)):
            raise InputError(path, "no such file")
        try:
            rolled_back = journal.recover(path)
        except OSError as exc:
            raise InputError(path, str(exc)) from exc
        print(f"{path}: {'interrupted append rolled back' if rolled_back else 'nothing to recover'}")
    return EXIT_OK


_COMMANDS = {"report": _report, "summary": _summary, "compare": _compare, "export": _export, "check": _check,
             "history": _history, "recover": _recover}


def main(argv=None):
    """Run the command line; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
        return _COMMANDS[args.command](args)
    except AnalysisError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        sys.stderr.close()              # e.g. `| head`: not an error worth a message
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  (one line instead of a traceback, by contract)
        if os.environ.get("GILBENCH_REPORT_DEBUG"):
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "(rerun with GILBENCH_REPORT_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_INTERNAL
