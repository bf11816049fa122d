"""Plots (matplotlib, Agg backend: no display needed). Each function draws one PNG with a
title, axis labels and units, and returns its path, or None when the data has nothing to show.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.lines  # noqa: E402
import matplotlib.patches  # noqa: E402
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


def _log_workers(workers):
    """Whether a workers axis is logarithmic (base 2): from 8 workers on."""
    return len(workers) > 0 and max(workers) >= 8


def _workers_axis(ax, workers):
    ticks = sorted(set(int(w) for w in workers))
    if _log_workers(ticks):
        ax.set_xscale("log", base=2)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("workers (MPI ranks × OpenMP threads)")


def _dodge(x, index, count, log, spread=0.3):
    """``x`` moved sideways for line ``index`` of ``count`` so that error bars drawn at the same
    x stay apart: by up to ±spread/2 of the gap between neighbouring ticks (1, or one factor of
    2 on a log axis), zero for a single line."""
    x = np.asarray(x, dtype=float)
    if count <= 1:
        return x
    step = spread / count * (index - (count - 1) / 2)
    return x * 2.0 ** step if log else x + step


def _legend_outside(ax, handles=None, labels=None, title=None):
    """A legend to the right of the axes, so that it never hides data."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, title=title, title_fontsize="small")


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
    """``{scaling: [(mode, legend, rows sorted by workers, policy index)]}``: one line per
    mode (threads, processes, hybrid) and policy; the 1×1 point of the same policy starts every
    line. Lines of one policy share its index (and so their colour)."""
    out = {}
    varying = configs.varying_keys(table)
    for scaling, by_scaling in table.groupby("scaling", sort=True):
        lines = []
        for index, (_, g) in enumerate(by_scaling.groupby(_SERIES_KEYS, sort=False)):
            seq = g[g["mode"] == "sequential"]
            modes = [m for m in configs.MODES[1:] if (g["mode"] == m).any()] or ["sequential"]
            for m in modes:
                rows = g[g["mode"].isin(["sequential", m])] if m != "sequential" else seq
                legend = f"{m}: {_series_name(g.iloc[0], varying)}"
                lines.append((m, legend, rows.sort_values("workers"), index))
        out[scaling] = lines
    return out


