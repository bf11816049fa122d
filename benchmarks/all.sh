#!/usr/bin/env bash
# Every row of README's performance table, in one run, with the date, the machine and the load:
# the commands the table names, one after another. Not a test: it measures. Run on an idle machine
# (~5 min; the store benchmark grows ~1.1 GB in $GILBENCH_BENCH_DIR or /tmp):
#   bash benchmarks/all.sh [BUILD_BIN_DIR]      (default build/release/bin)
set -euo pipefail
BIN=${1:-$(dirname "$0")/../build/release/bin}
here=$(dirname "$0")
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
echo "gilbench: $("$BIN/gilbench" --version | head -1)  commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
step() { echo; echo "== $* (load average $(cut -d' ' -f1-3 /proc/loadavg))"; }
step "$BIN/gilbench_bench_kernel"; "$BIN/gilbench_bench_kernel"
step "$BIN/gilbench_bench_lock";   "$BIN/gilbench_bench_lock"
step "bash benchmarks/startup.sh"; bash "$here/startup.sh" "$BIN/gilbench"
step "bash benchmarks/scaling.sh"; bash "$here/scaling.sh" "$BIN/gilbench"
step "$BIN/gilbench_bench_store";  "$BIN/gilbench_bench_store"
step "bash benchmarks/job_lock.sh"; bash "$here/job_lock.sh" "$BIN/gilbench"
echo; echo "done: $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
