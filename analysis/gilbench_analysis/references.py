"""``check``: per-system reference values with tolerances, in the style of ReFrame.

A reference file (YAML) lists systems; each selects launches by their provenance and holds
references, each a configuration, a metric, a reference value and ReFrame-style tolerances
(fractions of the reference: ``lower: -0.1`` allows 10 % below, ``upper: null`` no upper
bound)::

    systems:
      debian-2core-vm:
        match: {host: "*", cpu_model: "*", partition: "*"}   # fnmatch patterns, all must match
        references:
          - {config: "1x2 none", metric: speedup, reference: 1.8, lower: -0.3, upper: null}
          - {threads: 2, lock: gil, interval: 0.005, metric: switches_per_s, reference: 200,
             lower: -0.9, upper: 9}

A configuration is either ``config`` (an fnmatch pattern on gilbench's label, '1x2 gil 5ms')
or any of ``ranks``, ``threads``, ``lock``, ``interval`` (the gil's switch interval in
seconds or the legacy gil's check interval in ticks); every configuration of the selected
launches that fits is checked, one row each. Metrics are the analysis's own figures
(metrics.config_table and metrics.latency_table), one rule everywhere.
"""

import fnmatch

import numpy as np
import pandas as pd

from . import configs, metrics
from .errors import UsageError
from .load import Dataset

#: metric name → (table, column): what ``check`` can compare, from metrics.py's tables.
METRICS = {"speedup": ("config", "speedup"), "speedup_vs_none": ("config", "speedup_vs_none"),
           "efficiency": ("config", "efficiency"), "switches_per_s": ("config", "switches_per_s"),
           "median_s": ("config", "median_s"), "latency_p99_s": ("latency", "p99_s"),
           "latency_median_s": ("latency", "median_s")}
#: provenance key of ``match`` → launches column (schema.json /launches).
MATCH_COLUMNS = {"host": "hosts", "cpu_model": "cpu_model", "partition": "slurm_partition",
                 "nodelist": "slurm_nodelist", "kernel": "os", "os": "os", "compiler": "compiler",
                 "cpus": "allowed_cpus"}
_CONFIG_KEYS = ("config", "ranks", "threads", "lock", "interval")
_REF_KEYS = {*_CONFIG_KEYS, "metric", "reference", "lower", "upper"}
PASS, FAIL, NO_DATA = "PASS", "FAIL", "NO DATA"


def _bad(path, where, text):
    return UsageError(f"{path}: {where}: {text}")


def _number(path, where, name, value, allow_none):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise _bad(path, where, f"'{name}' must be a finite number{' or null' if allow_none else ''}, got {value!r}")
    return float(value)


