"""Metrics: pure scaling and lock formulas, then the per-run and per-configuration tables.

Per configuration (see configs.py) the statistics use measured repetitions only: warm-ups are
left out, runs that failed validation (``valid = 0``) are counted but left out, outliers are
flagged and kept.
"""

import numpy as np
import pandas as pd

from . import configs, stats

# --------------------------------------------------------------------------- pure formulas


def speedup(t_base, t):
    """Strong-scaling speedup T₁ / Tₚ."""
    return t_base / t


def scaled_speedup(t_base, t, workers):
    """Weak-scaling (Gustafson) speedup p · T₁ / Tₚ: the work grows with p."""
    return workers * t_base / t


def efficiency(speedup_value, workers):
    """Parallel efficiency S / p (1 = perfect; for weak scaling this is T₁ / Tₚ)."""
    return speedup_value / workers


def karp_flatt(speedup_value, workers):
    """Karp–Flatt experimentally determined serial fraction e = (1/S − 1/p) / (1 − 1/p);
    NaN for p = 1. 0 = perfectly parallel, 1 = no parallelism at all (e.g. threads under a lock)."""
    if workers <= 1:
        return float("nan")
    return (1.0 / speedup_value - 1.0 / workers) / (1.0 - 1.0 / workers)


def switch_rate(switches, run_wall_s):
    """Lock holder changes per second of the run, summed over all workers (and all locks)."""
    return float(np.sum(switches)) / run_wall_s if run_wall_s > 0 else float("nan")


def mean_slice(hold_s, acquisitions):
    """Mean time a worker holds the lock per acquisition: Σhold_s / Σacquisitions (s)."""
    n = float(np.sum(acquisitions))
    return float(np.sum(hold_s)) / n if n > 0 else float("nan")


def forced_drop_share(forced_drops, acquisitions):
    """Share of lock releases that were forced by a drop request: Σforced / Σacquisitions."""
    n = float(np.sum(acquisitions))
    return float(np.sum(forced_drops)) / n if n > 0 else float("nan")


def wait_share(wait_s, worker_wall_s):
    """Share of the workers' time spent waiting for the lock: Σwait_s / Σwall_s."""
    total = float(np.sum(worker_wall_s))
    return float(np.sum(wait_s)) / total if total > 0 else float("nan")


def busy_cores(cpu_s, run_wall_s):
    """CPU burnt by the run in cores: Σcpu_s / run wall time (2 = two cores busy)."""
    return float(np.sum(cpu_s)) / run_wall_s if run_wall_s > 0 else float("nan")


def lock_fairness(hold_s, lock_ids):
    """Jain fairness of the holding times among the threads sharing a lock, averaged over the
    locks that two or more threads share (one lock per rank, per interpreter, or one for the
    job); NaN when no lock is shared: a lone holder is neither fair nor unfair."""
    frame = pd.DataFrame({"hold": np.asarray(hold_s, dtype=float), "lock": np.asarray(lock_ids)})
    values = [stats.jain_index(g["hold"]) for _, g in frame.groupby("lock", sort=False) if len(g) > 1]
    values = [v for v in values if not np.isnan(v)]
    return float(np.mean(values)) if values else float("nan")


def lock_of_workers(samples):
    """Which lock each worker (row of tidy samples) takes: its rank and interpreter, or one
    lock for the whole job (``lock_scope = job``)."""
    job = samples["lock_scope"].astype(str) == "job"
    ids = samples["rank"].astype(str) + ":" + samples["interpreter"].astype(int).astype(str)
    return ids.where(~job, "job")


# --------------------------------------------------------------------------- per run

#: Per-run metrics, medians of which go into the configuration table.
RUN_METRICS = ("imbalance", "switches_per_s", "slice_s", "forced_share", "jain", "wait_share",
               "busy_cores")


def run_metrics(samples):
    """One row per run (``run_key``) with the metrics of its workers: load imbalance (max/mean
    worker wall time), busy cores (from the run's ``cpu_s``, which includes the latency probe,
    when the file has it, else the workers' sum), and the lock metrics (NaN for ``lock = none``)."""
    rows = []
    samples = samples.assign(_lock=lock_of_workers(samples))
    run_cpu = "run_cpu_s" if "run_cpu_s" in samples.columns else None
    for run_key, g in samples.groupby("run_key", sort=False):
        run_wall = float(g["run_wall_s"].iloc[0])
        locked = g["lock"].iloc[0] != "none"
        nan = float("nan")
        run_total = float(g[run_cpu].iloc[0]) if run_cpu else nan      # NaN: not in the file
        cpu = run_total if run_total > 0 else g["cpu_s"]
        rows.append({
            "run_key": run_key,
            "imbalance": stats.imbalance(g["wall_s"]),
            "busy_cores": busy_cores(cpu, run_wall),
            "switches_per_s": switch_rate(g["switches"], run_wall) if locked else nan,
            "slice_s": mean_slice(g["hold_s"], g["acquisitions"]) if locked else nan,
            "forced_share": forced_drop_share(g["forced_drops"], g["acquisitions"]) if locked else nan,
            "jain": lock_fairness(g["hold_s"], g["_lock"]) if locked else nan,
            "wait_share": wait_share(g["wait_s"], g["wall_s"]) if locked else nan,
        })
    return pd.DataFrame(rows, columns=["run_key", *RUN_METRICS])


