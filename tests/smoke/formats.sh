#!/usr/bin/env bash
# --format csv|json: stdout holds only the summary; --help and --version answer.
source "$(dirname "$0")/common.sh"
"$GB" --count 2M --threads 1,2 --repeat 2 --format csv --output "$W/f.h5" >"$W/csv" 2>"$W/err" || fail "csv run"
"$PY" -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); assert len(r)==2 and r[1]['threads']=='2' and float(r[1]['speedup'])>0, r" "$W/csv" \
  || fail "stdout is not the CSV summary: $(cat "$W/csv")"
grep -q '^VALID' "$W/err" || fail "VALID line should go to stderr with --format csv"
"$GB" --count 2M --lock none,gil --threads 2 --repeat 2 --format json --output "$W/f.h5" >"$W/json" 2>/dev/null || fail "json run"
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); c=d['configurations']; assert len(c)==2 and c[1]['lock']=='gil', d" "$W/json" \
  || fail "stdout is not JSON: $(cat "$W/json")"
"$GB" --help >"$W/help" || fail "--help exit code"
for flag in --count --threads --repeat --warmup --output --format --lock --switch-interval --check-interval \
            --lock-scope --scaling --trace --version "EXIT CODES" "50M" "5ms"; do
  grep -q -- "$flag" "$W/help" || fail "--help does not mention $flag"
done
"$GB" --version >"$W/ver" || fail "--version exit code"
grep -q "MPI" "$W/ver" && grep -q "HDF5" "$W/ver" && grep -q "OpenMP" "$W/ver" && grep -q "git" "$W/ver" || fail "$(cat "$W/ver")"
echo "formats ok"
