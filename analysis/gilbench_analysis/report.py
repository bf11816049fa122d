"""The report: plots, configuration / lock / latency tables and a plain-language reading,
written as report.md (images beside it) and a self-contained report.html."""

import os

import pandas as pd

from . import configs, metrics, pairing, plots, stats, tables, trace
from .document import Document, output_dir

#: Coefficient of variation above which a configuration is called noisy in the reading.
NOISY_CV = 0.10

_MODE_WORDS = {"threads": "threads", "processes": "processes", "hybrid": "ranks × threads"}


def _policy_words(row):
    lock = row["lock"]
    if lock == "none":
        text = "without a lock"
    elif lock == "gil":
        text = f"under the GIL ({configs.human_seconds(float(row['switch_interval_s']))})"
    elif lock == "cpython-nogil":
        text = "in CPython without its GIL (free-threaded)"
    elif lock == "cpython-gil" and int(row["check_interval"]) > 0:
        text = f"under CPython's own GIL ({int(row['check_interval'])} ticks)"
    elif lock == "cpython-gil":
        text = f"under CPython's own GIL ({configs.human_seconds(float(row['switch_interval_s']))})"
    else:
        text = f"under the legacy GIL ({int(row['check_interval'])} ticks)"
    if lock != "none" and row["lock_scope"] == "job":
        text += ", one lock for the whole job"
    if int(row["interpreters"]) > 1:
        text += f", {int(row['interpreters'])} interpreters with a lock each"
    if float(row.get("probe_period_s", 0.0)) > 0:
        text += f", latency probe every {configs.human_seconds(float(row['probe_period_s']))}"
    return text


def _verdict(row):
    """What the CI of the printed time ratio Tₚ / T₁ says: below 1 'faster', above 1 'slower',
    containing 1 'no difference detected (n = …)'; none without an interval (fewer than 2
    runs on a side, or fewer than stats.MIN_N_RATIO: 'n too small for a 95% interval'). The time ratio's CI is the speedup's, inverted (× p under weak scaling):
    the verdict is about the time printed beside it, never a throughput."""
    n = f"n = {int(row['n'])}, baseline {int(row['n_baseline'])}"
    if pd.isna(row["speedup_lo"]) or pd.isna(row["speedup_hi"]):
        why = row.get("speedup_ci") or "fewer than 2 runs"
        return f"{why}, {n}" if why.startswith("n too small") else f"no interval: {why}, {n}"
    k = row["workers"] if row["scaling"] == "weak" else 1
    t_lo, t_hi = k / row["speedup_hi"], k / row["speedup_lo"]
    if t_hi < 1:
        return "faster"
    if t_lo > 1:
        return "slower"
    return f"no difference detected ({n})"


def reading(table):
    """Plain-language lines, one per scaling kind and work size: for each mode and policy at
    its largest worker count, the median time as a multiple of the sequential (1×1) time
    ('threads under the GIL (5ms) (1×2): **1.04×**; processes without a lock (2×1): **0.52×**')."""
    lines = []
    usable = table[(table["mode"] != "sequential") & table["time_ratio"].notna()]
    for (scaling, work), ctx in usable.groupby(["scaling", "work"], sort=False):
        phrases = []
        for _, g in ctx.groupby(["mode", "lock", "lock_scope", "switch_interval_s", "check_interval",
                                 "tick_iterations", "interpreters", "probe_period_s"], sort=False):
            row = g.loc[g["workers"].idxmax()]
            phrases.append(f"{_MODE_WORDS[row['mode']]} {_policy_words(row)} "
                           f"({int(row['ranks'])}×{int(row['threads'])}): **{row['time_ratio']:.2f}×** "
                           f"({_verdict(row)})")
        n = configs.human_count(int(work))
        if scaling == "strong":
            head = f"Strong scaling, N = {n} iterations, time as a multiple of the sequential time: "
        else:
            head = (f"Weak scaling, N = {n} iterations per worker, time as a multiple of the sequential "
                    "time (p workers do p× the work): ")
        lines.append(head + "; ".join(phrases) + ".")
    if not lines:
        lines.append("No parallel configuration with a 1×1 baseline: speedups cannot be given. "
                     "Run with --threads 1,… (or add a 1-rank file; with --interpreters K > 1, a "
                     "--threads 1 --interpreters 1 launch with the same N) to get one.")
    return lines


#: Share of backlogged latency events above which the report warns.
BACKLOG_NOTE = 0.05