def measured_runs(ds):
    """Normalised non-warm-up runs with their per-run metrics, ``config`` label and an
    ``outlier`` flag (robust z > 3 within the configuration, valid runs only)."""
    runs = configs.normalise(ds.runs)
    runs = runs[runs["warmup"].astype(int) == 0].merge(run_metrics(ds.samples), on="run_key", how="left")
    runs = configs.with_labels(runs, configs.varying_keys(runs))
    runs["outlier"] = False
    valid = runs["valid"].astype(int) == 1
    for _, idx in runs[valid].groupby(list(configs.KEYS)).groups.items():
        runs.loc[idx, "outlier"] = stats.outlier_mask(runs.loc[idx, "wall_s"])
    return runs.reset_index(drop=True)


# --------------------------------------------------------------------------- baselines

_POLICY_COLS = ["lock", "lock_scope", "switch_interval_s", "check_interval", "tick_iterations"]


def _baseline_candidates(runs, row):
    """Valid 1×1 single-interpreter runs doing the same work per worker as ``row``, with the
    same lock and parameters when there are any, else unlocked, else any lock; among those the
    ones with the same latency-probe period when there are any. One policy and period only."""
    base = runs[(runs["ranks"] == 1) & (runs["threads"] == 1) & (runs["interpreters"] == 1)
                & (runs["scaling"] == row["scaling"]) & (runs["work"] == row["work"])
                & (runs["valid"].astype(int) == 1)]
    if base.empty:
        return base
    same_lock = np.logical_and.reduce([(base[c] == row[c]).to_numpy() for c in _POLICY_COLS])
    for choice in (same_lock, (base["lock"] == "none").to_numpy(), np.ones(len(base), dtype=bool)):
        picked = base[choice]
        if picked.empty:
            continue
        same_probe = picked[picked["probe_period_s"] == row["probe_period_s"]]
        picked = same_probe if len(same_probe) else picked
        first = picked.iloc[0]
        return picked[np.logical_and.reduce([(picked[c] == first[c]).to_numpy()
                                             for c in _POLICY_COLS + ["probe_period_s"]])]
    return base.iloc[:0]


def baseline(runs, row, config_launches):
    """``(wall times, description)`` of the 1×1 baseline for configuration ``row``.

    The baseline comes from the configuration's own launch(es) when they hold one (scope
    'same launch'), else from the whole file set ('file set'); empty when there is none.
    """
    cand = _baseline_candidates(runs, row)
    if cand.empty:
        return np.array([]), "none"
    own = cand[cand["launch_key"].isin(config_launches)]
    scope = "same launch" if len(own) else "file set"
    chosen = own if len(own) else cand
    return chosen["wall_s"].to_numpy(float), f"{configs.label(chosen.iloc[0], varying=())}, {scope}"


# --------------------------------------------------------------------------- per configuration

def config_table(ds, level=0.95, seed=stats.DEFAULT_SEED, runs=None):
    """One row per configuration: repetitions, median wall time with its bootstrap CI, min,
    CV, outliers, speedup (with CI) and efficiency against the 1×1 baseline, Karp–Flatt serial
    fraction (strong scaling), median load imbalance and lock metrics.

    ``time_ratio`` = median / baseline median ("× sequential time"). ``runs``: the result of
    ``measured_runs(ds)`` when the caller already has it.
    """
    runs = measured_runs(ds) if runs is None else runs
    is_valid = runs["valid"].astype(int) == 1
    valid = runs[is_valid]
    records = []
    for key, group in runs.groupby(list(configs.KEYS), sort=False):
        g = group[is_valid.loc[group.index]]
        row = dict(zip(configs.KEYS, key))
        row.update(config=group["config"].iloc[0], workers=int(group["workers"].iloc[0]),
                   mode=group["mode"].iloc[0], work=int(group["work"].iloc[0]), n=len(g), n_invalid=len(group) - len(g),
                   n_outliers=int(g["outlier"].sum()), launches=group["launch_key"].nunique(),
                   files=group["file"].nunique())
        row.update(_time_summary(g["wall_s"].to_numpy(float), level, seed))
        base_t, row["baseline"] = baseline(valid, row, set(group["launch_key"]))
        row.update(_scaling_view(row, g["wall_s"].to_numpy(float), base_t, level, seed))
        for name in RUN_METRICS:
            row[name] = float(np.nanmedian(g[name])) if g[name].notna().any() else float("nan")
        records.append(row)
    if not records:
        return pd.DataFrame(columns=[*configs.KEYS, "workers", "mode", "config"])
    return configs.sort(configs.frame_of(records))


