"""What analysis knows of the results-file layout, all of it read from ``schema.json`` beside
this file (what ``gilbench --schema`` prints; docs/schema.md is generated from the same
declaration): versions, tables, the columns analysis cannot do without, each column's dtype
and enum, the value a reader uses for a column a file's version predates, and the summary's
columns.

Standard library only: the no-pandas reader and the test-data generator use it too.
"""

import json
import os

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.json")

with open(SCHEMA_PATH, encoding="utf-8") as _fh:
    SCHEMA = json.load(_fh)

PRODUCER = SCHEMA["producer"]
#: The version the binary writes, and every version a reader must read.
CURRENT_VERSION = SCHEMA["schema_version"]
KNOWN_VERSIONS = tuple(SCHEMA["versions"])

_TABLES = SCHEMA["tables"]
_FILE_TABLES = {name: t for name, t in _TABLES.items() if t["in_file"]}

#: Tables every file has; a file without one of them is refused.
REQUIRED_TABLES = tuple(name for name, t in _FILE_TABLES.items() if t["required"])
#: Tables of later versions, or written only on request (--trace, --probe latency).
OPTIONAL_TABLES = tuple(name for name, t in _FILE_TABLES.items() if not t["required"])
#: Every table of a results file, in file order.
FILE_TABLES = REQUIRED_TABLES + OPTIONAL_TABLES


def _default(column):
    """The declared default; null stands for NaN (unknown) in float columns."""
    value = column["default"]
    return float("nan") if value is None else value


def columns(table, version=None):
    """The column declarations of ``table`` in file order; with ``version``, only those that
    version has (``since <= version``)."""
    return [c for c in _TABLES[table]["columns"] if version is None or c["since"] <= version]


def column(table, name):
    """The declaration of one column (KeyError when the table has none of that name)."""
    for c in _TABLES[table]["columns"]:
        if c["name"] == name:
            return c
    raise KeyError(f"/{table} has no column {name}")


#: Columns without which no metric can be computed; a file lacking one is refused.
REQUIRED_COLUMNS = {name: tuple(c["name"] for c in t["columns"] if c["required"])
                    for name, t in _FILE_TABLES.items()}

#: The value of every non-required column for a file that lacks it (an older version, or a
#: run without the feature): no lock activity, one interpreter, a rank-wide scope, no probe.
DEFAULTS = {name: {c["name"]: _default(c) for c in t["columns"] if not c["required"]}
            for name, t in _FILE_TABLES.items()}

def version_defaults(table, version):
    """``{column: default}`` of the columns of ``table`` that a file of ``version`` predates."""
    return {c["name"]: _default(c) for c in _TABLES[table]["columns"] if c["since"] > version}


#: {table: {column: {label: value}}} of the enum columns.
ENUMS = {name: {c["name"]: dict(c["enum"]) for c in t["columns"] if "enum" in c}
         for name, t in _FILE_TABLES.items()}

#: Declared dtype of every file column: "<i8", "u1", "S16", "vlen-utf8", ...
DTYPES = {name: {c["name"]: c["dtype"] for c in t["columns"]} for name, t in _FILE_TABLES.items()}

#: The summary's columns (gilbench's own summary and ``gilbench-report summary``), in order,
#: each {"name", "dtype" (str | int | float | bool | float?), "unit", "meaning"}.
SUMMARY_COLUMNS = tuple(_TABLES["summary"]["columns"])
SUMMARY_NAMES = tuple(c["name"] for c in SUMMARY_COLUMNS)


#: {table: [(name, old_name, since)]}: a file older than ``since`` holds ``name`` as ``old_name``.
RENAMED = {}
for _r in SCHEMA.get("renamed", []):
    RENAMED.setdefault(_r["table"], []).append((_r["name"], _r["old_name"], _r["since"]))


def renamed(table, version):
    """``{old_name: name}`` of the columns of ``table`` a file of ``version`` holds under an old name."""
    return {old: name for name, old, since in RENAMED.get(table, ()) if version < since}


def since(table):
    """The first schema version with ``table``."""
    return _TABLES[table]["since"]
