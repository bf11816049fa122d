#!/usr/bin/env bash
# The README's second command: install, lint (clang-format check, pyflakes), build and run the
# sanitizer presets (ASan+UBSan over the unit tests, ThreadSanitizer over the lock tests), the
# parallel-HDF5 flavour (unit, MPI, smoke), then the whole test suite (ctest: unit, MPI, smoke, lock, analysis, install, jobs, Slurm).
# Ends with ctest's summary.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
rc=0
echo "== lint (clang-format, pyflakes) =="
bash scripts/lint.sh || rc=1
echo "== ASan + UBSan preset (unit tests) =="
cmake --workflow --preset asan >/tmp/gilbench-asan.log 2>&1 || { rc=1; tail -n 40 /tmp/gilbench-asan.log; }
tail -n 3 /tmp/gilbench-asan.log
echo "== ThreadSanitizer preset (lock tests) =="
cmake --workflow --preset tsan >/tmp/gilbench-tsan.log 2>&1 || { rc=1; tail -n 40 /tmp/gilbench-tsan.log; }
tail -n 3 /tmp/gilbench-tsan.log
echo "== parallel HDF5 flavour (unit, MPI and smoke tests) =="
cmake --workflow --preset phdf5 >/tmp/gilbench-phdf5.log 2>&1 || { rc=1; tail -n 40 /tmp/gilbench-phdf5.log; }
tail -n 3 /tmp/gilbench-phdf5.log
[ $rc -eq 0 ] || echo "!! a preset above FAILED (see its log tail); the run will exit non-zero"
echo "== release: the whole suite =="
cmake --preset release >/dev/null && cmake --build --preset release || exit 1
ctest --preset release
trc=$?
exit $(( trc != 0 || rc != 0 ))