def _time_summary(t, level, seed):
    """Median with bootstrap CI, min, max and CV of a configuration's wall times (NaN if none)."""
    if t.size == 0:
        return dict.fromkeys(("median_s", "ci_lo_s", "ci_hi_s", "min_s", "max_s", "cv"), float("nan"))
    lo, hi = stats.bootstrap_ci(t, level=level, seed=seed)
    return dict(median_s=stats.median(t), ci_lo_s=lo, ci_hi_s=hi, min_s=float(t.min()),
                max_s=float(t.max()), cv=stats.cv(t))


def _scaling_view(row, t, base_t, level, seed):
    """Speedup, its CI, efficiency and Karp–Flatt for one configuration (strong or weak)."""
    nan = float("nan")
    if base_t.size == 0 or t.size == 0:
        return dict(baseline_s=nan, time_ratio=nan, speedup=nan, speedup_lo=nan, speedup_hi=nan,
                    efficiency=nan, karp_flatt=nan)
    p = row["workers"]
    t1, tp = stats.median(base_t), stats.median(t)
    r_lo, r_hi = stats.bootstrap_ratio_ci(base_t, t, level=level, seed=seed)   # Tp / T1
    if row["scaling"] == "weak":
        s, s_lo, s_hi = scaled_speedup(t1, tp, p), p / r_hi, p / r_lo
        kf = nan
    else:
        s, s_lo, s_hi = speedup(t1, tp), 1 / r_hi, 1 / r_lo
        kf = karp_flatt(s, p)
    return dict(baseline_s=t1, time_ratio=tp / t1, speedup=s, speedup_lo=s_lo, speedup_hi=s_hi,
                efficiency=efficiency(s, p), karp_flatt=kf)


def latency_table(ds, runs=None):
    """Latency events of the measured, valid runs per configuration: count, mean, median, p99
    and max of ``latency_s``, with the medians of the wake-up and queueing parts when the file
    has them. Empty when no file holds a /latency table. ``runs`` as for ``config_table``."""
    if ds.latency is None or ds.latency.empty:
        return pd.DataFrame()
    runs = measured_runs(ds) if runs is None else runs
    events = latency_events(ds, runs)
    if events.empty:
        return pd.DataFrame()
    records = []
    for key, g in events.groupby(list(configs.KEYS), sort=False):
        lat = g["latency_s"].to_numpy(float)
        row = dict(zip(configs.KEYS, key))
        row.update(config=g["config"].iloc[0], workers=int(g["workers"].iloc[0]), mode=g["mode"].iloc[0],
                   work=int(g["work"].iloc[0]), events=lat.size, runs=g["run_key"].nunique(), mean_s=float(lat.mean()),
                   median_s=stats.median(lat), p99_s=stats.quantile(lat, 0.99), max_s=float(lat.max()))
        for part in ("wake_s", "queue_s"):
            row[f"median_{part}"] = float(np.nanmedian(g[part])) if g[part].notna().any() else float("nan")
        row["backlog_share"] = backlog_share(g)
        records.append(row)
    return configs.sort(configs.frame_of(records))


def backlog_share(events):
    """Share of probe events sent before the probe had handled the previous one (same run and
    rank): those waited behind the probe itself, so their latency and wake-up include the
    previous event's (the probe period was shorter than the latency). NaN without events."""
    if events.empty or events["acquired_s"].isna().all():
        return float("nan")
    backlogged = 0
    for _, g in events.groupby(["run_key", "rank"], sort=False):
        g = g.sort_values("event")
        previous_done = g["acquired_s"].to_numpy(float)[:-1]
        backlogged += int(np.sum(g["sent_s"].to_numpy(float)[1:] < previous_done))
    return backlogged / len(events)


def latency_events(ds, runs):
    """The /latency events of the measured (non-warm-up), valid runs, with their run's
    configuration columns and ``config`` label."""
    valid = runs[runs["valid"].astype(int) == 1]
    return ds.latency.merge(valid[["run_key", *configs.KEYS, "config", "workers", "mode", "work"]], on="run_key")


def representative_runs(runs):
    """Per configuration, the ``run_key`` of the valid measured run whose wall time is closest
    to the configuration's median (the run a plot of single runs shows)."""
    valid = runs[runs["valid"].astype(int) == 1]
    chosen = {}
    for cfg, g in valid.groupby("config", sort=False):
        med = stats.median(g["wall_s"])
        chosen[cfg] = g.loc[(g["wall_s"] - med).abs().idxmin(), "run_key"]
    return chosen
