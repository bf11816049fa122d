#!/usr/bin/env bash
# The job-scope lock against rank scope, measured in one session (issue 15 items 4 and 5). Not a
# test: it measures. Run on an idle machine (it prints the load average before and after):
#   bash benchmarks/job_lock.sh [path/to/gilbench]
# gil: mean slice (Σ hold_s / acquisitions) and hand-off ((wall − Σ hold_s) / switches) at
#   --switch-interval 1ms and 5ms: rank scope 1 rank × 2 threads, job scope 2 ranks × 1 thread
#   under mpirun's default binding (--bind-to core) on the shared-memory path (--job-lock shm)
#   and the message path (--job-lock messages).
# legacy-gil: 1 rank × 2 threads, rank scope vs job scope (both paths): time ratio (wall /
#   wall of lock none, 1 thread, interleaved in the same launch) and switch rate; and 2 ranks ×
#   1 thread at --check-interval 10, 100, 1000 (the convoy: 10 slower than 100 slower than
#   1000), walls relative to C = 1000 of the same launch.
set -euo pipefail
GB=${1:-${GILBENCH:-build/release/bin/gilbench}}
PY=/usr/bin/python3
W=$(mktemp -d /tmp/gilbench-bench-XXXXXX); trap 'rm -rf "$W"' EXIT
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
N=${N:-1G}; R=${R:-3}; NL=${NL:-256M}
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg)"
q=(-q --repeat "$R" --warmup 1)
# gil slices and hand-offs
"$GB" "${q[@]}" --count "$N" --threads 2 --lock gil --switch-interval 1ms,5ms --output "$W/gil.h5" >/dev/null
for path in shm messages; do
  mpirun -n 2 "$GB" "${q[@]}" --count "$N" --threads 1 --lock gil --lock-scope job --job-lock "$path" \
    --switch-interval 1ms,5ms --output "$W/gil.h5" >/dev/null
done
# legacy-gil: 1 rank × 2 threads, each launch with its baseline (lock none, 1 thread)
"$GB" "${q[@]}" --count "$NL" --threads 1,2 --lock none,legacy-gil --output "$W/legacy.h5" >/dev/null
for path in shm messages; do
  "$GB" "${q[@]}" --count "$NL" --threads 1,2 --lock none,legacy-gil --lock-scope job --job-lock "$path" \
    --output "$W/legacy.h5" >/dev/null
  mpirun -n 2 "$GB" "${q[@]}" --count "$NL" --threads 1 --lock legacy-gil --lock-scope job --job-lock "$path" \
    --check-interval 10,100,1000 --output "$W/legacy.h5" >/dev/null
done
"$PY" - "$W/gil.h5" "$W/legacy.h5" <<'PY'
import sys, h5py, numpy as np, pandas as pd
def load(path):
    with h5py.File(path, "r") as f:
        runs = pd.DataFrame(f["runs"][()]); samples = pd.DataFrame(f["samples"][()])
    for c in runs.columns:
        if runs[c].dtype == object: runs[c] = runs[c].str.decode("utf-8")
    runs = runs[runs.warmup == 0]
    agg = samples.groupby("run_id")[["hold_s", "acquisitions", "switches", "handoffs", "checks"]].sum()
    return runs.join(agg, on="run_id")
def where(r):
    return "rank" if r.lock_scope == "rank" else f"job {r.lock_transport}"
g = load(sys.argv[1])
print("gil: mean slice and hand-off (medians over repeats)")
for (scope, transport, si), d in g.groupby(["lock_scope", "lock_transport", "switch_interval_s"]):
    slice_ms = np.median(d.hold_s / d.acquisitions) * 1e3
    hand_us = np.median((d.wall_s - d.hold_s) / d.switches.clip(lower=1)) * 1e6
    name = "rank 1x2" if scope == "rank" else f"job {transport} 2x1"
    print(f"  {name:<20} {si * 1e3:4.0f} ms  slice {slice_ms:7.3f} ms  hand-off {hand_us:8.1f} us  "
          f"wall {np.median(d.wall_s):.3f} s  n = {len(d)}")
l = load(sys.argv[2])
print("legacy-gil, 1 rank x 2 threads (time ratio: wall / wall of lock none, 1 thread, same launch)")
for launch, d in l[l.ranks == 1].groupby("launch_id"):
    base = np.median(d[(d.lock == "none") & (d.threads == 1)].wall_s)
    x = d[(d.lock == "legacy-gil") & (d.threads == 2)]
    scope = x.lock_scope.iloc[0]
    name = "rank" if scope == "rank" else "job " + x.lock_transport.iloc[0]
    print(f"  {name:<13} C={x.check_interval.iloc[0]:<5} time ratio {np.median(x.wall_s) / base:5.2f}  "
          f"switches/s {np.median(x.switches / x.wall_s):7.0f}  hand-offs/check "
          f"{np.median(x.handoffs / x.checks.clip(lower=1)):.4f}  (baseline {base:.3f} s)")
print("legacy-gil, 2 ranks x 1 thread, job scope (wall relative to C = 1000, same launch)")
for launch, d in l[l.ranks == 2].groupby("launch_id"):
    ref = np.median(d[d.check_interval == 1000].wall_s)
    for ci, x in d.groupby("check_interval"):
        print(f"  job {x.lock_transport.iloc[0]:<9} C={ci:<5} wall {np.median(x.wall_s):.3f} s  x{np.median(x.wall_s) / ref:5.2f}  "
              f"switches/s {np.median(x.switches / x.wall_s):7.0f}  hand-offs/check {np.median(x.handoffs / x.checks.clip(lower=1)):.4f}")
PY
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