def parse(text, path="references"):
    """The systems of a reference file's text: ``[{name, match, references: [...]}]``; every
    problem (YAML syntax, an unknown key, a metric that does not exist, lower > upper) is a
    one-line ``UsageError`` naming the file and the entry (exit 2)."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(doc, dict):
        raise UsageError(f"{path}: expected a mapping with the key 'systems'")
    unknown = sorted(set(doc) - {"systems"})
    if unknown:
        raise UsageError(f"{path}: unknown key '{unknown[0]}' (known: systems)")
    systems = doc.get("systems")
    if not isinstance(systems, dict) or not systems:
        raise UsageError(f"{path}: 'systems' must be a non-empty mapping of system names")
    out = []
    for name, body in systems.items():
        where = f"systems.{name}"
        if not isinstance(body, dict):
            raise _bad(path, where, "must be a mapping with 'match' and 'references'")
        unknown = sorted(set(body) - {"match", "references"})
        if unknown:
            raise _bad(path, where, f"unknown key '{unknown[0]}' (known: match, references)")
        match = body.get("match") or {}
        if not isinstance(match, dict):
            raise _bad(path, f"{where}.match", "must be a mapping of provenance patterns")
        unknown = sorted(set(match) - set(MATCH_COLUMNS))
        if unknown:
            raise _bad(path, f"{where}.match", f"unknown key '{unknown[0]}' (known: {', '.join(MATCH_COLUMNS)})")
        refs = body.get("references")
        if not isinstance(refs, list) or not refs:
            raise _bad(path, where, "'references' must be a non-empty list")
        checked = []
        for i, ref in enumerate(refs):
            checked.append(_reference(path, f"{where}.references[{i}]", ref))
        out.append(dict(name=str(name), match={k: str(v) for k, v in match.items()}, references=checked))
    return out


def _reference(path, where, ref):
    if not isinstance(ref, dict):
        raise _bad(path, where, "must be a mapping")
    unknown = sorted(set(ref) - _REF_KEYS)
    if unknown:
        raise _bad(path, where, f"unknown key '{unknown[0]}' (known: {', '.join(sorted(_REF_KEYS))})")
    metric = ref.get("metric")
    if metric not in METRICS:
        raise _bad(path, where, f"unknown metric {metric!r} (known: {', '.join(METRICS)})")
    if "reference" not in ref:
        raise _bad(path, where, "'reference' is missing")
    value = _number(path, where, "reference", ref["reference"], False)
    lower = _number(path, where, "lower", ref.get("lower"), True)
    upper = _number(path, where, "upper", ref.get("upper"), True)
    if lower is not None and upper is not None and lower > upper:
        raise _bad(path, where, f"lower tolerance {lower:g} > upper tolerance {upper:g}")
    if not any(k in ref for k in _CONFIG_KEYS):
        raise _bad(path, where, f"no configuration: give 'config' or any of {', '.join(_CONFIG_KEYS[1:])}")
    conf = {k: ref[k] for k in _CONFIG_KEYS if k in ref}
    for k in ("ranks", "threads"):
        if k in conf:
            conf[k] = int(_number(path, where, k, conf[k], False))
    if "interval" in conf:
        conf["interval"] = _number(path, where, "interval", conf["interval"], False)
    return dict(metric=metric, reference=value, lower=lower, upper=upper, conf=conf)


def load_file(path):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise UsageError(f"--reference {path}: {exc.strerror or exc}") from exc
    return parse(text, path)


def bounds(ref):
    """``(low, high)`` of a reference: reference × (1 + tolerance), ReFrame's rule (for a
    negative reference the fractions apply to its magnitude); None for an unbounded side."""
    r = ref["reference"]
    low = None if ref["lower"] is None else r + abs(r) * ref["lower"]
    high = None if ref["upper"] is None else r + abs(r) * ref["upper"]
    return low, high


def selected_launches(launches, match):
    """Mask of the launches whose provenance matches every pattern of ``match``."""
    mask = np.ones(len(launches), dtype=bool)
    for key, pattern in match.items():
        col = MATCH_COLUMNS[key]
        values = launches[col].astype(str) if col in launches.columns else pd.Series([""] * len(launches))
        if key == "host":   # hosts is a comma-separated list: a launch matches if any host does
            hit = [any(fnmatch.fnmatchcase(h.strip(), pattern) for h in v.split(",")) for v in values]
        else:
            hit = [fnmatch.fnmatchcase(v, pattern) for v in values]
        mask &= np.asarray(hit, dtype=bool)
    return mask


def subset(ds, launch_keys):
    """The part of ``ds`` that belongs to ``launch_keys``."""
    def keep(frame):
        if frame is None or frame.empty or "launch_key" not in frame.columns:
            return frame
        return frame[frame["launch_key"].isin(launch_keys)].reset_index(drop=True)
    return Dataset(files=ds.files, versions=ds.versions, launches=keep(ds.launches), runs=keep(ds.runs),
                   samples=keep(ds.samples), trace=keep(ds.trace), latency=keep(ds.latency))


def _fits(row, conf):
    if "config" in conf and not fnmatch.fnmatchcase(configs.summary_label(row), str(conf["config"])):
        return False
    for k in ("ranks", "threads"):
        if k in conf and int(row[k]) != conf[k]:
            return False
    if "lock" in conf and str(row["lock"]) != str(conf["lock"]):
        return False
    if "interval" in conf:
        value = float(row["switch_interval_s"]) if row["lock"] == "gil" else float(row["check_interval"])
        if not np.isclose(value, conf["interval"], rtol=1e-9, atol=0):
            return False
    return True


def _describe(conf):
    if "config" in conf:
        return str(conf["config"])
    return " ".join(f"{k}={conf[k]}" for k in _CONFIG_KEYS[1:] if k in conf)


def check(ds, systems):
    """``(rows, unmatched)``: one row per (system, reference, configuration) with the measured
    value, bounds and PASS/FAIL/NO DATA; ``unmatched`` the systems no launch matched."""
    rows, unmatched = [], []
    for system in systems:
        keys = set(ds.launches.loc[selected_launches(ds.launches, system["match"]), "launch_key"])
        if not keys:
            unmatched.append(system["name"])
            continue
        part = subset(ds, keys)
        runs = metrics.measured_runs(part)
        tables = {"config": metrics.config_table(part, runs=runs), "latency": metrics.latency_table(part, runs=runs)}
        for ref in system["references"]:
            which, column = METRICS[ref["metric"]]
            table = tables[which]
            low, high = bounds(ref)
            base = dict(system=system["name"], metric=ref["metric"], reference=ref["reference"], low=low, high=high)
            fits = [r for _, r in table.iterrows() if _fits(r, ref["conf"])] if not table.empty else []
            if not fits:
                rows.append(dict(base, config=_describe(ref["conf"]), value=float("nan"), result=NO_DATA))
                continue
            for r in fits:
                value = float(r[column]) if column in r and pd.notna(r[column]) else float("nan")
                ok = np.isfinite(value) and (low is None or value >= low) and (high is None or value <= high)
                result = (PASS if ok else FAIL) if np.isfinite(value) else NO_DATA
                rows.append(dict(base, config=configs.summary_label(r), value=value, result=result))
    return pd.DataFrame(rows, columns=["system", "config", "metric", "value", "reference", "low", "high",
                                       "result"]), unmatched


def display(frame):
    """The PASS/FAIL table as printed."""
    def num(x):
        return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.4g}"
    return pd.DataFrame({"system": frame["system"], "configuration": frame["config"], "metric": frame["metric"],
                         "value": frame["value"].map(num), "reference": frame["reference"].map(num),
                         "lower bound": frame["low"].map(num), "upper bound": frame["high"].map(num),
                         "result": frame["result"]})
