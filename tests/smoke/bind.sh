#!/usr/bin/env bash
# --bind: cores pins 2 threads to distinct CPUs (recorded in bound_cpu and runs.bind), none
# records -1, and auto leaves workers OpenMP's environment bound. Needs 2 allowed CPUs.
source "$(dirname "$0")/common.sh"
[ "$(nproc)" -ge 2 ] || { echo "bind smoke skipped: fewer than 2 CPUs"; exit 0; }
run() { env -u OMP_PLACES -u OMP_PROC_BIND -u GOMP_CPU_AFFINITY "$@"; }
run "$GB" --count 2M --threads 2 --repeat 2 --bind cores -q -o "$W/cores.h5" >/dev/null 2>"$W/err" || fail "cores: $(cat "$W/err")"
h5check "$W/cores.h5" "(samples.bound_cpu >= 0).all()" \
  "samples.groupby('run_id').bound_cpu.nunique().eq(2).all()" \
  "(samples.bound_cpu == samples.cpu_start).all()" "(runs.bind == 'cores').all()" "launches.bind[0] == 'cores'"
run "$GB" --count 2M --threads 2 --repeat 2 --bind none -q -o "$W/none.h5" >/dev/null 2>"$W/err" || fail "none: $(cat "$W/err")"
h5check "$W/none.h5" "(samples.bound_cpu == -1).all()" "(runs.bind == 'none').all()" "launches.bind[0] == 'none'"
run OMP_PROC_BIND=close OMP_PLACES=cores "$GB" --count 2M --threads 2 --repeat 2 -q -o "$W/omp.h5" >/dev/null 2>"$W/err" ||
  fail "OMP_PROC_BIND: $(cat "$W/err")"
h5check "$W/omp.h5" "(samples.bound_cpu == -1).all()" "(runs.bind == 'none').all()" "launches.bind[0] == 'auto'"
"$GB" --bind sometimes >/dev/null 2>"$W/err" && fail "--bind sometimes accepted"
grep -q -- '--bind' "$W/err" || fail "bad --bind message does not name the flag: $(cat "$W/err")"
"$GB" --help >"$W/help"; grep -q -- "--bind" "$W/help" || fail "--help does not document --bind"
# A configuration whose median run is under 100 ms is warned about, pointing at --count auto.
"$GB" --count 1M --threads 1 --repeat 2 -q -o "$W/short.h5" >/dev/null 2>"$W/err" || fail "short: $(cat "$W/err")"
grep -q 'under 100 ms.*--count auto' "$W/err" || fail "no too-short warning: $(cat "$W/err")"
echo "bind smoke ok"
