#!/usr/bin/env bash
# Strong-scaling efficiency at 2 threads and 2 ranks, measured in one session (medians of
# repeats), and the cost of gathering and writing one round at 64 oversubscribed ranks x 4
# threads. Not a test: it measures. Run on an idle machine:
#   bash benchmarks/scaling.sh [path/to/gilbench]
set -euo pipefail
GB=${1:-${GILBENCH:-build/release/bin/gilbench}}
PY=/usr/bin/python3
W=$(mktemp -d /tmp/gilbench-bench-XXXXXX); trap 'rm -rf "$W"' EXIT
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
N=${N:-2G}; R=${R:-7}
echo "load average before: $(cut -d" " -f1-3 /proc/loadavg)"
OMP_PLACES=cores OMP_PROC_BIND=close "$GB" -q --count "$N" --threads 1,2 --repeat "$R" --output "$W/s.h5" >/dev/null
mpirun --oversubscribe -n 2 --bind-to core "$GB" -q --count "$N" --threads 1 --repeat "$R" --output "$W/s.h5" >/dev/null
mpirun --oversubscribe -n 64 --bind-to none "$GB" -q --count 256M --threads 4 --repeat 10 --warmup 0 --output "$W/g.h5" >/dev/null
"$PY" - "$W/s.h5" "$W/g.h5" "$(dirname "$0")/../analysis" <<'PY'
import sys, h5py, numpy as np, pandas as pd
sys.path.insert(0, sys.argv[3])
from gilbench_analysis import stats  # the report's interval rule (stats.ratio_ci)
r = pd.DataFrame(h5py.File(sys.argv[1], "r")["runs"][()]); r = r[r.warmup == 0].sort_values("round")
walls = lambda ranks, threads: r[(r.ranks == ranks) & (r.threads == threads)].wall_s.to_numpy()
t11 = walls(1, 1)
def efficiency(ranks, threads, paired):
    tp = walls(ranks, threads)
    ci = stats.ratio_ci([t11], [tp], paired=paired)  # of median(Tp) / median(T1)
    w = ranks * threads
    eff = float(np.median(t11)) / (w * float(np.median(tp)))
    interval = f"[{1 / (w * ci.hi):.2f}, {1 / (w * ci.lo):.2f}] 95 % CI ({ci.method})" if np.isfinite(ci.lo) else ci.method
    return f"{np.median(tp):.3f}s efficiency {eff:.3f} {interval}, n = {tp.size} and baseline {t11.size}"
print(f"sequential {np.median(t11):.3f}s | 2 threads {efficiency(1, 2, True)} | 2 ranks {efficiency(2, 1, False)}  (target >= 0.90)")
f = h5py.File(sys.argv[2], "r"); l = f["launches"][()][0]; n = int(l["rounds_written"])
runs = len(f["runs"]); samples = len(f["samples"])
print(f"64 ranks x 4 threads: {samples // runs} samples per run; per round: gather {l['gather_s'] / n * 1e3:.2f} ms, "
      f"write {l['write_s'] / max(n - 1, 1) * 1e3:.2f} ms (in-place append + undo journal + fsync, file {runs} runs)")
PY
