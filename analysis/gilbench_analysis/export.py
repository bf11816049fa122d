"""Export tables to CSV or JSON for people who do not use Python."""

import csv
import io
import json
import sys

from . import metrics, schema
from .errors import OutputError

#: Exportable tables: the tidy samples (default), runs, launches, per-configuration metrics,
#: lock-event trace, latency events.
TABLES = ("samples", "runs", "launches", "configs", "trace", "latency")
FORMATS = ("csv", "json")


def table(ds, name, level=0.95, seed=None):
    """The DataFrame called ``name`` (one of TABLES)."""
    if name == "configs":
        kwargs = {"level": level} if seed is None else {"level": level, "seed": seed}
        return metrics.config_table(ds, **kwargs)
    return getattr(ds, name)


def render(frame, fmt):
    """``frame`` as CSV (header + rows) or JSON (a list of records; NaN → null)."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    return frame.to_json(orient="records", indent=1, force_ascii=False) + "\n"


def write(frame, fmt, out):
    """Write to the file ``out`` (or stdout for '-')."""
    write_text(render(frame, fmt), out)


def write_text(text, out):
    """Write ``text`` to the file ``out`` (or stdout for '-')."""
    if out == "-":
        sys.stdout.write(text)
        return
    try:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise OutputError(out, f"cannot write ({exc.strerror or exc})")


def summary_json(rows, pairs=()):
    """The summary as gilbench prints it with --format json: {"configurations": [...]}, and
    "pairs" (pairing.pairs) when the files hold both kernels."""
    doc = {"configurations": rows}
    if pairs:
        doc["pairs"] = list(pairs)
    return json.dumps(doc, allow_nan=False) + "\n"


def summary_csv(rows):
    """The summary as CSV: the summary column names, then one line per configuration (no
    value: empty; flags 1/0, as gilbench)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(schema.SUMMARY_NAMES)
    for row in rows:
        writer.writerow(["" if row[n] is None else int(row[n]) if isinstance(row[n], bool) else row[n]
                         for n in schema.SUMMARY_NAMES])
    return out.getvalue()
