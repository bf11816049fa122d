"""``history``: per configuration, the median wall time and its CI over launch time (one
point per launch), the provenance changes between consecutive launches, and a change-point
flag where two consecutive launches differ significantly by compare's own test
(compare.verdict: two-sided Mann–Whitney U on the repetitions, 'insufficient data' below
4 repetitions a side at alpha = 0.05). Markdown + one PNG per configuration, like ``report``."""

import os

import numpy as np
import pandas as pd

from . import compare, configs, metrics, stats, tables, ticks
from .document import Document, output_dir

#: Provenance columns of /launches (schema.json) whose change between consecutive launches is
#: marked: what changes the machine or the build under a benchmark.
PROVENANCE = {"compiler": "compiler", "mpi_library": "MPI library", "mpi_version": "MPI version",
              "os": "OS kernel", "cpu_model": "CPU model", "governor": "governor",
              "git_revision": "gilbench revision", "hosts": "hosts"}


def _launch_order(ds):
    """Launches in time order (start_unix, then file and id), one row each."""
    la = ds.launches.copy()
    t = pd.to_numeric(la["start_unix"], errors="coerce") if "start_unix" in la.columns else pd.Series(np.nan, la.index)
    if "start_time" in la.columns:
        parsed = pd.to_datetime(la["start_time"], errors="coerce", utc=True)
        fallback = (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        t = t.where(t > 0, fallback)
    la["when_s"] = t.fillna(0.0)
    return la.sort_values(["when_s", "file", "launch_id"], kind="stable").reset_index(drop=True)


def changes(previous, current):
    """The provenance fields that differ between two launches: ['compiler: a → b', ...]."""
    out = []
    for col, name in PROVENANCE.items():
        if col in previous and col in current and str(previous[col]) != str(current[col]):
            out.append(f"{name}: {previous[col]} → {current[col]}")
    return out


def history(ds, alpha=0.05, level=0.95):
    """One row per (configuration, launch) in time order: median, its CI, n, the provenance
    changes since the configuration's previous launch and the change-point verdict
    (``shift``: compare's verdict against that previous launch, ``change_point``: significant)."""
    order = _launch_order(ds)
    runs = metrics.measured_runs(ds)
    runs = runs[metrics.measurement(runs)]
    rank = {k: i for i, k in enumerate(order["launch_key"])}
    records = []
    for key_id, (key, group) in enumerate(runs.groupby(list(configs.KEYS), sort=False)):
        prev = None
        label = group["config"].iloc[0]          # measured_runs' unique label (count, probe… when they vary)
        for lk in sorted(group["launch_key"].unique(), key=rank.get):
            t = group.loc[group["launch_key"] == lk, "wall_s"].to_numpy(float)
            launch = order.loc[rank[lk]]
            lo, hi, _ = stats.median_ci(t, level=level)
            row = dict(zip(configs.KEYS, key))
            row.update(config=label, key_id=key_id, launch_key=lk, file=launch["file"],
                       launch_id=int(launch["launch_id"]), when_s=float(launch["when_s"]), n=t.size,
                       median_s=stats.median(t), ci_lo_s=lo, ci_hi_s=hi, changes="", shift="", change_point=False)
            if prev is not None:
                row["changes"] = "; ".join(changes(prev[0], launch))
                verdict, _, p = compare.verdict(prev[1], t, alpha)
                row.update(shift=verdict, p=p, change_point=verdict in (compare.SLOWER, compare.FASTER))
            records.append(row)
            prev = (launch, t)
    return pd.DataFrame(records)


def _plot(part, path, level):
    from . import plots   # matplotlib's Agg backend, set once there
    plt = plots.plt
    when = pd.to_datetime(part["when_s"], unit="s")
    fig, ax = plt.subplots(figsize=(8, 4.2))
    y = part["median_s"].to_numpy(float)
    ax.errorbar(when, y, yerr=plots._yerr(y, part["ci_lo_s"], part["ci_hi_s"]), fmt="o-", capsize=3,
                label=f"median, {level:.0%} CI")
    cp = part[part["change_point"]]
    if len(cp):
        ax.plot(pd.to_datetime(cp["when_s"], unit="s"), cp["median_s"], "o", ms=13, mfc="none", mec="#c62828",
                mew=2, label="change point (significant shift)")
    for (_, row), t in zip(part.iterrows(), when):
        if row["changes"]:
            ax.axvline(t, color="#888", ls="--", lw=1)
            ax.annotate("\n".join(row["changes"].split("; ")), (t, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", va="top", fontsize=7, color="#555")
    ax.set_title(f"{part['config'].iloc[0]}: median wall time per launch")
    ax.set_xlabel("launch start time (UTC)")
    ax.set_ylabel("wall time (s)")
    ax.legend(loc="lower right", fontsize=8)
    fig.autofmt_xdate()
    return plots._save(fig, path)


def _slug(text):
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def write_history(ds, outdir, alpha=0.05, level=0.95):
    """history.md + one PNG per configuration in ``outdir``; returns the files written."""
    output_dir(outdir, "history")
    frame = history(ds, alpha=alpha, level=level)
    doc = Document("gilbench history")
    doc.paragraph(f"{len(ds.files)} file(s), {len(ds.launches)} launch(es). One point per launch: the median "
                  f"wall time of its valid measured repetitions with its {level:.0%} order-statistic CI. A "
                  "dashed line marks a provenance change since the previous launch; a change point is a "
                  f"significant shift from the previous launch (Mann–Whitney U, alpha = {alpha:g}, the test "
                  "of `compare`; fewer than 4 repetitions a side: insufficient data).")
    if tick := ticks.warning(ticks.mappings(ds)):
        doc.paragraph("**Warning:** " + tick[0].upper() + tick[1:] + " A legacy-gil configuration whose mapping "
                      "changed is a separate series below (its label names the tick).")
    written = []
    for i, (_, part) in enumerate(frame.groupby("key_id", sort=False) if len(frame) else []):
        cfg = part["config"].iloc[0]
        png = os.path.join(outdir, f"history_{i:02d}_{_slug(cfg)}.png")
        written.append(_plot(part, png, level))
        doc.heading(cfg)
        doc.table(pd.DataFrame({
            "launch": [f"{os.path.basename(f)}:{i}" for f, i in zip(part["file"], part["launch_id"])],
            "start (UTC)": pd.to_datetime(part["when_s"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S"),
            "n": part["n"], "median": part["median_s"].map(tables.seconds),
            "CI": [tables.interval(a, b) for a, b in zip(part["ci_lo_s"], part["ci_hi_s"])],
            "shift": part["shift"].replace("", "-"),
            "change point": np.where(part["change_point"], "**yes**", ""),
            "provenance changes": part["changes"].replace("", "-")}))
        doc.image(png, f"{cfg}: median per launch over time")
    path = os.path.join(outdir, "history.md")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(doc.markdown(outdir))
    frame.to_csv(os.path.join(outdir, "history.csv"), index=False)
    return written + [path, os.path.join(outdir, "history.csv")]
