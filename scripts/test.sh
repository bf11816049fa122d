#!/usr/bin/env bash
# The README's second command: install, build, run the whole test suite (ctest: unit, MPI, smoke,
# lock, analysis, install, Slurm), then the sanitizer presets (ASan+UBSan over the unit tests,
# ThreadSanitizer over the lock tests). Ends with ctest's summary.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || exit 1
rc=0
echo "== ASan + UBSan preset (unit tests) =="
cmake --workflow --preset asan >/tmp/gilbench-asan.log 2>&1 || { rc=1; tail -n 40 /tmp/gilbench-asan.log; }
tail -n 3 /tmp/gilbench-asan.log
echo "== ThreadSanitizer preset (lock tests) =="
cmake --workflow --preset tsan >/tmp/gilbench-tsan.log 2>&1 || { rc=1; tail -n 40 /tmp/gilbench-tsan.log; }
tail -n 3 /tmp/gilbench-tsan.log
[ $rc -eq 0 ] || echo "!! sanitizer presets FAILED (see above); the run will exit non-zero"
echo "== release: the whole suite =="
cmake --preset release >/dev/null && cmake --build --preset release || exit 1
ctest --preset release
trc=$?
exit $(( trc != 0 || rc != 0 ))
