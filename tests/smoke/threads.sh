#!/usr/bin/env bash
# 1 rank x {1,2} threads: VALID, 3 rounds x 2 configurations, every worker sampled.
source "$(dirname "$0")/common.sh"
"$GB" --count 20M --threads 1,2 --repeat 2 --warmup 1 --output "$W/t.h5" >"$W/out" 2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
grep -q '^VALID' "$W/out" || fail "no VALID line"
grep -q 'sequential' "$W/out" && grep -q 'threads' "$W/out" || fail "summary lacks modes: $(cat "$W/out")"
h5dump -H "$W/t.h5" >/dev/null || fail "h5dump cannot read the file"
h5check "$W/t.h5" \
  "f.attrs['schema_version'] >= 1" "f.attrs['producer'] in (b'gilbench', 'gilbench')" \
  "len(runs) == 6" "set(runs.threads) == {1, 2}" "runs.valid.all()" "(runs.ranks == 1).all()" \
  "runs.warmup.sum() == 2" "len(samples) == 9" "samples.groupby('run_id').iterations.sum().eq(20_000_000).all()" \
  "(samples.wall_s > 0).all()" "(samples.cpu_s > 0).all()" "(samples.n_allowed > 0).all()" \
  "(samples.host.str.len() > 0).all()" "runs.run_id.is_unique" "len(launches) == 1" \
  "launches.exit_status[0] == 'complete'" "'--threads' in launches.command_line[0]" \
  "len(launches.hdf5_version[0]) > 0 and len(launches.mpi_library[0]) > 0" \
  "(runs.wall_s == samples.groupby('run_id').wall_s.max().values).all()"
echo "threads smoke ok"
