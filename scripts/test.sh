#!/usr/bin/env bash
# The README's second command: install, lint (clang-format check, pyflakes), build and run the
# sanitizer presets (ASan+UBSan over the unit tests, ThreadSanitizer over the lock tests), the
# parallel-HDF5 flavour (unit, MPI, smoke), then the whole test suite (ctest: unit, MPI, smoke, lock, analysis, install, jobs, Slurm).
# Ends with ctest's summary.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
rc=0
# preset NAME TITLE: run a workflow preset to its log; on failure show the log's tail and the
# tests' own failure lines (they print "FAIL: why"), so that a CI log's tail says why
preset() {
  echo "== $2 =="
  local log=/tmp/gilbench-$1.log
  if ! cmake --workflow --preset "$1" >"$log" 2>&1; then
    rc=1; tail -n 40 "$log"; grep -h -E "^FAIL|Failure$|Expected|Which is" "$log" | head -n 30
  fi
  tail -n 3 "$log"
}
echo "== lint (clang-format, pyflakes) =="
bash scripts/lint.sh || rc=1
preset asan "ASan + UBSan preset (unit tests)"
preset tsan "ThreadSanitizer preset (lock tests)"
preset phdf5 "parallel HDF5 flavour (unit, MPI and smoke tests)"
[ $rc -eq 0 ] || echo "!! a preset above FAILED (see its log tail); the run will exit non-zero"
# The python-kernel smoke tests are registered only where their CPython exists (tests/CMakeLists.txt).
left=()
[ -e /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0 ] || left+=("smoke.python_kernel smoke.python_stop (no Debian libpython3.11)")
proot=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for v in 2.7 3.12 3.13; do
  tests="smoke.python_$v, smoke.python_stop_$v"
  [ $v = 2.7 ] || tests+=", smoke.python_$v.subinterpreters, python_$v.rendezvous.*"
  compgen -G "$proot/versions/$v.*/lib/libpython$v.so" >/dev/null || left+=("$tests (no $proot/versions/$v.*/lib/libpython$v.so)")
done
[ ${#left[@]} -eq 0 ] || echo "python kernel tests left out: ${left[*]}"
echo "== release: the whole suite =="
cmake --preset release -DGILBENCH_SLURM_TESTS=ON >/dev/null && cmake --build --preset release || exit 1
ctest --preset release
trc=$?
exit $(( trc != 0 || rc != 0 ))
