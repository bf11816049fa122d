"""Synthetic results files written with h5py in the layout schema.json declares (the binary's
columns, dtypes and order per version), for edge cases and for hand-computed metric values."""

import h5py
import numpy as np

from gilbench_analysis import schema

VSTR = h5py.string_dtype("utf-8")


def table_fields(table, version):
    """(name, numpy dtype) of ``table``'s columns in a file of ``version``, in file order, as
    schema.json declares them (the binary's own column list)."""
    out = []
    for col in schema.columns(table, version):
        dt = col["dtype"]
        if "enum" in col:
            dt = h5py.enum_dtype(col["enum"], basetype=dt)
        out.append((col["name"], VSTR if dt == "vlen-utf8" else dt))
    return out


def launch_fields(version):
    return table_fields("launches", version)


def run_fields(version):
    return table_fields("runs", version)


def sample_fields(version):
    return table_fields("samples", version)


def _rows(fields, rows):
    arr = np.zeros(len(rows), dtype=np.dtype(fields))
    for i, row in enumerate(rows):
        for name, _ in fields:
            if name in row:
                value = row[name]
                arr[i][name] = value.encode() if isinstance(value, str) and arr.dtype[name].kind == "S" else value
    for name, dt in fields:          # vlen strings must not stay None
        if dt is VSTR:
            for i, row in enumerate(rows):
                if name not in row:
                    arr[i][name] = ""
    return arr


def launch(launch_id=0, **kw):
    row = dict(launch_id=launch_id, start_time="2024-01-01T00:00:00Z", gilbench_version="0.1.0",
               git_revision="synthetic", compiler="GNU 12.2.0", hosts="synth",
               command_line="gilbench --synthetic", ranks=1, allowed_cpus=2, exit_status="complete",
               governor="unknown", smt="unknown")
    row.update(kw)
    return row


def write(path, runs, samples, launches=None, version=2, trace=None, latency=None,
          producer="gilbench", tables=("launches", "runs", "samples")):
    """Write a results file. ``runs``/``samples`` are lists of dicts (missing columns zero)."""
    launches = launches if launches is not None else [launch()]
    with h5py.File(path, "w") as f:
        f.attrs["schema_version"] = np.int32(version)
        if producer is not None:
            f.attrs["producer"] = producer
        f.attrs["created"] = "2024-01-01T00:00:00Z"
        content = {"launches": (launch_fields(version), launches), "runs": (run_fields(version), runs),
                   "samples": (sample_fields(version), samples)}
        if trace is not None:
            content["trace"] = (table_fields("trace", version), trace)
        if latency is not None:
            content["latency"] = (table_fields("latency", version), latency)
        for name, (fields, rows) in content.items():
            if name in tables or name in ("trace", "latency"):
                f.create_dataset(name, data=_rows(fields, rows), maxshape=(None,), chunks=True)
    return path


class Builder:
    """Collects runs and their samples: ``add(ranks, threads, times, ...)`` adds one measured
    run per wall time (plus ``warmups``), each with ``ranks*threads`` workers."""

    def __init__(self, version=2):
        self.version = version
        self.runs, self.samples, self.trace, self.latency = [], [], [], []
        self._config = 0

    def add(self, ranks, threads, times, lock="none", count=1_000_000, scaling="strong",
            interval=0.005, warmups=0, launch_id=0, worker=None, interpreters=1, valid=1,
            probe=0.0, probe_cpu_s=0.0, scope="rank", tick=1000):
        """``worker(run_wall, rank, thread)`` → dict of extra sample columns (default: every
        worker takes the run's wall time and does count/workers iterations). ``probe``: the
        latency-probe period (0: none); the run's ``cpu_s`` (version 3) is the workers' sum plus
        ``probe_cpu_s``."""
        workers = ranks * threads
        for i, t in enumerate([times[0]] * warmups + list(times)):
            run_id = len(self.runs)
            warm = i < warmups
            self.runs.append(dict(
                run_id=run_id, launch_id=launch_id, config_id=self._config, ranks=ranks,
                threads=threads, lock=lock, count=count, scaling=scaling,
                repetition=i if warm else i - warmups, warmup=int(warm), wall_s=t, valid=valid,
                round=i, start_s=float(i), lock_scope=scope,
                switch_interval_s=interval if lock == "gil" else 0.0,
                check_interval=100 if lock == "legacy-gil" else 0, tick_iterations=tick,
                interpreters=interpreters, probe_period_s=probe))
            run_cpu = probe_cpu_s
            for r in range(ranks):
                for th in range(threads):
                    sample = dict(run_id=run_id, rank=r, thread=th, host="synth", cpu_start=(r * threads + th) % 2,
                                  cpu_end=(r * threads + th) % 2, allowed_cpus="0-1", n_allowed=2,
                                  iterations=count // workers, wall_s=t, cpu_s=t,
                                  interpreter=th % interpreters)
                    if worker:
                        sample.update(worker(t, r, th))
                    run_cpu += sample["cpu_s"]
                    self.samples.append(sample)
            self.runs[-1]["cpu_s"] = run_cpu
        self._config += 1
        return self

    def write(self, path, **kw):
        kw.setdefault("version", self.version)
        if self.trace and "trace" not in kw:
            kw["trace"] = self.trace
        if self.latency and "latency" not in kw:
            kw["latency"] = self.latency
        return write(path, self.runs, self.samples, **kw)
