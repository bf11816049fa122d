"""Traced runs → Trace Event Format JSON, which Perfetto's UI (ui.perfetto.dev → Open trace
file) and chrome://tracing open.

One process per (launch, rank), named with its host and rank; one track per worker thread, one
for the latency-probe thread (its lock events) and one for the probe's sender. Lock states
(trace.intervals: running / waiting / dropping) are complete slices (``X``); drop requests and
forced switches are thread-scoped instants (``i``); each probe event is a flow (``s`` on the
sender's "sent" slice → ``f`` bound to the probe's running slice that holds the lock). Times are
µs from the earliest selected launch's start, quantised to whole ns, each slice ending 1 ns early
so that no reader's rounding makes neighbouring slices overlap.
"""

import json
import math

import numpy as np

from . import configs, trace
from .errors import InputError, UsageError

_PROBE_TID_BASE = 100000   #: probe tracks come after every worker track
_SENDER_TID_BASE = 200000


def _us(ns):
    return ns / 1000.0


def _ns(seconds):
    return int(round(seconds * 1e9))


def select(ds, run=None, config=None, repetition=None):
    """The runs (rows of ``ds.runs`` with ``config`` and ``summary_label``) that have trace
    events and match the selection; raises UsageError naming the flag that selects nothing."""
    if ds.trace is None or ds.trace.empty:
        raise InputError(", ".join(ds.files), "holds no /trace events (run gilbench with --trace)")
    runs = configs.with_labels(configs.normalise(ds.runs))
    runs["summary_label"] = [configs.summary_label(r) for _, r in runs.iterrows()]
    runs = runs[runs["run_key"].isin(set(ds.trace["run_key"]))]
    if run is not None:
        runs = runs[runs["run_id"].astype(int) == run]
        if runs.empty:
            raise UsageError(f"--run {run}: no traced run with that id")
    if config is not None:
        known = sorted(set(runs["config"]) | set(runs["summary_label"]))
        runs = runs[(runs["config"] == config) | (runs["summary_label"] == config)]
        if runs.empty:
            raise UsageError(f"--config '{config}': no traced run of that configuration (traced: {', '.join(known)})")
    if repetition is not None:
        runs = runs[runs["repetition"].astype(int) == repetition]
        if runs.empty:
            raise UsageError(f"--repetition {repetition}: no traced run with that repetition")
    return runs


def _meta(pid, tid, name, value, key="name"):
    return {"ph": "M", "pid": pid, "tid": tid, "name": name, "args": {key: value}}


def build(ds, runs):
    """The Trace Event Format document (a dict) of the traced ``runs`` (see ``select``)."""
    launches = ds.launches.set_index("launch_key")
    t0 = min(float(launches.loc[k, "start_unix"]) for k in runs["launch_key"])
    hosts = ds.samples.groupby(["run_key", "rank"])["host"].first().to_dict()
    interp = ds.samples.set_index(["run_key", "rank", "thread"])["interpreter"].to_dict()
    events, pids, named = [], {}, set()
    several_launches = runs["launch_key"].nunique() > 1
    flow_id = 0
    for _, run in runs.sort_values(["launch_key", "start_s"]).iterrows():
        key = run["run_key"]
        offset_ns = _ns(float(launches.loc[run["launch_key"], "start_unix"]) - t0 + float(run["start_s"]))
        ev = ds.trace[ds.trace["run_key"] == key].copy()
        role = ev["role"] if "role" in ev.columns else "worker"
        ev["probe"] = np.asarray(role == "probe") if not isinstance(role, str) else False
        ev["interpreter"] = [0 if p else interp.get((key, r, t), 0)
                             for r, t, p in zip(ev["rank"], ev["thread"], ev["probe"])]
        ev["lock_id"] = trace.lock_ids(ev, run["lock_scope"] == "job")
        spans = trace.intervals(ev)
        what = f"{run['config']} rep {int(run['repetition'])}" + (" (warm-up)" if int(run["warmup"]) else "")
        probes = set(zip(ev.loc[ev["probe"], "rank"], ev.loc[ev["probe"], "thread"]))

        def track(rank, thread):
            pid = pids.setdefault((run["launch_key"], int(rank)), len(pids) + 1)
            if pid not in named:
                named.add(pid)
                host = hosts.get((key, rank), "")
                name = f"rank {int(rank)}" + (f" @ {host}" if host else "") + (
                    f" (launch {run['launch_key']})" if several_launches else "")
                events.append(_meta(pid, 0, "process_name", name))
                events.append(_meta(pid, 0, "process_sort_index", pid, "sort_index"))
            probe = (rank, thread) in probes
            tid = _PROBE_TID_BASE if probe else 1 + int(thread)
            if (pid, tid) not in named:
                named.add((pid, tid))
                label = "latency probe" if probe else f"thread {int(thread)}"
                events.append(_meta(pid, tid, "thread_name", label))
                events.append(_meta(pid, tid, "thread_sort_index", tid, "sort_index"))
            return pid, tid

        args = {"run": int(run["run_id"]), "config": run["config"], "file": run["file"]}
        running = {}
        for _, s in spans.sort_values("start_s", kind="stable").iterrows():
            pid, tid = track(s["rank"], s["thread"])
            a, b = offset_ns + _ns(s["start_s"]), offset_ns + _ns(s["end_s"])
            if b - a < 2:
                continue
            events.append({"ph": "X", "name": s["state"], "cat": "lock", "pid": pid, "tid": tid,
                           "ts": _us(a), "dur": _us(b - a - 1), "args": dict(args, what=what)})
            if s["state"] == "running":
                running.setdefault((pid, tid), []).append((a, b - 1))
            if s["state"] == "dropping":
                events.append({"ph": "i", "s": "t", "name": "forced switch", "cat": "lock", "pid": pid,
                               "tid": tid, "ts": _us(a), "args": args})
        for _, e in ev[ev["event"] == "drop_request"].iterrows():
            pid, tid = track(e["rank"], e["thread"])
            events.append({"ph": "i", "s": "t", "name": "drop request", "cat": "lock", "pid": pid, "tid": tid,
                           "ts": _us(offset_ns + _ns(e["t_s"])), "args": args})
        flow_id = _flows(ds, key, offset_ns, track, probes, running, events, named, flow_id, args)
    return {"traceEvents": events, "displayTimeUnit": "ms",
            "otherData": {"producer": "gilbench-report", "runs": [int(r) for r in runs["run_id"]]}}