def caveats(table, runs, latency=None, level=0.95):
    """Sentences about what limits the reading: oversubscription, noise, few repetitions,
    invalid runs, interrupted runs, baselines taken from another launch, latency events that queued behind the
    probe's previous event (``latency``: the latency table)."""
    notes = []
    over = sorted(set(runs.loc[runs["oversubscribed"].astype(int) == 1, "config"]))
    if over:
        notes.append("Oversubscribed (more workers than allowed CPUs; times measure time-sharing, "
                     "not parallel speed): " + ", ".join(over) + ".")
    noisy = table[table["cv"] > NOISY_CV]
    if len(noisy):
        notes.append("Noisy (CV > 10 %): " + ", ".join(f"{c} ({tables.percent(v, 2)})"
                                                        for c, v in zip(noisy["config"], noisy["cv"])) + ".")
    few = table[(table["n"] > 0) & table["ci_lo_s"].isna()]
    if len(few):
        notes.append(f"n too small for a {level:.0%} interval of the median (it needs "
                     f"{stats.min_n_for_median_ci(level)} valid repetitions): "
                     + ", ".join(f"{c} (n = {int(n)})" for c, n in zip(few["config"], few["n"])) + ".")
    hier = table[table["ci_method"].map(stats.is_hierarchical) | table["speedup_ci"].map(stats.is_hierarchical)]
    if len(hier):
        notes.append("Runs from several launches (or files) are not independent: the intervals of "
                     + ", ".join(f"{c} (CI: {m if stats.is_hierarchical(m) else s})" for c, m, s in
                                 zip(hier["config"], hier["ci_method"], hier["speedup_ci"]))
                     + " resample launches first, then runs within (hierarchical bootstrap; with few "
                     "launches it covers less than its level: 84 % measured for 95 % with 4 launches).")
    bad = table[table["n_invalid"] > 0]
    if len(bad):
        notes.append("Runs that failed validation were left out: " + ", ".join(
            f"{c} ({n})" for c, n in zip(bad["config"], bad["n_invalid"])) + ".")
    cut = table[table["n_interrupted"] > 0] if "n_interrupted" in table else table.iloc[0:0]
    if len(cut):
        n = int(cut["n_interrupted"].sum())
        notes.append(f"{n} run{'' if n == 1 else 's'} interrupted (a signal's --stop-grace ran out; neither "
                     "measured nor invalid, left out): " + ", ".join(
                         f"{c} ({k})" for c, k in zip(cut["config"], cut["n_interrupted"])) + ".")
    shared = table[~table["baseline"].str.startswith("same launch") & (table["baseline"] != "")]
    if len(shared):
        notes.append("Speedups of " + ", ".join(f"{c} ({o})" for c, o in zip(shared["config"], shared["baseline"]))
                     + " use a 1×1 baseline from another launch of the file (not measured beside them).")
    rated = table[table["baseline"].map(metrics.by_rate) | table["baseline_none"].map(metrics.by_rate)]
    if len(rated):
        notes.append("Baseline compared by rate because N differs: "
                     + ", ".join(f"{c} at N {int(n)} (1×1 at {(o if metrics.by_rate(o) else p).split(' by rate ')[1][1:-1]})"
                                 for c, n, o, p in zip(rated["config"], rated["count"], rated["baseline"],
                                                       rated["baseline_none"]))
                     + ": no 1×1 run with their N in the file, so T₁ is the 1×1 time at its own N scaled to "
                       "theirs (iterations/s = N / wall time), and the speedup is the ratio of the rates.")
    none = table[table["baseline"] == ""]
    if len(none):
        notes.append("No 1×1 baseline with the same lock, parameters, probe and work for: "
                     + ", ".join(none["config"]) + ".")
    if latency is not None and not latency.empty:
        late = latency[latency["backlog_share"] > BACKLOG_NOTE]
        if len(late):
            notes.append("Latency probe events sent before the probe had handled the previous one (the "
                         "period is shorter than the latency; their latency and wake-up include the wait "
                         "for the probe itself): " + ", ".join(
                             f"{c} ({tables.percent(v, 2)})" for c, v in zip(late["config"], late["backlog_share"]))
                         + ". A longer --probe period measures the lock alone.")
    return notes


def _inputs_table(ds):
    rows = []
    for path in ds.files:
        launches = ds.launches[ds.launches["file"] == path]
        runs = ds.runs[ds.runs["file"] == path]
        first = launches.iloc[0] if len(launches) else {}
        rows.append({"file": os.path.basename(path), "schema": ds.versions[path],
                     "launches": len(launches), "runs": len(runs),
                     "gilbench": ", ".join(sorted(set(launches.get("gilbench_version", []))) or ["?"]),
                     "hosts": ", ".join(sorted(set(launches.get("hosts", [])))),
                     "CPU": first.get("cpu_model", "") if len(launches) else "",
                     "started": first.get("start_time", "") if len(launches) else ""})
    return pd.DataFrame(rows)


