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
"$PY" - "$W/s.h5" "$W/g.h5" <<'PY'
import sys, h5py, numpy as np, pandas as pd
r = pd.DataFrame(h5py.File(sys.argv[1], "r")["runs"][()]); r = r[r.warmup == 0]
med = lambda ranks, threads: float(np.median(r[(r.ranks == ranks) & (r.threads == threads)].wall_s))
t11, t12, t21 = med(1, 1), med(1, 2), med(2, 1)
print(f"sequential {t11:.3f}s | 2 threads {t12:.3f}s efficiency {t11 / (2 * t12):.3f} | 2 ranks {t21:.3f}s efficiency {t11 / (2 * t21):.3f}  (target >= 0.90)")
f = h5py.File(sys.argv[2], "r"); l = f["launches"][()][0]; n = int(l["rounds_written"])
runs = len(f["runs"]); samples = len(f["samples"])
print(f"64 ranks x 4 threads: {samples // runs} samples per run; per round: gather {l['gather_s'] / n * 1e3:.2f} ms, "
      f"write {l['write_s'] / max(n - 1, 1) * 1e3:.2f} ms (in-place append + undo journal + fsync, file {runs} runs)")
PY
