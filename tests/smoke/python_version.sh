#!/usr/bin/env bash
# --kernel python with one pyenv CPython ($1: a python executable or libpython*.so): VALID sums
# on 1 and 2 threads, the version and its interval recorded; version-specific refusals.
source "$(dirname "$0")/common.sh"
P=${1:?usage: python_version.sh PYTHON}
"$GB" --kernel python --python "$P" --count 300k --threads 1,2 --repeat 1 --warmup 0 -o "$W/v.h5" >"$W/out" \
  2>"$W/err" || fail "rc=$?: $(cat "$W/err")"
grep -q '^VALID' "$W/out" || fail "no VALID: $(cat "$W/out")"
major=$("$PY" -c 'import h5py,sys; print(h5py.File(sys.argv[1])["launches"]["python_version"][0].decode()[0])' "$W/v.h5")
h5check "$W/v.h5" "runs.valid.all()" "samples.groupby('run_id').iterations.sum().tolist() == [300000, 300000]"
if [ "$major" = 2 ]; then
  h5check "$W/v.h5" "(runs.check_interval == 100).all()" "(runs.switch_interval_s == 0).all()"
  bad="--switch-interval 1ms"
else
  h5check "$W/v.h5" "abs(runs.switch_interval_s - 0.005).max() < 1e-12" "(runs.check_interval == 0).all()"
  bad="--check-interval 50"
fi
set +e; "$GB" --kernel python --python "$P" $bad --count 1000 -o "$W/x.h5" >/dev/null 2>"$W/err"; rc=$?; set -e
[ $rc = 2 ] && [ "$(wc -l <"$W/err")" = 1 ] && [ ! -e "$W/x.h5" ] || fail "'$bad' on $P: exit $rc: $(cat "$W/err")"
echo "python $P ok"
