"""export --format perfetto on real traced runs (1 rank, and 2 ranks under mpirun), checked
against the Trace Event Format's rules and ours: valid phases and durations, slices per track
in time order without overlap (as Perfetto reads them: µs → whole ns), instants and flows bound
to slices, every flow ending after it starts, metadata naming every process and track, the
latency probe on a track of its own, and never two threads of one rank-scope lock running at
once."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ENTRY, mpi_env

PHASES = {"X", "i", "s", "f", "M"}


def _ns(us):
    return int(us * 1000.0)        # Perfetto's JSON reader: static_cast<int64_t>(ts * 1000)


def problems(doc, rank_scope=True):
    """Every rule the document breaks (empty: it follows them)."""
    out = []
    ev = doc.get("traceEvents") if isinstance(doc, dict) else None
    if not ev:
        return ["no traceEvents"]
    names = {(e["pid"], e["tid"]) for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    procs = {e["pid"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
    slices = {}
    for i, e in enumerate(ev):
        if e.get("ph") not in PHASES:
            out.append(f"event {i}: phase {e.get('ph')!r}")
            continue
        if e["ph"] == "M":
            continue
        if not isinstance(e.get("ts"), (int, float)) or e["ts"] < 0:
            out.append(f"event {i}: bad ts {e.get('ts')!r}")
        if e["pid"] not in procs:
            out.append(f"event {i}: pid {e['pid']} has no process_name")
        if (e["pid"], e["tid"]) not in names:
            out.append(f"event {i}: track {e['pid']}/{e['tid']} has no thread_name")
        if e["ph"] == "X":
            if not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0:
                out.append(f"event {i}: bad dur {e.get('dur')!r}")
                continue
            a = _ns(e["ts"])
            slices.setdefault((e["pid"], e["tid"]), []).append((a, a + _ns(e["dur"]), e["name"], i))
    for track, xs in slices.items():
        for (a0, b0, _, i0), (a1, b1, _, i1) in zip(xs, xs[1:]):
            if a1 < a0:
                out.append(f"track {track}: event {i1} starts before event {i0} (timestamps not monotonic)")
            elif a1 < b0:
                out.append(f"track {track}: event {i1} overlaps event {i0} ({b0 - a1} ns)")

    def inside(track, t):
        return any(a <= t <= b for a, b, _, _ in slices.get(track, ()))

    flows = {}
    for i, e in enumerate(ev):
        if e["ph"] == "i" and e.get("s") != "t":
            out.append(f"event {i}: instant without thread scope")
        if e["ph"] in "sf":
            flows.setdefault(e["id"], {})[e["ph"]] = e
            if not inside((e["pid"], e["tid"]), _ns(e["ts"])):
                out.append(f"event {i}: flow {e['ph']} at {e['ts']} is in no slice of its track")
    for fid, pair in flows.items():
        if set(pair) != {"s", "f"}:
            out.append(f"flow {fid}: has {sorted(pair)}, not one s and one f")
        elif pair["f"]["ts"] < pair["s"]["ts"]:
            out.append(f"flow {fid}: ends at {pair['f']['ts']} before it starts at {pair['s']['ts']}")
        elif pair["f"].get("bp") != "e":
            out.append(f"flow {fid}: f does not bind to its enclosing slice (bp e)")
    if rank_scope:
        by_pid = {}
        for (pid, tid), xs in slices.items():
            by_pid.setdefault(pid, []).extend((a, b, tid) for a, b, name, _ in xs if name == "running")
        for pid, xs in by_pid.items():
            xs.sort()
            for (a0, b0, t0), (a1, b1, t1) in zip(xs, xs[1:]):
                if a1 < b0:
                    out.append(f"process {pid}: threads {t0} and {t1} both running for {b0 - a1} ns")
    return out


def _run(cmd, env=None):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}: exit {proc.returncode}: {proc.stderr[-400:]}"
    return proc


TRACED = ["--count", "2G", "--lock", "gil", "--switch-interval", "1ms", "--trace", "--trace-window", "300ms",
          "--probe", "latency:2ms", "--repeat", "1", "--warmup", "0", "--quiet"]


@pytest.fixture(scope="module")
def traced(gilbench, tmp_path_factory):
    d = tmp_path_factory.mktemp("perfetto")
    one, two = d / "one.h5", d / "two.h5"
    _run([gilbench, *TRACED, "--threads", "2", "--output", one])
    _run([gilbench, "--count", "200M", "--lock", "legacy-gil", "--threads", "2", "--trace", "--trace-window",
          "100ms", "--repeat", "1", "--warmup", "0", "--quiet", "--output", one])
    mpirun = os.environ.get("GILBENCH_MPIEXEC", shutil.which("mpirun") or "mpirun")
    _run([mpirun, "-n", "2", "--oversubscribe", "--bind-to", "none", gilbench, *TRACED, "--threads", "2",
          "--output", two], env=mpi_env())
    return d, one, two


def _export(path, out, *flags):
    _run([ENTRY, "export", path, "--format", "perfetto", "-o", out, "--quiet", *flags])
    with open(out) as fh:
        return json.load(fh)


def _tracks(doc):
    return {(e["pid"], e["tid"]): e["args"]["name"] for e in doc["traceEvents"]
            if e["ph"] == "M" and e["name"] == "thread_name"}


def test_one_rank_follows_the_rules(traced):
    d, one, _ = traced
    doc = _export(one, d / "one.json")
    assert problems(doc) == []
    names = _tracks(doc)
    assert sorted(set(names.values())) == ["latency probe", "latency probe: sender", "thread 0", "thread 1"]
    procs = [e["args"]["name"] for e in doc["traceEvents"] if e["name"] == "process_name"]
    assert len(procs) == 2 and all(p.startswith("rank 0 @ ") for p in procs), procs  # one per launch
    kinds = {(e["ph"], e["name"]) for e in doc["traceEvents"]}
    for k in [("X", "running"), ("X", "waiting"), ("X", "dropping"), ("i", "drop request"),
              ("i", "forced switch"), ("s", "probe event"), ("f", "probe event")]:
        assert k in kinds, f"no {k} in the export"
    probe = [t for t, n in names.items() if n == "latency probe"][0]
    assert any(e["ph"] == "X" and e["name"] == "running" and (e["pid"], e["tid"]) == probe
               for e in doc["traceEvents"]), "the probe thread's lock holding is not on its track"
    legacy = _export(one, d / "legacy.json", "--config", "1x2 legacy-gil 100t")
    assert problems(legacy) == []
    assert {e["args"]["config"] for e in legacy["traceEvents"] if e["ph"] == "X"} == {"1x2 legacy-gil 100t N=200M"}


def test_two_ranks_follow_the_rules(traced):
    d, _, two = traced
    doc = _export(two, d / "two.json", "--run", "0", "--repetition", "0")
    assert problems(doc) == []
    procs = sorted(e["args"]["name"].split(" @ ")[0] for e in doc["traceEvents"] if e["name"] == "process_name")
    assert procs == ["rank 0", "rank 1"]
    assert sum(n == "latency probe" for n in _tracks(doc).values()) == 2


def test_checker_catches_broken_documents():
    meta = [{"ph": "M", "pid": 1, "tid": t, "name": "thread_name", "args": {"name": str(t)}} for t in (1, 2)]
    meta.append({"ph": "M", "pid": 1, "tid": 0, "name": "process_name", "args": {"name": "rank 0"}})
    x = lambda tid, ts, dur, name="running": {"ph": "X", "pid": 1, "tid": tid, "ts": ts, "dur": dur,  # noqa: E731
                                              "name": name}
    assert problems({"traceEvents": meta + [x(1, 0, 5), x(1, 6, 5)]}) == []
    assert any("overlaps" in p for p in problems({"traceEvents": meta + [x(1, 0, 5), x(1, 4, 5)]}))
    assert any("both running" in p for p in problems({"traceEvents": meta + [x(1, 0, 5), x(2, 4, 5)]}))
    flow = [x(1, 0, 5), x(2, 10, 5), {"ph": "s", "id": 1, "pid": 1, "tid": 1, "ts": 12, "name": "f"},
            {"ph": "f", "bp": "e", "id": 1, "pid": 1, "tid": 2, "ts": 11, "name": "f"}]
    assert any("no slice" in p for p in problems({"traceEvents": meta + flow}))
    flow[2]["ts"], flow[3]["ts"] = 2, 12
    assert problems({"traceEvents": meta + flow}) == []
    assert any("no thread_name" in p for p in problems({"traceEvents": meta[2:] + [x(1, 0, 5)]}))


@pytest.mark.parametrize("flags, word", [
    (["--run", "99"], "--run 99"), (["--run", "x"], "--run"), (["--repetition", "-1"], "--repetition"),
    (["--config", "9x9 none"], "--config"), (["--table", "runs"], "--table")])
def test_bad_selection_is_exit_2_naming_the_flag(traced, flags, word):
    d, one, _ = traced
    proc = subprocess.run([ENTRY, "export", str(one), "--format", "perfetto", "-o", str(d / "x.json"), *flags],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert word in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_csv_refuses_the_perfetto_flags(traced):
    d, one, _ = traced
    proc = subprocess.run([ENTRY, "export", str(one), "--format", "csv", "--run", "0", "-o", "-"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--run applies to --format perfetto only" in proc.stderr
