#!/usr/bin/env bash
# Lint: clang-format (the top-level .clang-format) over every tracked C++ file and pyflakes over
# every tracked Python file under analysis/, tests/ and scripts/ (*.py and python3 scripts).
# Prints one summary line (-v: every finding before it). Exit codes: 0 clean, 1 findings,
# 2 a tool is missing (scripts/install-deps.sh installs both).
set -uo pipefail
cd "$(dirname "$0")/.."
verbose=0
[ "${1:-}" = "-v" ] && verbose=1
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
PYFLAKES=${PYFLAKES:-pyflakes3}
for tool in "$CLANG_FORMAT" "$PYFLAKES"; do
  command -v "$tool" >/dev/null || { echo "lint: $tool not found (run scripts/install-deps.sh)" >&2; exit 2; }
done

mapfile -t cxx < <(git ls-files -- '*.cpp' '*.hpp')
mapfile -t py < <(git ls-files -- analysis tests scripts | while read -r f; do
  case $f in
    *.py) echo "$f" ;;
    *) [ -f "$f" ] && head -n 1 "$f" | grep -q '^#!.*python3' && echo "$f" ;;
  esac
done)

# clang-format reports one "file:line:col: error: code should be clang-formatted" per change.
fmt_out=$("$CLANG_FORMAT" --dry-run -Werror "${cxx[@]}" 2>&1 >/dev/null)
fmt_findings=$(grep -c 'clang-format-violations' <<<"$fmt_out")
fmt_files=$(grep 'clang-format-violations' <<<"$fmt_out" | cut -d: -f1 | sort -u | grep -c .)
py_out=$("$PYFLAKES" "${py[@]}" 2>&1)
py_findings=$(grep -c . <<<"$py_out")

if [ $verbose = 1 ]; then
  grep 'clang-format-violations' <<<"$fmt_out"
  [ -n "$py_out" ] && echo "$py_out"
fi
summary="lint: clang-format: $fmt_files of ${#cxx[@]} C++ files to reformat ($fmt_findings places); pyflakes: $py_findings findings in ${#py[@]} Python files"
if [ "$fmt_findings" -eq 0 ] && [ "$py_findings" -eq 0 ]; then
  echo "$summary: clean"
  exit 0
fi
echo "$summary (details: scripts/lint.sh -v; fix C++ with clang-format -i FILE)"
exit 1