def _timelines(ds, runs, outdir, limit=6):
    """One lock timeline PNG per traced locked configuration with two or more workers (at
    most ``limit``; a lone thread's lane would only show it holding its lock)."""
    if ds.trace is None or ds.trace.empty:
        return []
    events = ds.trace.merge(ds.samples[["run_key", "rank", "thread", "interpreter"]],
                            on=["run_key", "rank", "thread"], how="left")
    out = []
    chosen = [(cfg, key) for cfg, key in trace.run_to_plot(ds.trace, runs).items()
              if int(runs.loc[runs["run_key"] == key, "workers"].iloc[0]) > 1]
    for i, (cfg, run_key) in enumerate(chosen[:limit], start=1):
        run = runs[runs["run_key"] == run_key].iloc[0]
        gil = run["lock"] == "gil"
        mine = events[events["run_key"] == run_key]
        mine = mine.assign(lock_id=trace.lock_ids(mine, run["lock_scope"] == "job"))
        path = plots.lock_timeline(mine, f"{cfg}, repetition {int(run['repetition'])}",
                                   float(run["switch_interval_s"]) if gil else 0.0,
                                   os.path.join(outdir, f"lock_timeline_{i}.png"), forced=gil,
                                   interpreters=int(run["interpreters"]))
        if path:
            what = "green running with the lock, yellow waiting" + (
                ", red forced-switch wait; ▼ drop requests" if gil else "")
            out.append((path, f"Lock timeline of {cfg} (one lane per thread: {what})"))
    return out


def make_plots(ds, table, runs, outdir, level=0.95):
    """Draw every plot the data allows; ``[(path, caption)]``."""
    made = []

    def add(path, caption):
        if path:
            made.append((path, caption))

    join = lambda name: os.path.join(outdir, name)  # noqa: E731
    add(plots.time_vs_workers(table, join("time_vs_workers.png"), level),
        f"Median wall time against workers per mode, {level:.0%} order-statistic CI of the median")
    add(plots.speedup_vs_ideal(table, join("speedup.png")), "Speedup against the 1×1 baseline, with the ideal")
    add(plots.efficiency(table, join("efficiency.png")), "Parallel efficiency (speedup / workers)")
    add(plots.lock_policies(table, join("lock_policies.png")),
        "Lock policies: wall time and switch rate against the policy's interval")
    order = {c: i for i, c in enumerate(table["config"])}
    chosen = metrics.representative_runs(runs)
    placements = ds.samples[ds.samples["run_key"].isin(set(chosen.values()))].merge(
        runs[["run_key", "config"]], on="run_key")
    placements = placements.assign(config_order=placements["config"].map(order))
    add(plots.affinity_map(placements, join("affinity.png")),
        "Affinity map: CPU of each worker at start and end (run closest to the median)")
    made += _timelines(ds, runs, outdir)
    add(plots.real_vs_emulated(pairing.pairs(table, metrics.latency_table(ds, runs=runs)), join("real_vs_emulated.png")),
        "Real vs emulated: each paired configuration's time ratio to its own kernel's 1×1, real (x) against "
        "emulated (y), 95% intervals; diagonal = perfect match")
    if ds.latency is not None and not ds.latency.empty:
        events = metrics.latency_events(ds, runs)
        events = events.sort_values("config", key=lambda c: c.map(order), kind="stable")
        add(plots.latency_cdf(events, join("latency_cdf.png")),
            "Latency probe: CDF and box plot of the time from an event to the probe holding the lock")
    return made


