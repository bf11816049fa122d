"""Report, plots and the lock-event trace on synthetic files (locks, trace, latency, weak)."""

import base64
import math
import os
import re

import pandas as pd
import pytest

from conftest import assert_png, run_cli
from gilbench_analysis import metrics, report, tables, trace
from gilbench_analysis.load import load
from synth import Builder

INTERVAL = 0.005


def _cycles(run_id, n=6):
    """Two threads under the gil: each waits one interval, asks, the holder drops (forced) and
    re-requests 0.1 ms later. Returns trace rows."""
    ev, t, holder = [], 0.0, 0
    ev += [dict(run_id=run_id, thread=0, t_s=0.0, event=0), dict(run_id=run_id, thread=0, t_s=0.0001, event=1),
           dict(run_id=run_id, thread=1, t_s=0.0002, event=0)]
    t = 0.0002
    for _ in range(n):
        waiter = 1 - holder
        t += INTERVAL
        ev += [dict(run_id=run_id, thread=waiter, t_s=t, event=2),
               dict(run_id=run_id, thread=holder, t_s=t + 0.0001, event=3),
               dict(run_id=run_id, thread=waiter, t_s=t + 0.0002, event=1),
               dict(run_id=run_id, thread=holder, t_s=t + 0.0003, event=0)]
        t += 0.0003
        holder = waiter
    return ev


def _events_frame(rows):
    names = ["request", "acquire", "drop_request", "release"]
    return pd.DataFrame([{**r, "rank": 0, "event": names[r["event"]]} for r in rows])


def test_trace_intervals_by_hand():
    spans = trace.intervals(_events_frame(_cycles(0, n=2)))
    t0 = spans[spans["thread"] == 0].reset_index(drop=True)
    # thread 0: running 0.0001 → 0.0053 (forced release), dropping → 0.0055 (re-request),
    # waiting → 0.0104 + 0.0002 = 0.0106 (acquire), running to the end of the window
    assert list(t0["state"]) == ["waiting", "running", "dropping", "waiting", "running"]
    assert t0.loc[1, "start_s"] == pytest.approx(0.0001) and t0.loc[1, "end_s"] == pytest.approx(0.0053)
    assert t0.loc[2, "end_s"] - t0.loc[2, "start_s"] == pytest.approx(0.0002)
    t1 = spans[spans["thread"] == 1].reset_index(drop=True)
    assert t1.loc[0, "state"] == "waiting"
    assert t1.loc[0, "end_s"] - t1.loc[0, "start_s"] == pytest.approx(INTERVAL + 0.0002)


def test_probe_thread_is_its_own_lane():
    rows = _cycles(0, n=2) + [dict(run_id=0, thread=2, t_s=0.003, event=0), dict(run_id=0, thread=2, t_s=0.004, event=1),
                              dict(run_id=0, thread=2, t_s=0.0041, event=3)]
    ev = _events_frame(rows)
    ev["role"] = ["probe" if t == 2 else "worker" for t in ev["thread"]]
    assert trace.lanes(ev) == [((0, 0), "rank 0 thread 0"), ((0, 1), "rank 0 thread 1"),
                               ((0, 2), "rank 0 latency probe")]
    probe = trace.intervals(ev)
    assert list(probe.loc[probe["thread"] == 2, "state"]) == ["waiting", "running"]
    assert trace.lanes(ev.drop(columns="role"))[2][1] == "rank 0 thread 2"  # schema < 5: no role


