"""What analysis knows of the results-file layout (docs/schema.md): versions, tables, the
columns analysis cannot do without, and the neutral value of every column a version lacks."""

PRODUCER = "gilbench"
KNOWN_VERSIONS = (1, 2, 3)

#: Tables every version has; a file without one of them is refused.
REQUIRED_TABLES = ("launches", "runs", "samples")
#: Tables of later versions, or written only on request (--trace, --probe latency).
OPTIONAL_TABLES = ("trace", "latency")

#: Columns without which no metric can be computed; a file lacking one is refused.
REQUIRED_COLUMNS = {
    "launches": ("launch_id",),
    "runs": ("run_id", "launch_id", "ranks", "threads", "lock", "count", "warmup", "wall_s"),
    "samples": ("run_id", "rank", "thread", "wall_s"),
    "trace": ("run_id", "rank", "thread", "t_s", "event"),
    "latency": ("run_id", "latency_s"),
}

_LOCK_COUNTERS = ("acquisitions", "switches", "forced_drops", "drop_requests", "wait_timeouts",
                  "checks", "self_reacquires", "handoffs", "ctx_voluntary", "ctx_involuntary")
_LOCK_TIMES = ("wait_s", "hold_s", "switch_wait_s")

#: Neutral values for columns that older versions (or runs without a feature) lack: a file of
#: version 1 reads as if every run had no lock activity, one interpreter, a rank-wide scope and
#: no latency probe.
DEFAULTS = {
    "launches": {
        "start_time": "", "start_unix": 0.0, "gilbench_version": "", "git_revision": "",
        "compiler": "", "cxx_flags": "", "mpi_library": "", "mpi_version": "",
        "mpi_thread_level": "", "hdf5_version": "", "openmp_version": "", "cpu_model": "",
        "kernel": "", "governor": "unknown", "cpu_mhz": 0.0, "smt": "unknown", "loadavg": 0.0,
        "timer_resolution_s": 0.0, "hosts": "", "command_line": "", "env_omp": "",
        "env_slurm": "", "ranks": 1, "allowed_cpus": 0, "oversubscribed": 0, "shared_cores": 0,
        "count_auto_s": 0.0, "calibrated_rate": 0.0, "exit_status": "complete",
        "rounds_written": 0, "gather_s": 0.0, "write_s": 0.0,
        "slurm_job_id": "", "slurm_array_job_id": "", "slurm_array_task_id": "",
        "slurm_step_id": "", "slurm_nodelist": "", "slurm_partition": "", "slurm_ntasks": 0,
        "slurm_cpus_per_task": 0,
    },
    "runs": {
        "config_id": 0, "scaling": "strong", "repetition": 0, "valid": 1, "round": 0,
        "start_s": 0.0, "oversubscribed": 0, "shared_cores": 0,
        "lock_scope": "rank", "switch_interval_s": 0.0, "check_interval": 0,
        "tick_iterations": 0, "interpreters": 1, "probe_period_s": 0.0,
        # the run's total CPU time (schema 3); NaN = unknown: busy cores then sums the workers'
        "cpu_s": float("nan"),
    },
    "samples": {
        "host": "", "cpu_start": -1, "cpu_end": -1, "allowed_cpus": "", "n_allowed": 0,
        "iterations": 0, "cpu_s": 0.0, "interpreter": 0,
        **{name: 0 for name in _LOCK_COUNTERS},
        **{name: 0.0 for name in _LOCK_TIMES},
    },
    "trace": {},
    "latency": {"rank": 0, "event": 0, "sent_s": 0.0, "woke_s": float("nan"),
                "acquired_s": float("nan"), "wake_s": float("nan"), "queue_s": float("nan"),
                "interpreter": 0},
}