def write_report(ds, outdir, level=0.95, seed=stats.DEFAULT_SEED):
    """Write PNGs, report.md, report.html and configurations.csv into ``outdir``; returns the
    list of files written."""
    output_dir(outdir, "report")
    runs = metrics.measured_runs(ds)
    table = metrics.config_table(ds, level=level, seed=seed, runs=runs)
    lat = metrics.latency_table(ds, runs=runs)
    images = make_plots(ds, table, runs, outdir, level)

    doc = Document("gilbench report")
    doc.heading("Reading")
    doc.bullets(reading(table))
    notes = caveats(table, runs, lat, level)
    if notes:
        doc.heading("Caveats", 3)
        doc.bullets(notes)
    doc.heading("Inputs")
    doc.paragraph(f"{len(ds.files)} file(s), {len(ds.launches)} launch(es), {len(ds.runs)} runs, "
                  f"{len(ds.samples)} worker samples." + (f" Skipped: {'; '.join(ds.skipped)}." if ds.skipped else ""))
    doc.table(_inputs_table(ds))
    for scaling, part in table.groupby("scaling", sort=True):
        doc.heading(f"Configurations — {scaling} scaling")
        doc.table(tables.configurations(part, level))
    if (table["lock"] != "none").any():
        doc.heading("Lock metrics")
        doc.table(tables.lock_metrics(table))
    if not lat.empty:
        doc.heading("Latency probe")
        doc.table(tables.latency(lat))
    paired = pairing.pairs(table, lat)
    if paired:
        doc.heading("Emulated vs real")
        doc.paragraph("Each emulated configuration (native kernel, gil or legacy-gil) beside its real counterpart "
                      "(python kernel, CPython's own GIL) with the same ranks × threads × interpreters and "
                      "interval: time / its own kernel's 1×1 with its interval, difference = emulated − real.")
        doc.table(pairing.table(paired, tables.seconds))
    doc.heading("Plots")
    for path, caption in images:
        doc.image(path, caption)
    doc.heading("How to read the numbers")
    doc.bullets(_definitions(level))

    written = [p for p, _ in images]
    for name, text in (("report.md", doc.markdown(outdir)), ("report.html", doc.html())):
        path = os.path.join(outdir, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        written.append(path)
    csv_path = os.path.join(outdir, "configurations.csv")
    table.to_csv(csv_path, index=False)
    return written + [csv_path]


def _definitions(level):
    return [
        f"median: of the measured (non-warm-up, valid) repetitions; CI: the order-statistic interval "
        f"[x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] of the median with coverage ≥ {level:.0%} whatever the distribution (the coverage "
        f"it reaches is printed beside it; it needs n ≥ {stats.min_n_for_median_ci(level)}); speedup CI: "
        f"percentile bootstrap ({stats.N_BOOT} resamples, fixed seed) of the ratio of medians, rounds "
        f"resampled in pairs when the baseline ran in the same launch; none below {stats.MIN_N_RATIO} runs a side "
        f"('{stats.too_small(level)}': below that the bootstrap covers 75–92 % for 95 %); runs from several "
        "launches or files: launches resampled first, then runs within (hierarchical, said beside the "
        "interval), for the median too; the baseline's own speedup is exactly 1; CV: standard deviation / "
        "mean (n − 1), none below 2 runs.",
        "outliers: repetitions more than 3 robust standard deviations (1.4826 × MAD, or 1.2533 × the mean "
        "absolute deviation when MAD = 0) from the median, among 5 or more; flagged, never dropped.",
        "speedup: T₁ / Tₚ, T₁ the median of the valid 1×1 runs with the same lock, lock parameters, probe "
        "period and work (so threads under the GIL are compared with one thread under the GIL); vs none: the "
        "same against the 1×1 runs without a lock (what the lock costs). The baseline runs come from the "
        "configuration's own launch when it has them ('same launch'), else from the file's other launches "
        "('launch 3', 'launches 0,2'); weak scaling: p · T₁ / Tₚ. efficiency: speedup / workers. "
        "Karp–Flatt: (1/S − 1/p) / (1 − 1/p), strong scaling only.",
        "imbalance: max / mean of the workers' wall times in a run (median over runs).",
        "switches/s: lock holder changes per second; mean slice: hold time per acquisition; forced drops: "
        "share of acquisitions ended by a drop request (these and the wait share: totals pooled over the "
        "valid runs, Σ / Σ, as gilbench's summary); Jain fairness: (Σh)² / (n Σh²) over the hold times "
        "of the threads sharing a lock (1 = fair), averaged over the shared locks (– when no lock is shared: "
        "one thread per rank or interpreter); wait share: Σ wait / Σ wall over the workers; busy cores: "
        "CPU time of the run (workers and latency probe) / wall.",
        "interpreters: K emulated interpreters per rank, each with its own lock; thread t uses interpreter "
        "t mod K. probe P: a latency probe thread woke every P during the run (it takes the lock too).",
        "latency probe: latency = event sent → probe thread holds the lock; wake-up = sent → the probe "
        "returned from its blocking read; queueing = woke → holds the lock. Mean, median, p99 (linear "
        "interpolation) and max over every event of the measured, valid runs.",
    ]
