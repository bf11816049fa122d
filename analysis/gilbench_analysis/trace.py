"""Lock-event trace (/trace) → per-thread state intervals for the timeline plot.

Events (gil::EventKind): ``request`` (enters take), ``acquire`` (holds the lock),
``drop_request`` (a waiter asks the holder to let go), ``release``. A thread's states:

* ``waiting``  from ``request`` to ``acquire``;
* ``running``  from ``acquire`` to ``release`` (it holds the lock and counts down);
* ``dropping`` from a *forced* ``release`` — one that follows a ``drop_request`` made by
  another thread of the same lock since this thread's ``acquire`` — to its next ``request``:
  the forced-switch wait until another thread has taken the lock (plus any scheduling delay).

Unmatched starts run to the end of the recorded window.
"""

import pandas as pd

STATES = ("running", "waiting", "dropping")
_COLUMNS = ["rank", "thread", "state", "start_s", "end_s"]


def intervals(events, window_end=None):
    """State intervals of one run's trace. ``events``: columns rank, thread, t_s, event, and
    optionally ``lock_id`` (which lock a thread uses: rank and interpreter, or one for the
    whole job); without it there is one lock per rank."""
    if events.empty:
        return pd.DataFrame(columns=_COLUMNS)
    end = float(events["t_s"].max()) if window_end is None else float(window_end)
    by_lock = "lock_id" if "lock_id" in events.columns else "rank"
    rows = []
    for _, lock_events in events.groupby(by_lock, sort=True):
        requests = lock_events.loc[lock_events["event"] == "drop_request", ["t_s", "rank", "thread"]]
        for (rank, thread), ev in lock_events.groupby(["rank", "thread"], sort=True):
            rows.extend(_thread_intervals(int(rank), int(thread), ev.sort_values("t_s", kind="stable"),
                                          requests, end))
    return pd.DataFrame(rows, columns=_COLUMNS)


def _thread_intervals(rank, thread, ev, drop_requests, end):
    rows, state, since, acquired = [], None, 0.0, None
    mine = (drop_requests["rank"] == rank) & (drop_requests["thread"] == thread)
    others = drop_requests.loc[~mine, "t_s"].to_numpy()

    def close(t):
        if state is not None and t > since:
            rows.append((rank, thread, state, since, t))

    for t, kind in zip(ev["t_s"].to_numpy(float), ev["event"]):
        if kind == "request":
            close(t)
            state, since = "waiting", t
        elif kind == "acquire":
            close(t)
            state, since, acquired = "running", t, t
        elif kind == "release":
            close(t)
            forced = acquired is not None and ((others > acquired) & (others <= t)).any()
            state, since = ("dropping" if forced else None), t
    close(end)
    return rows


def lock_ids(events, job_wide):
    """Which lock each event's thread uses: one per (rank, interpreter), or one for the job."""
    if job_wide:
        return pd.Series("job", index=events.index)
    return events["rank"].astype(str) + ":" + events["interpreter"].fillna(0).astype(int).astype(str)


def lanes(events):
    """The timeline's lanes of one run's events: ``[((rank, thread), label)]`` in rank, thread
    order; the latency-probe thread (``role`` probe, schema 5) is its own lane, after its rank's
    workers, labelled as the probe; with ``interpreter`` in ``events`` and more than one of
    them, worker labels name their interpreter."""
    roles = events["role"] if "role" in events.columns else pd.Series("worker", index=events.index)
    probe = {(int(r), int(t)) for r, t, o in zip(events["rank"], events["thread"], roles) if o == "probe"}
    interp = {}
    if "interpreter" in events.columns and events["interpreter"].fillna(0).nunique() > 1:
        interp = {(int(r), int(t)): int(i) for r, t, i in
                  zip(events["rank"], events["thread"], events["interpreter"].fillna(0))}
    out = []
    for lane in sorted({(int(r), int(t)) for r, t in zip(events["rank"], events["thread"])}):
        if lane in probe:
            out.append((lane, f"rank {lane[0]} latency probe"))
        else:
            out.append((lane, f"rank {lane[0]} thread {lane[1]}" +
                        (f" (interpreter {interp[lane]})" if lane in interp else "")))
    return out


def run_to_plot(trace, runs):
    """For each locked configuration that has trace events, the ``run_key`` of its first
    measured (non-warm-up), valid run with events (``{config label: run_key}``; ``runs`` has
    ``config`` labels). Configurations with several threads per rank come first: their lanes
    show contention."""
    traced = set(trace["run_key"].unique())
    chosen = {}
    runs = runs[(runs["warmup"].astype(int) == 0) & (runs["valid"].astype(int) == 1)]
    order = runs.assign(single=runs["threads"] == 1).sort_values(["single", "start_s"], kind="stable")
    for _, row in order.iterrows():
        if row["run_key"] in traced and row["config"] not in chosen and row["lock"] != "none":
            chosen[row["config"]] = row["run_key"]
    return chosen


def display_window(events, n_events=160):
    """``(start, end)`` of the first ``n_events`` events: enough for a few dozen slices."""
    t = events["t_s"].sort_values().to_numpy(float)
    return float(t[0]), float(t[min(len(t), n_events) - 1])