def test_unforced_release_is_idle_not_dropping():
    ev = _events_frame([dict(run_id=0, thread=0, t_s=0.0, event=0), dict(run_id=0, thread=0, t_s=0.1, event=1),
                        dict(run_id=0, thread=0, t_s=0.2, event=3)])
    spans = trace.intervals(ev, window_end=0.5)
    assert list(spans["state"]) == ["waiting", "running"]


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    """Version 3: unlocked and gil threads at two intervals, legacy, 2 interpreters, a trace, latency."""
    d = tmp_path_factory.mktemp("rich")
    b = Builder(3)
    b.add(1, 1, [1.0, 1.02, 0.98, 1.0])
    b.add(1, 2, [0.52, 0.5, 0.51, 0.5])
    b.add(1, 1, [1.0, 1.01, 0.99, 1.0], lock="gil")
    first_gil_pair = len(b.runs)
    b.add(1, 2, [1.04, 1.05, 1.03, 1.04], lock="gil",
          worker=lambda t, r, th: dict(acquisitions=120, switches=100, forced_drops=100, hold_s=t / 2, wait_s=t / 2))
    b.add(1, 2, [1.06, 1.07, 1.05, 1.06], lock="gil", interval=0.001,
          worker=lambda t, r, th: dict(acquisitions=500, switches=480, forced_drops=480, hold_s=t / 2, wait_s=t / 2))
    b.add(1, 2, [1.5, 1.6, 1.4, 1.5], lock="legacy-gil",
          worker=lambda t, r, th: dict(acquisitions=10**6, switches=50, checks=10**6, hold_s=t / 2, wait_s=t / 2))
    b.add(1, 2, [0.53, 0.52, 0.54, 0.53], lock="gil", interpreters=2,
          worker=lambda t, r, th: dict(acquisitions=1, hold_s=t))
    b.add(2, 1, [0.51, 0.52, 0.5, 0.51])
    b.add(1, 1, [1.0, 1.01, 0.99, 1.0], lock="gil", interval=0.001)      # the baselines of 1ms and legacy
    b.add(1, 1, [1.0, 1.01, 0.99, 1.0], lock="legacy-gil")
    b.trace = _cycles(first_gil_pair)
    lat_runs = [r["run_id"] for r in b.runs if r["lock"] == "gil" and r["threads"] == 2]
    b.latency = [dict(run_id=rid, rank=0, event=i, sent_s=0.01 * i, latency_s=0.0005 * (1 + (i * 7 + rid) % 20),
                      wake_s=0.0001, queue_s=0.0004) for rid in lat_runs for i in range(50)]
    path = b.write(d / "rich.h5")
    out = d / "report"
    code, stdout, stderr = run_cli("report", path, "-o", out)
    assert code == 0, stderr
    return dict(path=str(path), out=str(out), stdout=stdout, ds=load([str(path)], progress=False))


EXPECTED_PNGS = ("time_vs_workers.png", "speedup.png", "efficiency.png", "lock_policies.png",
                 "affinity.png", "lock_timeline_1.png", "latency_cdf.png")


def test_every_plot_is_a_real_png(rich):
    for name in EXPECTED_PNGS:
        assert_png(os.path.join(rich["out"], name))
    made = [f for f in os.listdir(rich["out"]) if f.endswith(".png")]
    assert sorted(made) == sorted(EXPECTED_PNGS)


def test_report_mentions_every_configuration(rich):
    table = metrics.config_table(rich["ds"])
    md = open(os.path.join(rich["out"], "report.md"), encoding="utf-8").read()
    html = open(os.path.join(rich["out"], "report.html"), encoding="utf-8").read()
    assert len(table) == 10
    for cfg in table["config"]:
        assert f"| {cfg} |" in md, cfg
        assert f"<td>{cfg}</td>" in html, cfg
    assert "1x2 gil/2i 5ms" in set(table["config"])


def test_html_is_self_contained(rich):
    html = open(os.path.join(rich["out"], "report.html"), encoding="utf-8").read()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(EXPECTED_PNGS)
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert not re.search(r'src="(?!data:)', html)           # no external references
    md = open(os.path.join(rich["out"], "report.md"), encoding="utf-8").read()
    for name in EXPECTED_PNGS:
        assert f"]({name})" in md


def test_latency_table_by_hand(rich):
    lat = metrics.latency_table(rich["ds"])
    r = lat[lat["config"] == "1x2 gil 5ms"].iloc[0]
    # the 1×2 gil 5ms runs are the 4th configuration's: run ids 12..15
    values = sorted(0.0005 * (1 + (i * 7 + rid) % 20) for rid in range(12, 16) for i in range(50))
    assert r["events"] == 200
    assert r["mean_s"] == pytest.approx(sum(values) / 200)
    assert r["median_s"] == pytest.approx((values[99] + values[100]) / 2)
    assert r["median_queue_s"] == pytest.approx(0.0004)
    md = open(os.path.join(rich["out"], "report.md"), encoding="utf-8").read()
    assert "## Latency probe" in md and "| p99 |" in md


