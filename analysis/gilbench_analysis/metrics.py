"""Metrics: pure scaling and lock formulas, then the per-run and per-configuration tables.

Per configuration (see configs.py) the statistics use measured repetitions only: warm-ups are
left out, runs that failed validation (``valid = 0``) are counted but left out, runs a signal
cut short (``status = interrupted``, after --stop-grace) are neither measurements nor invalid:
counted apart (``n_interrupted``) and left out, outliers are flagged and kept.
"""

import os

import numpy as np
import pandas as pd

from . import configs, schema, stats

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

#: Per-run metrics, medians of which go into the configuration table (except the pooled ones).
RUN_METRICS = ("imbalance", "switches_per_s", "slice_s", "forced_share", "jain", "wait_share",
               "busy_cores")
#: Lock metrics that are ratios of totals: per configuration they pool the totals of its valid
#: measured runs (Σ over runs and workers / Σ), as gilbench's summary does (README, Lock
#: metrics), rather than take the median of the per-run ratios.
POOLED_METRICS = ("switches_per_s", "slice_s", "forced_share", "wait_share")


def run_metrics(samples):
    """One row per run (``run_key``) with the metrics of its workers: load imbalance (max/mean
    worker wall time), busy cores (from the run's ``cpu_s``, which includes the latency probe,
    when the file has it, else the workers' sum), and the lock metrics (NaN for ``lock = none``)."""
    rows = []
    samples = samples.assign(_lock=lock_of_workers(samples))
    run_cpu = "run_cpu_s" if "run_cpu_s" in samples.columns else None
    for run_key, g in samples.groupby("run_key", sort=False):
        run_wall = float(g["run_wall_s"].iloc[0])
        locked = counted_lock(g["lock"].iloc[0])
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


def interrupted(runs):
    """Mask of the runs a signal cut short after --stop-grace (``status = interrupted``)."""
    if "status" not in runs:
        return pd.Series(False, index=runs.index)
    return runs["status"].astype(str) == "interrupted"


def measurement(runs):
    """Mask of the runs that count as measurements: valid and not interrupted."""
    return (runs["valid"].astype(int) == 1) & ~interrupted(runs)


def measured_runs(ds):
    """Normalised non-warm-up runs with their per-run metrics, ``config`` label and an
    ``outlier`` flag (robust z > 3 within the configuration, valid runs only)."""
    runs = configs.normalise(ds.runs)
    runs = runs[runs["warmup"].astype(int) == 0].merge(run_metrics(ds.samples), on="run_key", how="left")
    runs = configs.with_labels(runs, configs.varying_keys(runs))
    runs["outlier"] = False
    valid = measurement(runs)
    for _, idx in runs[valid].groupby(list(configs.KEYS)).groups.items():
        runs.loc[idx, "outlier"] = stats.outlier_mask(runs.loc[idx, "wall_s"])
    return runs.reset_index(drop=True)


# --------------------------------------------------------------------------- baselines

#: What a baseline run shares with its row besides the work: the lock and the parameters it
#: uses (the unused ones are neutral after configs.normalise) and the probe period. Scope and
#: interpreters are not compared: a 1×1 run has one thread.
_BASELINE_MATCH = ("kernel", "lock", "switch_interval_s", "check_interval", "tick_iterations", "probe_period_s")
def counted_lock(lock):
    """Whether gilbench counts this lock's switches and holds: an emulated one (gil, legacy-gil),
    not none and not the real interpreter's GIL (cpython-gil, cpython-nogil), as the binary's summary."""
    return lock != "none" and not str(lock).startswith("cpython")


_LOCK_FREE = {"lock": "none", "switch_interval_s": 0.0, "check_interval": 0, "tick_iterations": 0}


def baseline_count(row):
    """The count of the 1×1 runs doing ``row``'s work: the same total (strong scaling) or one
    worker's share (weak)."""
    workers = max(int(row["ranks"]) * int(row["threads"]), 1)
    return int(row["count"]) // workers if row["scaling"] == "weak" else int(row["count"])


