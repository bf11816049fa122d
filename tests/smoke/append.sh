#!/usr/bin/env bash
# Two launches into one file: appended, never overwritten; ids unique; provenance per launch.
source "$(dirname "$0")/common.sh"
"$GB" --count 2M --repeat 2 --output "$W/a.h5" >/dev/null 2>&1 || fail "first launch"
mpi 2 "$GB" --count 2M --threads 1,2 --repeat 1 --output "$W/a.h5" >/dev/null 2>&1 || fail "second launch"
h5check "$W/a.h5" "len(launches) == 2" "list(launches.launch_id) == [0, 1]" "runs.run_id.is_unique" \
  "len(runs) == 3 + 4" "set(runs[runs.launch_id == 1].ranks) == {2}" "set(samples.run_id) == set(runs.run_id)" \
  "(launches.exit_status == 'complete').all()"
echo "append ok"
