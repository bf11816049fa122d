#!/usr/bin/env bash
# jobs/common.sh with a fake srun and gilbench on PATH: GILBENCH_SRUN_MPI (default from
# `srun --mpi=list`), and the binary order (repository build before PATH, as gb_report).
# Needs GILBENCH_SOURCE_DIR.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/repo/jobs" "$T/repo/build/release/bin" "$T/run"
cp "$GILBENCH_SOURCE_DIR/jobs/common.sh" "$T/repo/jobs/"
# fake srun: --mpi=list prints $FAKE_MPI_LIST; a step prints its arguments
cat >"$T/bin/srun" <<'S'
#!/bin/sh
[ "$1" = --mpi=list ] && { printf 'MPI plugin types are...\n%s\n' "$FAKE_MPI_LIST"; exit 0; }
echo "srun $*"
S
printf '#!/bin/sh\necho path-gilbench\n' >"$T/bin/gilbench"
printf '#!/bin/sh\necho repo-gilbench\n' >"$T/repo/build/release/bin/gilbench"
chmod +x "$T/bin/srun" "$T/bin/gilbench" "$T/repo/build/release/bin/gilbench"
step() { (cd "$T/run" && PATH="$T/bin:$PATH" bash -c '. "$1"/jobs/common.sh; gb_step 1 1 --repeat 1' _ "$T/repo" 2>/dev/null); }

out=$(env -u GILBENCH -u GILBENCH_SRUN_MPI FAKE_MPI_LIST=$'\tnone\n\tpmix\n\tpmi2' bash -c "$(declare -f step); T=$T; step")
[[ $out == *"srun --mpi=pmix "* ]] || fail "pmix listed: want srun --mpi=pmix, got: $out"
[[ $out == *"$T/repo/build/release/bin/gilbench"* ]] || fail "repository build not preferred over PATH: $out"
out=$(env -u GILBENCH -u GILBENCH_SRUN_MPI FAKE_MPI_LIST=$'\tnone\n\tcray_shasta' bash -c "$(declare -f step); T=$T; step")
[[ $out == *"--mpi="* ]] && fail "no pmix listed: want no --mpi option, got: $out"
[[ $out == "srun --ntasks=1"* ]] || fail "no pmix listed: got: $out"
out=$(env -u GILBENCH GILBENCH_SRUN_MPI=pmi2 FAKE_MPI_LIST=pmix bash -c "$(declare -f step); T=$T; step")
[[ $out == "srun --mpi=pmi2 "* ]] || fail "GILBENCH_SRUN_MPI=pmi2: got: $out"
out=$(env -u GILBENCH GILBENCH_SRUN_MPI=none FAKE_MPI_LIST=pmix bash -c "$(declare -f step); T=$T; step")
[[ $out == *"--mpi="* ]] && fail "GILBENCH_SRUN_MPI=none: want no --mpi, got: $out"
rm -rf "$T/repo/build"
out=$(env -u GILBENCH GILBENCH_SRUN_MPI=none bash -c "$(declare -f step); T=$T; step")
[[ $out == *"$T/bin/gilbench"* ]] || fail "no repository build: want gilbench from PATH, got: $out"
# gb_pin_ticks: the first launch's measured legacy-gil mapping for every later launch
mk() { /usr/bin/python3 -c "
import h5py, numpy as np, sys
dt = np.dtype([('launch_id', '<i8'), ('tick_iterations', '<i8'), ('tick_source', h5py.string_dtype())])
h5py.File(sys.argv[1], 'w').create_dataset('launches', data=np.array([(0, int(sys.argv[2]), sys.argv[3])], dt))
" "$@"; }
pins() { (cd "$T/run" && bash -c '. "$1"/jobs/common.sh; GB_ARGS=("${@:3}"); gb_pin_ticks "$2" 2>/dev/null; echo "${GB_ARGS[*]}"' _ "$T/repo" "$@"); }
mk "$T/m.h5" 14 "measured 2.7" && mk "$T/o.h5" 7 "--tick-iterations override" && mk "$T/n.h5" 0 ""
[ "$(pins "$T/m.h5" --repeat 1)" = "--repeat 1 --tick-iterations 14" ] || fail "measured: $(pins "$T/m.h5" --repeat 1)"
[ "$(pins "$T/m.h5" --tick-iterations 9)" = "--tick-iterations 9" ] || fail "given: $(pins "$T/m.h5" --tick-iterations 9)"
[ "$(pins "$T/o.h5" --repeat 1)" = "--repeat 1" ] || fail "override: $(pins "$T/o.h5" --repeat 1)"
[ "$(pins "$T/n.h5" --repeat 1)" = "--repeat 1" ] || fail "no legacy-gil: $(pins "$T/n.h5" --repeat 1)"
echo "srun --mpi from GILBENCH_SRUN_MPI / srun --mpi=list; repository build before PATH; gb_pin_ticks"