def _origin(runs):
    """'launch 3' or 'launches 0,2' (ids ascending); launches of several files as file:id."""
    pairs = sorted(set(zip(runs["file"], runs["launch_id"].astype(int))))
    many_files = len({f for f, _ in pairs}) > 1
    ids = [f"{os.path.basename(f)}:{i}" if many_files else str(i) for f, i in pairs]
    return ("launch " if len(ids) == 1 else "launches ") + ",".join(ids)


def baseline(runs, row, launch_keys, files, lock_free=False):
    """``(wall times, origin)`` of the 1×1 baseline of configuration ``row`` (README, Speedup),
    as ``baseline_runs``."""
    base, origin = baseline_runs(runs, row, launch_keys, files, lock_free)
    return base["wall_s"].to_numpy(float), origin


def baseline_runs(runs, row, launch_keys, files, lock_free=False):
    """``(runs, origin)`` of the 1×1 baseline of configuration ``row`` (README, Speedup).

    ``runs``: normalised, valid, measured runs; ``launch_keys`` and ``files``: the row's own.
    The matching runs of the row's own launches when there are any (origin 'same launch'),
    else those of the other launches of its file(s), pooled ('launch 3', 'launches 0,2');
    none: ``([], "")``. ``lock_free``: the baseline without a lock (speedup vs none).

    With no 1×1 run of the row's work (``baseline_count``) anywhere, the same search at any N,
    compared by rate: each baseline ``wall_s`` is scaled to the row's work (× baseline_count /
    its own count; ``measured_wall_s`` keeps the measured one), so every speedup is the ratio of the
    rates (iterations/s), under strong and weak scaling alike; the origin gets ' by rate (N
    n1,n2)' with the baseline's Ns, as gilbench's summary.
    """
    want = {**row, **(_LOCK_FREE if lock_free else {})}
    work = baseline_count(row)
    hit = ((runs["ranks"] == 1) & (runs["threads"] == 1) & (runs["count"] > 0)).to_numpy()
    for col in _BASELINE_MATCH:
        hit &= (runs[col] == want[col]).to_numpy()
    matching = runs[hit]
    exact = matching["count"] == work
    for by_rate, cand in ((False, matching[exact]), (True, matching[~exact])):
        own = cand["launch_key"].isin(launch_keys)
        if own.any():
            found, origin = cand[own], "same launch"
        else:
            found = cand[cand["file"].isin(files)]
            if found.empty:
                continue
            origin = _origin(found)
        if by_rate:
            counts = sorted({int(c) for c in found["count"]})
            found = found.assign(measured_wall_s=found["wall_s"],
                                 wall_s=found["wall_s"] * work / found["count"].astype(float))
            origin += " by rate (N " + ",".join(map(str, counts)) + ")"
        return found, origin
    return matching.iloc[0:0], ""


def by_rate(origin):
    """Whether a baseline origin says the baseline was compared by rate (N differs)."""
    return " by rate " in str(origin)


def speedup_against(base_t, row, median_s):
    """T₁ / Tₚ (× ranks·threads under weak scaling), T₁ the median of ``base_t``; None without
    a baseline or a positive median."""
    if len(base_t) == 0 or not median_s > 0:
        return None
    workers = int(row["ranks"]) * int(row["threads"])
    return (workers if row["scaling"] == "weak" else 1) * stats.median(base_t) / median_s


# --------------------------------------------------------------------------- per configuration