def _flows(ds, key, offset_ns, track, probes, running, events, named, flow_id, args):
    """Per probe event whose lock-holding falls in a traced running slice of the probe: a
    "sent" slice on the sender's track (sent → woke, cut at the next send) and a flow from it
    to that running slice."""
    if ds.latency is None or ds.latency.empty or not probes:
        return flow_id
    lat = ds.latency[ds.latency["run_key"] == key].sort_values(["rank", "sent_s"])
    for rank, mine in lat.groupby("rank"):
        probe = [p for p in probes if p[0] == rank]
        if not probe:
            continue
        pid, tid = track(*probe[0])
        held = sorted(running.get((pid, tid), []))
        starts = [a for a, _ in held]
        sender = _SENDER_TID_BASE
        if (pid, sender) not in named:
            named.add((pid, sender))
            events.append(_meta(pid, sender, "thread_name", "latency probe: sender"))
            events.append(_meta(pid, sender, "thread_sort_index", sender, "sort_index"))
        sent = mine["sent_s"].to_numpy(float)
        for i, (_, e) in enumerate(mine.iterrows()):
            acquired = float(e["acquired_s"])
            if not math.isfinite(acquired):
                continue
            h = offset_ns + _ns(acquired)
            j = int(np.searchsorted(starts, h, side="right")) - 1
            if j < 0 or not (held[j][0] <= h < held[j][1]):
                continue   # outside the traced window: no running slice to bind to
            a = offset_ns + _ns(sent[i])
            woke = float(e["woke_s"]) if math.isfinite(float(e["woke_s"])) else sent[i] + 1e-6
            end = offset_ns + _ns(woke)
            if i + 1 < len(sent):
                end = min(end, offset_ns + _ns(sent[i + 1]))
            end = max(end, a + 2)
            flow_id += 1
            detail = dict(args, event=int(e["event"]), latency_us=round(float(e["latency_s"]) * 1e6, 3))
            events.append({"ph": "X", "name": "sent", "cat": "probe", "pid": pid, "tid": sender,
                           "ts": _us(a), "dur": _us(end - a - 1), "args": detail})
            events.append({"ph": "s", "id": flow_id, "name": "probe event", "cat": "probe", "pid": pid,
                           "tid": sender, "ts": _us(a + (end - a - 1) // 2)})
            events.append({"ph": "f", "bp": "e", "id": flow_id, "name": "probe event", "cat": "probe",
                           "pid": pid, "tid": tid, "ts": _us(max(h, held[j][0] + 1))})
    return flow_id



def render(doc):
    """The document as JSON text (no NaN: Trace Event readers reject it)."""
    return json.dumps(doc, allow_nan=False, separators=(",", ":")) + "\n"
