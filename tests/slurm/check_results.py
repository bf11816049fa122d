#!/usr/bin/python3
"""Check a gilbench results file written by a Slurm job (see docs/schema.md).

usage: check_results.py FILE [options]    (exit 0 = every check holds; otherwise one line why)

  --configs R:T:LOCK[,...]   the set of (ranks, threads, lock) among the measured runs, exactly
  --partial                  with --configs: a non-empty subset is enough (interrupted jobs)
  --min-rounds K             at least K finished rounds (distinct `round` values) in the file
  --status STATUS            every launch has exit_status STATUS (complete / interrupted)
  --launches N               the file holds N launches
  --audit                    the affinity audit is clean: /launches.shared_cores == 0,
                             /runs.shared_cores == 0, and within each run no two workers of one
                             host started, ended or are allowed on a common CPU
  --audit-cores N            like --audit, but only for runs with ranks × threads <= N (the
                             mpirun recipe binds those); larger runs must be recorded as
                             oversubscribed
  --job ID                   Slurm provenance of every launch names job ID
  --array ARRAYID_INDEX      ... and array job id / task index
  --ntasks N[,N...]          slurm_ntasks of the launches, in order (one value: all launches)
  --cpus-per-task C          slurm_cpus_per_task of every launch
  --nodes NAME[,NAME...]     every one of these nodes appears in /launches.hosts and in the
                             samples' hosts, and slurm_nodelist is set
  --lock-scope SCOPE         every run has lock_scope SCOPE
  --kernels K[,K...]         the set of /runs.kernel among the measured runs, exactly (native,
                             python); python runs are under cpython-gil, each kernel's 1-thread
                             runs are there (its baseline), and a python launch names its CPython
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "analysis"))
from gilbench_analysis import results  # noqa: E402
from gilbench_analysis.errors import InputError  # noqa: E402


def fail(msg):
    sys.exit(f"{ARGS.file}: {msg}")


def text(v):
    return results.text(v)


def column(table, name):
    """A column as a numpy array; text and enum columns (decoded by the analysis' reader) as
    lists of str."""
    if name not in table:
        fail(f"no column {name} in its table (has {', '.join(table)})")
    col = table[name]
    return list(col) if col.dtype == object else col


def cpus(spec):
    """'0-3,8' -> {0,1,2,3,8}"""
    out = set()
    for part in text(spec).split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--configs")
    p.add_argument("--partial", action="store_true")
    p.add_argument("--min-rounds", type=int, default=1)
    p.add_argument("--status")
    p.add_argument("--launches", type=int)
    p.add_argument("--audit", action="store_true")
    p.add_argument("--audit-cores", type=int)
    p.add_argument("--job")
    p.add_argument("--array")
    p.add_argument("--ntasks")
    p.add_argument("--cpus-per-task", type=int)
    p.add_argument("--nodes")
    p.add_argument("--lock-scope")
    p.add_argument("--kernels")
    return p.parse_args()


def check_runs(a, runs, said):
    """Validation (every run, warm-up or not, did exactly the work asked), rounds, configurations."""
    n_runs = len(runs["run_id"])
    if n_runs == 0:
        fail("no runs")
    valid = column(runs, "valid")
    if not np.all(valid == 1):
        fail(f"{int(np.sum(valid != 1))} of {n_runs} runs have valid != 1")
    said.append(f"{n_runs} runs valid")

    rounds = set(int(r) for r in column(runs, "round"))
    if len(rounds) < a.min_rounds:
        fail(f"{len(rounds)} finished rounds, expected at least {a.min_rounds}")
    said.append(f"{len(rounds)} rounds")

    if a.configs:
        want = set()
        for c in a.configs.split(","):
            r, t, lock = c.split(":")
            want.add((int(r), int(t), lock))
        measured = [not w for w in column(runs, "warmup")]
        got = {(int(r), int(t), l) for r, t, l, m in
               zip(column(runs, "ranks"), column(runs, "threads"), column(runs, "lock"), measured) if m}
        if a.partial:
            if not got or not got <= want:
                fail(f"configurations {sorted(got)} are not a non-empty subset of {sorted(want)}")
        elif got != want:
            fail(f"configurations {sorted(got)}, expected {sorted(want)}")
        said.append(f"{len(got)} configurations")


def check_kernels(a, launches, runs, said):
    """Which kernels ran (--kernels): each with measured runs, its own 1-thread baseline."""
    if not a.kernels:
        return
    if "kernel" not in runs:
        fail("no /runs.kernel column (a gilbench before the python kernel?)")
    want = set(a.kernels.split(","))
    measured = [not w for w in column(runs, "warmup")]
    kernels, locks, threads = column(runs, "kernel"), column(runs, "lock"), column(runs, "threads")
    got = {k for k, m in zip(kernels, measured) if m}
    if got != want:
        fail(f"kernels {sorted(got)} among the measured runs, expected {sorted(want)}")
    for k in sorted(want):
        mine = [(int(t), l) for kk, t, l, m in zip(kernels, threads, locks, measured) if m and kk == k]
        if not any(t == 1 for t, _ in mine):
            fail(f"no measured 1-thread {k} run (the {k} kernel's baseline)")
        if k == "python" and any(l != "cpython-gil" for _, l in mine):
            fail(f"python runs under locks {sorted(set(l for _, l in mine))}, expected cpython-gil")
        said.append(f"{len(mine)} measured {k} runs")
    if "python" in want:
        versions = column(launches, "python_version")
        if any(not v for v in versions):
            fail(f"a launch with python runs names no CPython (python_version {versions})")
        said.append(f"CPython {sorted(set(versions))}")


def check_launches(a, launches, said):
    """How many launches, and how they ended."""
    if a.launches is not None and len(launches["launch_id"]) != a.launches:
        fail(f"{len(launches['launch_id'])} launches, expected {a.launches}")
    if a.status:
        st = column(launches, "exit_status")
        if any(s != a.status for s in st):
            fail(f"launch exit_status {st}, expected {a.status}")
        said.append(f"status {a.status}")


def check_audit(a, launches, runs, samples, said):
    """No two workers of a run on one host share a CPU (see --audit, --audit-cores)."""
    n_runs = len(runs["run_id"])
    audited = np.ones(n_runs, bool)
    if a.audit_cores:
        workers = column(runs, "ranks") * column(runs, "threads")
        audited = workers <= a.audit_cores
        over = column(runs, "oversubscribed")
        if np.any(over[~audited] != 1):
            fail(f"runs with more than {a.audit_cores} workers are not marked oversubscribed")
    elif np.any(column(launches, "shared_cores") != 0):
        fail("a launch records shared_cores=1")
    shared = column(runs, "shared_cores")
    if np.any(shared[audited] != 0):
        fail(f"runs record shared_cores=1: run_ids {list(column(runs, 'run_id')[audited & (shared != 0)])}")
    keep = set(int(x) for x in column(runs, "run_id")[audited])
    ids, hosts = column(samples, "run_id"), column(samples, "host")
    c0, c1, allowed = column(samples, "cpu_start"), column(samples, "cpu_end"), column(samples, "allowed_cpus")
    by_run = {}
    for i in range(len(samples["run_id"])):
        if int(ids[i]) in keep:
            by_run.setdefault((int(ids[i]), hosts[i]), []).append(i)
    for (rid, host), rows in by_run.items():
        for col, what in ((c0, "started"), (c1, "ended")):
            used = [int(col[i]) for i in rows]
            if len(set(used)) != len(used):
                fail(f"run {rid} on {host}: two workers {what} on one CPU ({sorted(used)})")
        seen = set()
        for i in rows:
            s = cpus(allowed[i])
            if s & seen:
                fail(f"run {rid} on {host}: allowed CPU sets overlap ({[allowed[j] for j in rows]})")
            seen |= s
    said.append(f"affinity audit clean over {len(by_run)} (run, host) groups")
    if len(by_run) == 0:
        fail("nothing to audit")


def check_slurm(a, launches, samples, said):
    """Slurm provenance: job, array, tasks, CPUs per task, nodes."""
    n = len(launches["launch_id"])
    if a.job:
        ids = column(launches, "slurm_job_id")
        if any(x != a.job for x in ids):
            fail(f"slurm_job_id {ids}, expected {a.job}")
        steps = column(launches, "slurm_step_id")
        if any(s == "" for s in steps) or len(set(steps)) != n:
            fail(f"slurm_step_id {steps}: expected one distinct step per launch")
        parts = column(launches, "slurm_partition")
        if any(x == "" for x in parts):
            fail("slurm_partition empty")
        said.append(f"job {a.job} steps {steps}")
    if a.array:
        aj, ai = a.array.split("_")
        if any(x != aj for x in column(launches, "slurm_array_job_id")) or \
           any(x != ai for x in column(launches, "slurm_array_task_id")):
            fail(f"array ids {column(launches, 'slurm_array_job_id')}_"
                 f"{column(launches, 'slurm_array_task_id')}, expected {a.array}")
        said.append(f"array {a.array}")
    if a.ntasks:
        want = [int(x) for x in a.ntasks.split(",")]
        want = want * n if len(want) == 1 else want
        got = [int(x) for x in column(launches, "slurm_ntasks")]
        if got != want:
            fail(f"slurm_ntasks {got}, expected {want}")
        if got != [int(x) for x in column(launches, "ranks")]:
            fail(f"slurm_ntasks {got} differ from ranks {list(column(launches, 'ranks'))}")
    if a.cpus_per_task:
        got = [int(x) for x in column(launches, "slurm_cpus_per_task")]
        if any(x != a.cpus_per_task for x in got):
            fail(f"slurm_cpus_per_task {got}, expected {a.cpus_per_task}")
    if a.nodes:
        names = a.nodes.split(",")
        for h in column(launches, "hosts"):
            if not set(names) <= set(h.split(",")):
                fail(f"launch hosts '{h}' do not name all of {names}")
        if not set(names) <= set(column(samples, "host")):
            fail(f"sample hosts {sorted(set(column(samples, 'host')))} lack some of {names}")
        if any(x == "" for x in column(launches, "slurm_nodelist")):
            fail("slurm_nodelist empty")
        said.append(f"nodes {names}")


def main():
    global ARGS
    ARGS = a = parse_args()
    try:
        tables = results.read(a.file, require_runs=False).tables
    except InputError as e:
        sys.exit(str(e))           # names the file: not gilbench, damaged, missing table, ...
    launches, runs, samples = tables["launches"], tables["runs"], tables["samples"]
    said = []
    check_runs(a, runs, said)
    check_launches(a, launches, said)
    check_kernels(a, launches, runs, said)
    if a.audit or a.audit_cores:
        check_audit(a, launches, runs, samples, said)
    if a.job or a.array or a.ntasks or a.cpus_per_task or a.nodes:
        check_slurm(a, launches, samples, said)
    if a.lock_scope:
        sc = set(column(runs, "lock_scope"))
        if sc != {a.lock_scope}:
            fail(f"lock_scope {sc}, expected {a.lock_scope}")
        said.append(f"lock scope {a.lock_scope}")

    print(f"{a.file}: OK: " + "; ".join(said))


if __name__ == "__main__":
    main()
