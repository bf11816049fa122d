"""Synthetic results files written with h5py exactly as docs/schema.md describes them, for edge
cases and for hand-computed metric values. Independent of the package's own schema code."""

import h5py
import numpy as np

VSTR = h5py.string_dtype("utf-8")

LAUNCH_FIELDS = [
    ("launch_id", "<i8"), ("start_time", VSTR), ("start_unix", "<f8"), ("gilbench_version", VSTR),
    ("git_revision", VSTR), ("compiler", VSTR), ("cxx_flags", VSTR), ("mpi_library", VSTR),
    ("mpi_version", VSTR), ("mpi_thread_level", VSTR), ("hdf5_version", VSTR),
    ("openmp_version", VSTR), ("cpu_model", VSTR), ("kernel", VSTR), ("governor", VSTR),
    ("cpu_mhz", "<f8"), ("smt", VSTR), ("loadavg", "<f8"), ("timer_resolution_s", "<f8"),
    ("hosts", VSTR), ("command_line", VSTR), ("env_omp", VSTR), ("env_slurm", VSTR),
    ("ranks", "<i4"), ("allowed_cpus", "<i4"), ("oversubscribed", "u1"), ("shared_cores", "u1"),
    ("count_auto_s", "<f8"), ("calibrated_rate", "<f8"), ("exit_status", VSTR),
]
LAUNCH_FIELDS_V3 = [("rounds_written", "<i4"), ("gather_s", "<f8"), ("write_s", "<f8")]
RUN_FIELDS_V1 = [
    ("run_id", "<i8"), ("launch_id", "<i8"), ("config_id", "<i4"), ("ranks", "<i4"),
    ("threads", "<i4"), ("lock", "S16"), ("count", "<u8"), ("scaling", "S8"),
    ("repetition", "<i4"), ("warmup", "u1"), ("wall_s", "<f8"), ("valid", "u1"), ("round", "<i4"),
    ("start_s", "<f8"), ("oversubscribed", "u1"), ("shared_cores", "u1"),
]
RUN_FIELDS_V2 = [("lock_scope", "S8"), ("switch_interval_s", "<f8"), ("check_interval", "<i8"),
                 ("tick_iterations", "<i8")]
RUN_FIELDS_V3 = [("interpreters", "<i4"), ("probe_period_s", "<f8"), ("cpu_s", "<f8")]
SAMPLE_FIELDS_V1 = [
    ("run_id", "<i8"), ("rank", "<i4"), ("thread", "<i4"), ("host", "S64"), ("cpu_start", "<i4"),
    ("cpu_end", "<i4"), ("allowed_cpus", "S256"), ("n_allowed", "<i4"), ("iterations", "<u8"),
    ("wall_s", "<f8"), ("cpu_s", "<f8"),
]
SAMPLE_FIELDS_V2 = [
    ("acquisitions", "<u8"), ("switches", "<u8"), ("forced_drops", "<u8"), ("drop_requests", "<u8"),
    ("wait_timeouts", "<u8"), ("wait_s", "<f8"), ("hold_s", "<f8"), ("switch_wait_s", "<f8"),
    ("checks", "<u8"), ("self_reacquires", "<u8"), ("handoffs", "<u8"), ("ctx_voluntary", "<u8"),
    ("ctx_involuntary", "<u8"),
]
SAMPLE_FIELDS_V3 = [("interpreter", "<i4")]
TRACE_FIELDS = [("run_id", "<i8"), ("rank", "<i4"), ("thread", "<i4"), ("t_s", "<f8"), ("event", "u1")]
LATENCY_FIELDS = [
    ("run_id", "<i8"), ("rank", "<i4"), ("event", "<i8"), ("sent_s", "<f8"), ("woke_s", "<f8"),
    ("acquired_s", "<f8"), ("latency_s", "<f8"), ("wake_s", "<f8"), ("queue_s", "<f8"),
    ("interpreter", "<i4"),
]


def launch_fields(version):
    return LAUNCH_FIELDS[:-1] + (LAUNCH_FIELDS_V3 if version >= 3 else []) + LAUNCH_FIELDS[-1:]


def run_fields(version):
    return RUN_FIELDS_V1 + (RUN_FIELDS_V2 if version >= 2 else []) + (RUN_FIELDS_V3 if version >= 3 else [])


def sample_fields(version):
    return SAMPLE_FIELDS_V1 + (SAMPLE_FIELDS_V2 if version >= 2 else []) + (SAMPLE_FIELDS_V3 if version >= 3 else [])


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
            content["trace"] = (TRACE_FIELDS, trace)
        if latency is not None:
            content["latency"] = (LATENCY_FIELDS, latency)
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
            probe=0.0, probe_cpu_s=0.0, scope="rank"):
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
                check_interval=100 if lock == "legacy-gil" else 0, tick_iterations=1000,
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