def config_table(ds, level=0.95, seed=stats.DEFAULT_SEED, runs=None):
    """One row per configuration: repetitions, median wall time with its CI (``ci_method``:
    order statistic, or hierarchical over the launches its runs come from), min, CV, outliers,
    speedup (with CI, ``speedup_ci`` saying how it was made or why there is none) and efficiency against the 1×1 baseline, speedup against
    the lock-free 1×1 (``speedup_vs_none``), where each baseline came from (``baseline``,
    ``baseline_none``: '' when there is none), Karp–Flatt serial fraction (strong scaling),
    median load imbalance and lock metrics.

    ``time_ratio`` = median / baseline median ("× sequential time"). ``runs``: the result of
    ``measured_runs(ds)`` when the caller already has it.
    """
    runs = measured_runs(ds) if runs is None else runs
    is_valid = measurement(runs)
    cut = interrupted(runs)
    valid = runs[is_valid]
    records = []
    for key, group in runs.groupby(list(configs.KEYS), sort=False):
        g = group[is_valid.loc[group.index]]
        n_cut = int(cut.loc[group.index].sum())
        row = dict(zip(configs.KEYS, key))
        row.update(kernel=group["kernel"].iloc[0], config=group["config"].iloc[0], workers=int(group["workers"].iloc[0]),
                   mode=group["mode"].iloc[0], work=int(group["work"].iloc[0]), n=len(g),
                   n_invalid=len(group) - len(g) - n_cut, n_interrupted=n_cut,
                   n_outliers=int(g["outlier"].sum()), launches=group["launch_key"].nunique(),
                   files=group["file"].nunique())
        row.update(_time_summary(g, level, seed))
        own = set(group["launch_key"]), set(group["file"])
        base, row["baseline"] = baseline_runs(valid, row, *own)
        row.update(_scaling_view(row, g, base, row["baseline"] == "same launch", level, seed))
        row["baseline"] = "" if np.isnan(row["speedup"]) else row["baseline"]
        none_t, origin = baseline(valid, row, *own, lock_free=True)
        vs_none = speedup_against(none_t, row, row["median_s"])
        row["speedup_vs_none"], row["baseline_none"] = (float("nan"), "") if vs_none is None else (vs_none, origin)
        for name in RUN_METRICS:
            row[name] = float(np.nanmedian(g[name])) if g[name].notna().any() else float("nan")
        if row["lock"] != "none":
            row.update(pooled_lock_metrics(ds.samples, g))
        records.append(row)
    if not records:
        return pd.DataFrame(columns=[*configs.KEYS, "workers", "mode", "config"])
    return configs.sort(configs.frame_of(records))


def pooled_lock_metrics(samples, g):
    """The lock figures of the runs ``g`` from their pooled totals: switches/s = Σ switches /
    Σ run wall time, mean slice = Σ hold / Σ acquisitions, forced share = Σ forced drops /
    Σ acquisitions, wait share = Σ wait / Σ worker wall time (NaN for an empty denominator)."""
    mine = samples[samples["run_key"].isin(set(g["run_key"]))]
    return dict(switches_per_s=switch_rate(mine["switches"], float(g["wall_s"].sum())),
                slice_s=mean_slice(mine["hold_s"], mine["acquisitions"]),
                forced_share=forced_drop_share(mine["forced_drops"], mine["acquisitions"]),
                wait_share=wait_share(mine["wait_s"], mine["wall_s"]))


def launch_groups(runs, column="wall_s"):
    """``column`` of ``runs`` as one array a launch (file and launch), in round order."""
    return [g.sort_values("round", kind="stable")[column].to_numpy(float)
            for _, g in runs.groupby("launch_key", sort=True)]


def _time_summary(g, level, seed):
    """Median with its CI, min, max and CV of a configuration's valid runs ``g``. One launch:
    the order-statistic CI (``ci_level``: the coverage it actually has). Runs from several
    launches (or files): the hierarchical bootstrap, launches then runs (``ci_level`` NaN: a
    percentile bootstrap's level is nominal). ``ci_method`` says which, or why there is none
    (n too small for ``level``: the same floor for both)."""
    t = g["wall_s"].to_numpy(float)
    if t.size == 0:
        out = dict.fromkeys(("median_s", "ci_lo_s", "ci_hi_s", "ci_level", "min_s", "max_s", "cv"), float("nan"))
        return dict(out, ci_method="")
    groups = launch_groups(g)
    lo, hi, reached = stats.median_ci(t, level=level)
    method = "order statistic" if reached == reached else stats.too_small(level)
    if len(groups) > 1 and reached == reached:
        (lo, hi), reached = stats.hierarchical_median_ci(groups, level=level, seed=seed), float("nan")
        method = f"hierarchical over {len(groups)} launches"
    return dict(median_s=stats.median(t), ci_lo_s=lo, ci_hi_s=hi, ci_level=reached, ci_method=method,
                min_s=float(t.min()), max_s=float(t.max()), cv=stats.cv(t))


