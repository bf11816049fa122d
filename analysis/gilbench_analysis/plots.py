"""Plots (matplotlib, Agg backend: no display needed). Each function draws one PNG with a
title, axis labels and units, and returns its path, or None when the data has nothing to show.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402

from . import configs, trace  # noqa: E402

DPI = 110
_MARKERS = {"sequential": "D", "threads": "o", "processes": "s", "hybrid": "^"}
_LINES = {"sequential": "-", "threads": "-", "processes": "--", "hybrid": ":"}
_STATE_COLORS = {"running": "#2e7d32", "waiting": "#f9a825", "dropping": "#c62828"}
#: What stays fixed along one scaling curve: everything but the workers (and the count, which
#: weak scaling grows with them: ``work`` is the count per worker there).
_SERIES_KEYS = ["work"] + [k for k in configs.KEYS if k not in ("ranks", "threads", "scaling", "count")]


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def _yerr(center, lo, hi):
    """Asymmetric error bars from an interval; NaN bounds become zero-length bars."""
    c, lo, hi = (np.asarray(v, dtype=float) for v in (center, lo, hi))
    return np.vstack([np.nan_to_num(c - lo), np.nan_to_num(hi - c)]).clip(min=0)


def _workers_axis(ax, workers):
    ticks = sorted(set(int(w) for w in workers))
    if ticks and max(ticks) >= 8:
        ax.set_xscale("log", base=2)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set_xlabel("workers (MPI ranks × OpenMP threads)")


def _series_name(row, varying):
    """Legend text of one line: mode and policy, plus what else varies (count, interpreters)."""
    name = configs.policy(row)
    if int(row["interpreters"]) > 1:
        name += f", {int(row['interpreters'])} interpreters"
    if "work" in varying:
        per = " per worker" if row["scaling"] == "weak" else ""
        name += f", N={configs.human_count(int(row['work']))}{per}"
    return name


def scaling_series(table):
    """``{scaling: [(mode, legend, rows sorted by workers)]}``: one line per mode (threads,
    processes, hybrid) and policy; the 1×1 point of the same policy starts every line."""
    out = {}
    varying = configs.varying_keys(table)
    for scaling, by_scaling in table.groupby("scaling", sort=True):
        lines = []
        for _, g in by_scaling.groupby(_SERIES_KEYS, sort=False):
            seq = g[g["mode"] == "sequential"]
            modes = [m for m in configs.MODES[1:] if (g["mode"] == m).any()] or ["sequential"]
            for m in modes:
                rows = g[g["mode"].isin(["sequential", m])] if m != "sequential" else seq
                legend = f"{m}: {_series_name(g.iloc[0], varying)}"
                lines.append((m, legend, rows.sort_values("workers")))
        out[scaling] = lines
    return out


def _workers_figure(table, path, column, lo, hi, title, ylabel, ideal=None):
    """One panel per scaling kind: ``column`` against workers, error bars from ``lo``/``hi``;
    ``ylabel`` is a string or ``{scaling: label}``."""
    series = scaling_series(table[table[column].notna()])
    if not series:
        return None
    fig, axes = plt.subplots(1, len(series), figsize=(6.4 * len(series), 4.6), squeeze=False)
    for ax, (scaling, lines) in zip(axes[0], series.items()):
        workers = []
        for m, legend, rows in lines:
            y = rows[column].to_numpy(float)
            yerr = _yerr(y, rows[lo], rows[hi]) if lo else None
            ax.errorbar(rows["workers"], y, yerr=yerr, marker=_MARKERS[m], linestyle=_LINES[m],
                        capsize=3, label=legend)
            workers.extend(rows["workers"])
        if ideal == "linear":
            w = np.array(sorted(set(workers)), dtype=float)
            ax.plot(w, w, color="grey", linestyle="-.", linewidth=1, label="ideal (linear)")
        elif ideal == "one":
            ax.axhline(1.0, color="grey", linestyle="-.", linewidth=1, label="ideal")
        _workers_axis(ax, workers)
        ax.set_ylabel(ylabel[scaling] if isinstance(ylabel, dict) else ylabel)
        ax.set_title(f"{title} — {scaling} scaling")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return _save(fig, path)


def time_vs_workers(table, path, level=0.95):
    """Median wall time against workers per mode, with bootstrap-CI error bars."""
    return _workers_figure(table, path, "median_s", "ci_lo_s", "ci_hi_s",
                           f"Wall time (median, {level:.0%} bootstrap CI)", "wall time (s)")


def speedup_vs_ideal(table, path):
    """Speedup against the 1×1 baseline (scaled speedup for weak scaling) and the ideal line."""
    return _workers_figure(table, path, "speedup", "speedup_lo", "speedup_hi",
                           "Speedup vs 1×1 baseline", {"strong": "speedup T₁/Tₚ (×)",
                                                       "weak": "scaled speedup p·T₁/Tₚ (×)"}, ideal="linear")


def efficiency(table, path):
    """Parallel efficiency (speedup / workers) against workers, with the ideal 1."""
    return _workers_figure(table, path, "efficiency", None, None, "Parallel efficiency",
                           "efficiency (speedup / workers)", ideal="one")


# Policy parameter axes: (lock, column, axis label, factor to the axis unit)
_POLICY_AXES = (("gil", "switch_interval_s", "switch interval (ms)", 1e3),
                ("legacy-gil", "check_interval", "check interval (ticks)", 1.0))


def lock_policies(table, path):
    """Per locked policy: median wall time and lock switches per second against the policy's
    parameter (switch interval for gil, check interval for legacy-gil); unlocked runs with the
    same workers are dashed reference lines."""
    rows = [a for a in _POLICY_AXES if (table["lock"] == a[0]).any()]
    if not rows:
        return None
    fig, axes = plt.subplots(len(rows), 2, figsize=(12.5, 4.4 * len(rows)), squeeze=False)
    group_keys = ["scaling", "work", "ranks", "threads", "interpreters", "lock_scope"]
    for (lock, col, xlabel, factor), (ax_t, ax_r) in zip(rows, axes):
        sub = table[table["lock"] == lock]
        for i, (key, g) in enumerate(sub.groupby(group_keys, sort=True)):
            g = g.sort_values(col)
            color = f"C{i % 10}"
            name = f"{int(g['ranks'].iloc[0])}×{int(g['threads'].iloc[0])}"
            if int(g["interpreters"].iloc[0]) > 1:
                name += f", {int(g['interpreters'].iloc[0])} interpreters"
            if sub["work"].nunique() > 1:
                name += f", N={configs.human_count(int(g['work'].iloc[0]))}"
            x = g[col].to_numpy(float) * factor
            ax_t.errorbar(x, g["median_s"], yerr=_yerr(g["median_s"], g["ci_lo_s"], g["ci_hi_s"]),
                          marker="o", capsize=3, color=color, label=f"{lock} {name}")
            ax_r.plot(x, g["switches_per_s"], marker="o", color=color, label=f"{lock} {name}")
            free = table[(table["lock"] == "none") & np.logical_and.reduce(
                [table[k] == v for k, v in zip(group_keys[:5], key[:5])])]
            if len(free) and free["median_s"].notna().any():
                ax_t.axhline(float(free["median_s"].iloc[0]), color=color, linestyle="--",
                             linewidth=1, label=f"none {name}")
        ticks = sorted(set(sub[col].astype(float) * factor))
        for ax in (ax_t, ax_r):
            if len(ticks) > 1:
                ax.set_xscale("log")
            ax.set_xticks(ticks)
            ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xlabel(xlabel)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="small")
        ax_t.set_ylabel("wall time (s)")
        ax_t.set_title(f"{lock}: wall time (median, CI) vs {xlabel.split(' (')[0]}")
        ax_r.set_ylabel("lock switches per second (1/s)")
        ax_r.set_title(f"{lock}: holder changes per second vs {xlabel.split(' (')[0]}")
    return _save(fig, path)


def affinity_map(placements, path, max_rows=80):
    """Which CPU each worker ran on (circle: at start, cross: at end; a line when it
    migrated), one representative run per configuration. Red: the run was oversubscribed
    (more workers than allowed CPUs); orange: the worker shared its start CPU with another.

    ``placements``: tidy samples of the chosen runs with a ``config`` column.
    """
    if placements.empty or (placements["cpu_start"] < 0).all():
        return None
    data = placements.sort_values(["config_order", "rank", "thread"]).head(max_rows)
    data = data.assign(shared=data.duplicated(["run_key", "host", "cpu_start"], keep=False))
    n = len(data)
    fig, ax = plt.subplots(figsize=(8, 1.6 + 0.28 * n))
    y = np.arange(n)[::-1]
    colors = np.where(data["oversubscribed"].astype(int) == 1, "#c62828",
                      np.where(data["shared"], "#ef6c00", "#1565c0"))
    for yi, (_, w), c in zip(y, data.iterrows(), colors):
        if w["cpu_end"] != w["cpu_start"] and w["cpu_end"] >= 0:
            ax.plot([w["cpu_start"], w["cpu_end"]], [yi, yi], color=c, linewidth=1, alpha=0.6)
    ax.scatter(data["cpu_start"], y, marker="o", s=40, facecolors="none", edgecolors=colors, label="CPU at start")
    ax.scatter(data["cpu_end"], y, marker="x", s=40, c=colors, label="CPU at end")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{c}  r{int(r)}.t{int(t)}" for c, r, t in zip(data["config"], data["rank"], data["thread"])],
                       fontsize="small")
    cpus = sorted(set(data["cpu_start"]) | set(data["cpu_end"]) - {-1})
    ax.set_xticks(cpus)
    ax.set_xlim(min(cpus) - 0.5, max(cpus) + 0.5)
    ax.set_xlabel("CPU id (sched_getcpu)")
    ax.set_ylabel("configuration, worker (rank.thread)")
    shown = "" if len(placements) <= max_rows else f" (first {max_rows} of {len(placements)} workers)"
    ax.set_title(f"Affinity map: CPU per worker{shown}\nred = oversubscribed run, orange = shared CPU")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize="small", loc="upper right")
    return _save(fig, path)


def lock_timeline(events, title, interval_s, path):
    """Who holds the lock when: one lane per (rank, thread) with running (holding), waiting
    and dropping (forced-switch wait) spans, drop requests as ticks, the switch interval as a
    scale bar. ``events``: one run's trace (rank, thread, t_s, event)."""
    if events.empty:
        return None
    start, end = trace.display_window(events)
    spans = trace.intervals(events)
    spans = spans[(spans["end_s"] >= start) & (spans["start_s"] <= end)]
    lanes = sorted({(int(r), int(t)) for r, t in zip(events["rank"], events["thread"])})
    fig, ax = plt.subplots(figsize=(11, 1.4 + 0.55 * len(lanes)))
    to_ms = 1e3
    for i, lane in enumerate(lanes):
        mine = spans[(spans["rank"] == lane[0]) & (spans["thread"] == lane[1])]
        for state in trace.STATES:
            s = mine[mine["state"] == state]
            ax.broken_barh(list(zip((s["start_s"] - start) * to_ms, (s["end_s"] - s["start_s"]) * to_ms)),
                           (i - 0.35, 0.7), facecolors=_STATE_COLORS[state],
                           label=state if i == 0 else None)
        req = events[(events["rank"] == lane[0]) & (events["thread"] == lane[1]) & (events["event"] == "drop_request")]
        req = req[(req["t_s"] >= start) & (req["t_s"] <= end)]
        ax.plot((req["t_s"] - start) * to_ms, np.full(len(req), i + 0.42), "kv", markersize=4,
                label="drop request" if i == 0 else None)
    for state in trace.STATES:          # legend entries even for states absent from lane 0
        if state not in ax.get_legend_handles_labels()[1]:
            ax.broken_barh([], (0, 0), facecolors=_STATE_COLORS[state], label=state)
    if interval_s and interval_s > 0:
        x0 = 0.02 * (end - start) * to_ms
        ax.plot([x0, x0 + interval_s * to_ms], [len(lanes) - 0.3] * 2, color="black", linewidth=3)
        ax.annotate(f"switch interval {configs.human_seconds(interval_s)}", (x0, len(lanes) - 0.2), fontsize="small")
        for k in np.arange(0, (end - start) / interval_s + 1):
            ax.axvline(k * interval_s * to_ms, color="grey", linewidth=0.5, alpha=0.4)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([f"rank {r} thread {t}" for r, t in lanes])
    ax.set_ylim(-0.7, len(lanes) + 0.2)
    ax.set_xlim(0, (end - start) * to_ms)
    ax.set_xlabel(f"time since {start * to_ms:.3g} ms after the run start (ms)")
    ax.set_title(f"Lock timeline: {title}")
    ax.legend(fontsize="small", loc="upper right", ncol=4)
    return _save(fig, path)


def latency_cdf(events, path):
    """CDF of the probe's event-to-lock latency per configuration (policy × interval ×
    background threads), log time axis. ``events``: latency events with a ``config`` column."""
    if events.empty:
        return None
    fig, ax = plt.subplots(figsize=(8.5, 5))
    for cfg, g in events.groupby("config", sort=False):
        lat = np.sort(g["latency_s"].to_numpy(float) * 1e3)
        lat = lat[lat > 0]
        if lat.size:
            ax.step(lat, np.arange(1, lat.size + 1) / lat.size, where="post", label=f"{cfg} (n={lat.size})")
    ax.set_xscale("log")
    ax.set_xlabel("latency from event sent to lock held (ms, log scale)")
    ax.set_ylabel("fraction of events ≤ latency")
    ax.set_title("Latency probe: CDF per policy × interval × background threads")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)