def test_reading_is_plain_language(rich):
    table = metrics.config_table(rich["ds"])
    text = " ".join(report.reading(table))
    assert text.startswith("Strong scaling, N = 1M iterations, time as a multiple of the sequential time: ")
    # 4 runs a side: below stats.MIN_N_RATIO the ratio has no interval, hence no verdict
    few = "(n too small for a 95% interval: needs 5 runs a side, n = 4, baseline 4)"
    assert f"threads without a lock (1×2): **0.51×** {few}" in text
    assert f"threads under the GIL (5ms) (1×2): **1.04×** {few}" in text
    assert f"threads under the GIL (1ms) (1×2): **1.06×** {few}" in text
    assert f"processes without a lock (2×1): **0.51×** {few}" in text
    assert f"threads under the GIL (5ms), 2 interpreters with a lock each (1×2): **0.53×** {few}" in text
    assert "faster" not in text and "slower" not in text
    assert "threads under the legacy GIL (100 ticks) (1×2): **1.50×**" in text
    md = open(os.path.join(rich["out"], "report.md"), encoding="utf-8").read()
    assert text.split(";")[0] in md


def test_caveats_name_what_limits_the_reading(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0, 2.0])
    b.add(2, 1, [0.5, 0.9], valid=0)
    ds = load([str(b.write(tmp_path / "few.h5"))], progress=False)
    notes = " ".join(report.caveats(metrics.config_table(ds), metrics.measured_runs(ds)))
    assert "Noisy" in notes and "n too small for a 95% interval of the median (it needs 6 valid repetitions): 1x1 none (n = 2)" in notes and "failed validation" in notes


def test_report_directory_not_writable(tmp_path):
    b = Builder()
    b.add(1, 1, [1.0])
    path = b.write(tmp_path / "x.h5")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_cli("report", path, "-o", blocker / "sub")
    assert code == 4 and str(blocker / "sub") in err and err.count("\n") == 1


def test_job_wide_lock_sees_drop_requests_of_other_ranks():
    rows = [dict(run_id=0, rank=0, thread=0, t_s=0.0, event=0), dict(run_id=0, rank=0, thread=0, t_s=0.001, event=1),
            dict(run_id=0, rank=1, thread=0, t_s=0.002, event=0), dict(run_id=0, rank=1, thread=0, t_s=0.007, event=2),
            dict(run_id=0, rank=0, thread=0, t_s=0.0071, event=3), dict(run_id=0, rank=1, thread=0, t_s=0.0072, event=1),
            dict(run_id=0, rank=0, thread=0, t_s=0.0075, event=0)]
    names = ["request", "acquire", "drop_request", "release"]
    ev = pd.DataFrame([{**r, "event": names[r["event"]], "interpreter": 0} for r in rows])
    per_rank = trace.intervals(ev.assign(lock_id=trace.lock_ids(ev, job_wide=False)))
    job = trace.intervals(ev.assign(lock_id=trace.lock_ids(ev, job_wide=True)))
    assert "dropping" not in set(per_rank["state"])       # rank 1's request is another lock's
    dropping = job[job["state"] == "dropping"]
    assert len(dropping) == 1 and dropping.iloc[0]["start_s"] == pytest.approx(0.0071)


@pytest.mark.parametrize("shape", ["sequential only", "no baseline"])
def test_degenerate_sets_still_report(tmp_path, shape):
    b = Builder()
    if shape == "sequential only":
        b.add(1, 1, [1.0, 1.1, 0.9])
    else:
        b.add(2, 1, [0.5, 0.55, 0.6])
    path = b.write(tmp_path / "d.h5")
    code, _, err = run_cli("report", path, "-o", tmp_path / "rep")
    assert code == 0, err
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert_png(tmp_path / "rep" / "time_vs_workers.png")
    if shape == "no baseline":
        assert "No 1×1 baseline with the same lock, parameters, probe and work for: 2x1 none" in md
        assert "speedups cannot be given" in md