def _workers_figure(table, path, column, lo, hi, title, ylabel, ideal=None):
    """One panel per scaling kind: ``column`` against workers, error bars from ``lo``/``hi``;
    ``ylabel`` is a string or ``{scaling: label}``."""
    series = scaling_series(table[table[column].notna()])
    if not series:
        return None
    fig, axes = plt.subplots(1, len(series), figsize=(9.2 * len(series), 4.6), squeeze=False)
    for ax, (scaling, lines) in zip(axes[0], series.items()):
        workers = [int(w) for _, _, rows, _ in lines for w in rows["workers"]]
        log = _log_workers(workers)
        for i, (m, legend, rows, policy_index) in enumerate(lines):
            y = rows[column].to_numpy(float)
            yerr = _yerr(y, rows[lo], rows[hi]) if lo else None
            x = _dodge(rows["workers"], i, len(lines), log) if lo else rows["workers"].to_numpy(float)
            ax.errorbar(x, y, yerr=yerr, marker=_MARKERS[m], linestyle=_LINES[m], color=f"C{policy_index % 10}",
                        capsize=3, label=legend)
        if ideal == "linear":
            w = np.array(sorted(set(workers)), dtype=float)
            ax.plot(w, w, color="grey", linestyle="-.", linewidth=1, label="ideal (linear)")
        elif ideal == "one":
            ax.axhline(1.0, color="grey", linestyle="-.", linewidth=1, label="ideal")
        _workers_axis(ax, workers)
        ax.set_ylabel(ylabel[scaling] if isinstance(ylabel, dict) else ylabel)
        ax.set_title(f"{title} — {scaling} scaling")
        ax.grid(True, alpha=0.3)
        _legend_outside(ax, title="mode: lock policy")
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
    same workers are dashed reference lines. One colour per workers × interpreters × probe
    (the same in both panels of a row); points are moved sideways a little so that CI bars at
    the same parameter stay apart; the legend is right of the row."""
    rows = [a for a in _POLICY_AXES if (table["lock"] == a[0]).any()]
    if not rows:
        return None
    fig, axes = plt.subplots(len(rows), 2, figsize=(14, 4.4 * len(rows)), squeeze=False)
    group_keys = ["scaling", "work", "ranks", "threads", "interpreters", "probe_period_s", "lock_scope"]
    for (lock, col, xlabel, factor), (ax_t, ax_r) in zip(rows, axes):
        sub = table[table["lock"] == lock]
        groups = list(sub.groupby(group_keys, sort=True))
        ticks = sorted(set(sub[col].astype(float) * factor))
        log = len(ticks) > 1
        for i, (key, g) in enumerate(groups):
            g = g.sort_values(col)
            color = f"C{i % 10}"
            first = g.iloc[0]
            name = f"{int(first['ranks'])}×{int(first['threads'])}"
            if int(first["interpreters"]) > 1:
                name += f", {int(first['interpreters'])} interpreters"
            if float(first["probe_period_s"]) > 0:
                name += f", probe {configs.human_seconds(float(first['probe_period_s']))}"
            if first["lock_scope"] == "job":
                name += ", job-wide"
            if sub["work"].nunique() > 1:
                name += f", N={configs.human_count(int(first['work']))}"
            x = g[col].to_numpy(float) * factor
            x_t = _dodge(x, i, len(groups), log=True)       # by a factor: ±0.15 of an octave at most
            ax_t.errorbar(x_t, g["median_s"], yerr=_yerr(g["median_s"], g["ci_lo_s"], g["ci_hi_s"]),
                          marker="o", capsize=3, color=color, label=f"{lock} {name}")
            ax_r.plot(x, g["switches_per_s"], marker="o", color=color, label=f"{lock} {name}")
            free = table[(table["lock"] == "none") & np.logical_and.reduce(
                [table[k] == v for k, v in zip(group_keys[:-1], key[:-1])])]
            if len(free) and free["median_s"].notna().any():
                ax_t.axhline(float(free["median_s"].iloc[0]), color=color, linestyle="--",
                             linewidth=1, label=f"none {name}")
        for ax in (ax_t, ax_r):
            if log:
                ax.set_xscale("log")
            ax.set_xticks(ticks)
            ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_xlabel(xlabel)
            ax.grid(True, alpha=0.3)
        if not log:                      # one value: some room either side of it
            ax_t.set_xlim(ticks[0] * 0.7, ticks[0] * 1.3)
            ax_r.set_xlim(ticks[0] * 0.7, ticks[0] * 1.3)
        ax_t.set_ylabel("wall time (s)")
        ax_t.set_title(f"{lock}: wall time (median, CI) vs {xlabel.split(' (')[0]}")
        ax_r.set_ylabel("lock holder changes per second (1/s)")
        ax_r.set_title(f"{lock}: holder changes per second vs {xlabel.split(' (')[0]}")
        _legend_outside(ax_r, *ax_t.get_legend_handles_labels(), title="workers (dashed: no lock)")
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


#: At most this many switch-interval grid lines in a timeline (more would grey it out).
_MAX_INTERVAL_LINES = 40


def lock_timeline(events, title, interval_s, path, forced=True, interpreters=1):
    """Who holds the lock when: one lane per (rank, thread), the latency probe's included, with running (holding), waiting
    and dropping (forced-switch wait) spans, drop requests as ticks, the switch interval as a
    scale bar (and grid, when it is not too dense). ``events``: one run's trace (rank, thread,
    t_s, event, and ``interpreter`` for lane names when ``interpreters`` > 1); ``forced``: the
    policy has forced drops (gil), so their legend entries are shown."""
    if events.empty:
        return None
    start, end = trace.display_window(events)
    spans = trace.intervals(events)
    spans = spans[(spans["end_s"] >= start) & (spans["start_s"] <= end)]
    named = trace.lanes(events if interpreters > 1 else events.drop(columns="interpreter", errors="ignore"))
    lanes = [lane for lane, _ in named]
    states = trace.STATES if forced else tuple(st for st in trace.STATES if st != "dropping")
    fig, ax = plt.subplots(figsize=(11, 1.4 + 0.55 * len(lanes)))
    to_ms = 1e3
    for i, lane in enumerate(lanes):
        mine = spans[(spans["rank"] == lane[0]) & (spans["thread"] == lane[1])]
        for state in trace.STATES:
            s = mine[mine["state"] == state]
            ax.broken_barh(list(zip(s["start_s"] * to_ms, (s["end_s"] - s["start_s"]) * to_ms)),
                           (i - 0.35, 0.7), facecolors=_STATE_COLORS[state])
        req = events[(events["rank"] == lane[0]) & (events["thread"] == lane[1]) & (events["event"] == "drop_request")]
        req = req[(req["t_s"] >= start) & (req["t_s"] <= end)]
        ax.plot(req["t_s"] * to_ms, np.full(len(req), i + 0.42), "kv", markersize=4)
    handles = [matplotlib.patches.Patch(color=_STATE_COLORS[st], label=st) for st in states]
    if forced:
        handles.append(matplotlib.lines.Line2D([], [], color="black", marker="v", linestyle="none",
                                               markersize=5, label="drop request"))
    if interval_s and interval_s > 0:
        x0 = (start + 0.02 * (end - start)) * to_ms
        ax.plot([x0, x0 + interval_s * to_ms], [len(lanes) - 0.3] * 2, color="black", linewidth=3)
        ax.annotate(f"switch interval {configs.human_seconds(interval_s)}", (x0, len(lanes) - 0.2), fontsize="small")
        first, last = np.ceil(start / interval_s), np.floor(end / interval_s)
        if last - first + 1 <= _MAX_INTERVAL_LINES:
            for k in np.arange(first, last + 1):
                ax.axvline(k * interval_s * to_ms, color="grey", linewidth=0.5, alpha=0.4)
    ax.set_yticks(range(len(lanes)))
    ax.set_yticklabels([label for _, label in named])
    ax.set_ylim(-0.7, len(lanes) + 0.2)
    ax.set_xlim(start * to_ms, end * to_ms)
    ax.set_xlabel("time since the run start (ms)")
    ax.set_title(f"Lock timeline: {title}")
    _legend_outside(ax, handles, [h.get_label() for h in handles])
    return _save(fig, path)


def latency_cdf(events, path):
    """The probe's event-to-lock latency per configuration (policy × interval × workers ×
    interpreters × probe period): above, its CDF; below, on the same log time axis, a box plot
    (box = quartiles with the median, whiskers = 1st to 99th percentile, ◆ = mean, dots = the
    events beyond). Dotted vertical lines mark the switch intervals of the gil
    configurations. ``events``: latency events with ``config``, ``lock``, ``switch_interval_s``."""
    groups = [(cfg, np.sort(g["latency_s"].to_numpy(float) * 1e3)) for cfg, g in events.groupby("config", sort=False)]
    groups = [(cfg, lat[lat > 0]) for cfg, lat in groups]
    groups = [(cfg, lat) for cfg, lat in groups if lat.size]
    if not groups:
        return None
    n = len(groups)
    fig, (ax_c, ax_b) = plt.subplots(2, 1, sharex=True, figsize=(11, 5.2 + 0.45 * n),
                                     gridspec_kw={"height_ratios": [4.2, 1.0 + 0.45 * n]})
    for i, (cfg, lat) in enumerate(groups):
        ax_c.step(lat, np.arange(1, lat.size + 1) / lat.size, where="post", color=f"C{i % 10}",
                  label=f"{cfg} (n={lat.size})")
    y = np.arange(n)[::-1]
    box = ax_b.boxplot([lat for _, lat in groups], positions=y, vert=False, whis=(1, 99), widths=0.6,
                       showmeans=True, patch_artist=True, manage_ticks=False,
                       meanprops=dict(marker="D", markerfacecolor="black", markeredgecolor="black", markersize=4),
                       medianprops=dict(color="black"), flierprops=dict(marker=".", markersize=3, alpha=0.5))
    for i, patch in enumerate(box["boxes"]):
        patch.set_facecolor(f"C{i % 10}")
        patch.set_alpha(0.6)
    ax_b.set_yticks(y)
    ax_b.set_yticklabels([cfg for cfg, _ in groups], fontsize="small")
    ax_b.set_ylim(-0.6, n - 0.4)
    gil = events[events["lock"] == "gil"] if "lock" in events.columns else events.iloc[:0]
    for k, interval in enumerate(sorted(set(gil["switch_interval_s"].astype(float)) - {0.0})):
        for ax in (ax_c, ax_b):
            ax.axvline(interval * 1e3, color="grey", linestyle=":", linewidth=1.2,
                       label=f"switch interval {configs.human_seconds(interval)}" if ax is ax_c else None)
    ax_c.set_xscale("log")
    ax_c.set_ylabel("fraction of events ≤ latency")
    ax_c.set_ylim(0, 1.02)
    ax_c.set_title("Latency probe: time from an event to the probe thread holding the lock")
    ax_c.grid(True, which="both", alpha=0.3)
    _legend_outside(ax_c, title="configuration (events)")
    ax_b.set_xlabel("latency from event sent to lock held (ms, log scale)")
    ax_b.set_title("box: quartiles and median, whiskers: 1st–99th percentile, ◆ mean", fontsize="small")
    ax_b.grid(True, axis="x", which="both", alpha=0.3)
    ax_b.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    return _save(fig, path)


def real_vs_emulated(pair_list, path):
    """Emulation vs real (pairing.pairs): each paired configuration's real time ratio (x) against
    its emulated one (y), both Tp / T₁ against their own kernel's 1×1, with their intervals as
    error bars; the diagonal is a perfect match, the band ±0.10 around it. None without a pair
    that has both ratios."""
    both = [p for p in pair_list if p["emulated_ratio"] is not None and p["real_ratio"] is not None]
    if not both:
        return None
    nan = float("nan")
    x = np.array([p["real_ratio"] for p in both])
    y = np.array([p["emulated_ratio"] for p in both])
    xerr = _yerr(x, [nan if p["real_lo"] is None else p["real_lo"] for p in both],
                 [nan if p["real_hi"] is None else p["real_hi"] for p in both])
    yerr = _yerr(y, [nan if p["emulated_lo"] is None else p["emulated_lo"] for p in both],
                 [nan if p["emulated_hi"] is None else p["emulated_hi"] for p in both])
    fig, ax = plt.subplots(figsize=(8.5, 6))
    top = float(np.nanmax(np.concatenate([x + xerr[1], y + yerr[1]]))) * 1.08
    bottom = min(0.0, float(np.nanmin(np.concatenate([x - xerr[0], y - yerr[0]]))))
    line = np.array([bottom, top])
    ax.plot(line, line, color="grey", linewidth=1, label="emulated = real")
    ax.fill_between(line, line - 0.10, line + 0.10, color="grey", alpha=0.15, label="±0.10")
    for i, p in enumerate(both):
        ax.errorbar(x[i], y[i], xerr=xerr[:, i:i + 1], yerr=yerr[:, i:i + 1], fmt="o", color=f"C{i % 10}",
                    capsize=3, label=f"{p['emulated']} ↔ {p['real']}")
    ax.set_xlim(bottom, top)
    ax.set_ylim(bottom, top)
    ax.set_xlabel("real: python kernel's time / its 1×1 (CPython's own GIL)")
    ax.set_ylabel("emulated: native kernel's time / its 1×1")
    ax.set_title("Real vs emulated: time ratios of paired configurations (95% intervals)")
    ax.grid(True, alpha=0.3)
    _legend_outside(ax, title="emulated ↔ real")
    return _save(fig, path)