def _scaling_view(row, g, base, same_launch, level, seed):
    """Speedup, its CI (``speedup_ci``: how it was made, stats.ratio_ci), efficiency and
    Karp–Flatt for one configuration (strong or weak).

    ``g``: the configuration's valid measured runs, ``base``: its baseline's. The baseline's
    own row has speedup exactly 1 and no interval. A baseline from the same launch is paired
    with the row by round (each round ran every configuration once): rounds are resampled,
    the same ones on both sides; a baseline from other launches is resampled independently;
    runs from several launches: launches first (hierarchical)."""
    nan = float("nan")
    t, base_t = g["wall_s"].to_numpy(float), base["wall_s"].to_numpy(float)
    if base_t.size == 0 or t.size == 0:
        return dict(baseline_s=nan, n_baseline=base_t.size, time_ratio=nan, speedup=nan, speedup_lo=nan,
                    speedup_hi=nan, speedup_ci="", efficiency=nan, karp_flatt=nan)
    p = row["workers"]
    t1, tp = stats.median(base_t), stats.median(t)
    if set(base["run_key"]) == set(g["run_key"]):
        r_lo = r_hi = nan                                     # the baseline itself: exactly 1
        how = "exactly 1 (the baseline itself)"
    elif same_launch:
        pairs = g.merge(base, on=["launch_key", "round"], suffixes=("", "_base"))
        ci = stats.ratio_ci(launch_groups(pairs, "wall_s_base"), launch_groups(pairs), level=level, seed=seed,
                            paired=True)
        r_lo, r_hi, how = ci
    else:
        r_lo, r_hi, how = stats.ratio_ci(launch_groups(base), launch_groups(g), level=level, seed=seed)  # Tp / T1
    if row["scaling"] == "weak":
        s, s_lo, s_hi = scaled_speedup(t1, tp, p), p / r_hi, p / r_lo
        kf = nan
    else:
        s, s_lo, s_hi = speedup(t1, tp), 1 / r_hi, 1 / r_lo
        kf = karp_flatt(s, p)
    return dict(baseline_s=t1, n_baseline=base_t.size, time_ratio=tp / t1, speedup=s, speedup_lo=s_lo,
                speedup_hi=s_hi, speedup_ci=how, efficiency=efficiency(s, p), karp_flatt=kf)


# --------------------------------------------------------------------------- the summary

def summary_rows(ds):
    """The summary of gilbench's own output (README, Speedup), one dict per configuration with
    exactly the summary columns of schema.json, in order: what ``gilbench-report summary``
    prints and what gilbench prints for one launch. Configurations in file, launch and
    configuration order."""
    runs = configs.normalise(ds.runs)
    runs = runs[runs["warmup"].astype(int) == 0]
    is_valid = measurement(runs)
    valid = runs[is_valid]
    order = {path: i for i, path in enumerate(ds.files)}
    groups = sorted(runs.groupby(list(configs.KEYS), sort=False),
                    key=lambda kv: (order.get(kv[1]["file"].iloc[0], 0), int(kv[1]["launch_id"].iloc[0]),
                                    int(kv[1]["config_id"].iloc[0])))
    out = []
    for _, group in groups:
        g = group[is_valid.loc[group.index]]
        row = _summary_key(group.iloc[0])
        row.update(_summary_times(g), valid=bool((group["valid"].astype(int) == 1).all()))
        own = set(group["launch_key"]), set(group["file"])
        for col, origin, free in (("speedup", "baseline", False), ("speedup_vs_none", "baseline_none", True)):
            base_t, where = baseline(valid, row, *own, lock_free=free)
            row[col] = speedup_against(base_t, row, row["median_s"])
            row[origin] = "" if row[col] is None else where
        workers = row["ranks"] * row["threads"]
        row["efficiency"] = None if row["speedup"] is None else row["speedup"] / workers
        row.update(**_summary_lock(ds.samples, g), **_summary_latency(ds.latency, g))
        out.append({c["name"]: _typed(row[c["name"]], c["dtype"]) for c in schema.SUMMARY_COLUMNS})
    return out