def _probe_events(run_id, latencies, period=0.01):
    """One event per ``period``; acquired = sent + latency."""
    return [dict(run_id=run_id, rank=0, event=i, sent_s=period * i, woke_s=period * i, acquired_s=period * i + lat,
                 latency_s=lat, wake_s=0.0, queue_s=lat) for i, lat in enumerate(latencies)]


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    """1x1 gil with a probe: a warm-up, two measured runs and an invalid one, each with events."""
    d = tmp_path_factory.mktemp("probe")
    b = Builder(3)
    b.add(1, 1, [1.0, 1.0], lock="gil", probe=0.003, warmups=1)            # runs 0 (warm-up), 1, 2
    b.add(1, 1, [1.0], lock="gil", probe=0.003, valid=0)                   # run 3: invalid
    b.add(1, 2, [2.0, 2.0, 2.0], lock="gil", probe=0.003, interpreters=2)  # runs 4..6, no events
    # run 2: event 1 is sent (0.01 s) before event 0 is handled (0.015 s): backlogged
    b.latency = (_probe_events(0, [1.0, 1.0]) + _probe_events(1, [0.001, 0.002, 0.003])
                 + _probe_events(2, [0.015, 0.006, 0.001]) + _probe_events(3, [1.0]))
    path = b.write(d / "probe.h5")
    out = d / "report"
    code, _, err = run_cli("report", path, "-o", out)
    assert code == 0, err
    return dict(ds=load([str(path)], progress=False), out=out)


def test_latency_uses_measured_valid_runs_only(probed):
    lat = metrics.latency_table(probed["ds"])
    assert list(lat["config"]) == ["1x1 gil 5ms probe 3ms"]
    r = lat.iloc[0]
    values = [0.001, 0.002, 0.003, 0.015, 0.006, 0.001]
    assert r["events"] == 6 and r["runs"] == 2 and r["max_s"] == 0.015
    assert r["mean_s"] == pytest.approx(sum(values) / 6)
    assert r["median_s"] == pytest.approx(0.0025)
    assert math.isnan(r["p99_s"])                                        # 6 events: no p99 (needs 100)
    assert r["backlog_share"] == pytest.approx(1 / 6)


def test_latency_report_table_plot_and_backlog_caveat(probed):
    md = (probed["out"] / "report.md").read_text(encoding="utf-8")
    assert "| configuration | events | mean | median | p99 | max |" in md
    assert "| 1x1 gil 5ms probe 3ms | 6 | 4.667 ms | 2.5 ms | – | 15 ms |" in md
    assert "sent before the probe had handled the previous one" in md and "1x1 gil 5ms probe 3ms (17%)" in md
    assert "| 1x2 gil/2i 5ms probe 3ms |" in md
    assert "2 interpreters with a lock each, latency probe every 3ms (1×2)" in md
    assert_png(probed["out"] / "latency_cdf.png")


def test_percentages_never_use_exponent_notation():
    assert tables.percent(1.3, 2) == "130%"
    assert tables.percent(0.4) == "40%" and tables.percent(0.0123) == "1.23%"
    assert tables.percent(0.0999, 2) == "10%" and tables.percent(0.0, 2) == "0%"
    assert tables.percent(float("nan")) == tables.DASH


def test_single_worker_runs_get_no_timeline(tmp_path):
    b = Builder(3)
    b.add(1, 1, [1.0] * 3, lock="gil")
    b.trace = [dict(run_id=0, thread=0, t_s=0.0, event=0), dict(run_id=0, thread=0, t_s=0.0001, event=1),
               dict(run_id=0, thread=0, t_s=0.9, event=3)]
    path = b.write(tmp_path / "one.h5")
    code, _, err = run_cli("report", path, "-o", tmp_path / "rep")
    assert code == 0, err
    assert not [f for f in os.listdir(tmp_path / "rep") if f.startswith("lock_timeline")]