def _summary_key(first):
    """The configuration columns of a row, from its first run (parameters already neutral)."""
    row = {k: first[k] for k in configs.KEYS}
    row.update(kernel=first["kernel"], mode=configs.mode(int(first["ranks"]), int(first["threads"])), label=configs.summary_label(first))
    return row


def _summary_times(g):
    """Wall-time figures of the valid measured runs ``g`` (0 without any, as gilbench)."""
    t = g["wall_s"].to_numpy(float)
    if t.size == 0:
        return dict(repetitions=0, median_s=0.0, min_s=0.0, cv=None, cpu_s=0.0)
    return dict(repetitions=int(t.size), median_s=stats.median(t), min_s=float(t.min()),
                cv=stats.cv(t) if t.size >= 2 else None, cpu_s=stats.median(g["cpu_s"]))


def _summary_lock(samples, g):
    """Holder changes per second of the runs' summed wall time and the mean slice (0 if none)."""
    mine = samples[samples["run_key"].isin(set(g["run_key"]))]
    wall, acquisitions = float(g["wall_s"].sum()), float(mine["acquisitions"].sum())
    return dict(switches_per_s=float(mine["switches"].sum()) / wall if wall > 0 else 0.0,
                mean_slice_s=float(mine["hold_s"].sum()) / acquisitions if acquisitions > 0 else 0.0)


def _summary_latency(latency, g):
    """Count, mean, median and p99 of the latency events of the runs ``g`` (0 without any; a
    percentile with fewer than 100 / (100 − q) events behind it: none)."""
    lat = np.array([])
    if latency is not None and not latency.empty:
        lat = latency.loc[latency["run_key"].isin(set(g["run_key"])), "latency_s"].to_numpy(float)
    if lat.size == 0:
        return dict(latency_events=0, latency_mean_s=0.0, latency_median_s=0.0, latency_p99_s=0.0)
    return dict(latency_events=int(lat.size), latency_mean_s=float(lat.mean()),
                latency_median_s=stats.quantile_if_enough(lat, 0.5), latency_p99_s=stats.quantile_if_enough(lat, 0.99))


def _typed(value, dtype):
    """A summary value as the plain Python type its column declares (NaN and None: None)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return {"str": str, "int": int, "float": float, "float?": float, "bool": bool}[dtype](value)


def latency_table(ds, runs=None):
    """Latency events of the measured, valid runs per configuration: count, mean, median, p99
    (NaN with fewer than 2 or 100 events behind it) and max of ``latency_s``, with the medians of the wake-up and queueing parts when the file
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
                   median_s=stats.quantile_if_enough(lat, 0.5), p99_s=stats.quantile_if_enough(lat, 0.99),
                   max_s=float(lat.max()))
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
    valid = runs[measurement(runs)]
    return ds.latency.merge(valid[["run_key", *configs.KEYS, "config", "workers", "mode", "work"]], on="run_key")


def representative_runs(runs):
    """Per configuration, the ``run_key`` of the valid measured run whose wall time is closest
    to the configuration's median (the run a plot of single runs shows)."""
    valid = runs[measurement(runs)]
    chosen = {}
    for cfg, g in valid.groupby("config", sort=False):
        med = stats.median(g["wall_s"])
        chosen[cfg] = g.loc[(g["wall_s"] - med).abs().idxmin(), "run_key"]
    return chosen
