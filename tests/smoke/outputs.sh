#!/usr/bin/env bash
# The standard descriptors: a summary that cannot be written (full disk, closed stdout, a reader
# that left) exits 7 with one line saying the results file is complete, and it is; a closed
# stdin or stderr changes nothing (closed ones are reopened on /dev/null before MPI_Init).
source "$(dirname "$0")/common.sh"
RUN=(--count 1M --lock none,gil --repeat 2 --warmup 1 -q)  # 2 configurations x 3 rounds = 6 runs, 1 thread
# complete FILE: every run of the launch is in FILE, which is closed, unlocked and marked complete
complete() {
  h5check "$1" "len(runs) == 6" "len(launches) == 1" "(launches.exit_status == 'complete').all()" "runs.valid.all()"
  [ ! -e "$1.lock" ] && [ ! -e "$1.journal" ] || fail "$1: lock or journal left behind"
}
# expect CODE NAME REDIRECTION: run with that redirection of the shell (eval), code and stderr kept
expect() {
  local want=$1 name=$2 redir=$3
  set +e; eval "\"\$GB\" \"\${RUN[@]}\" --output \"\$W/$name.h5\" $redir"; rc=$?; set -e
  [ "$rc" = "$want" ] || fail "$name ($redir) exited $rc, expected $want: $(cat "$W/err" 2>/dev/null)"
}
expect 7 full '>/dev/full 2>"$W/err"'
# (the 1M runs are short: the short-run warning comes first)
[ "$(grep -v '^gilbench: warning: ' "$W/err")" = "gilbench: cannot write the summary to standard output (No space left on device); the results in $W/full.h5 are complete" ] \
  || fail "full disk message: $(cat "$W/err")"
complete "$W/full.h5"
expect 7 json '--format json >/dev/full 2>"$W/err"'
grep -q "No space left on device" "$W/err" || fail "--format json to a full disk: $(cat "$W/err")"
expect 7 closed '>&- 2>"$W/err"'
# (the 1M runs are short: the short-run warning comes first)
[ "$(grep -v '^gilbench: warning: ' "$W/err")" = "gilbench: cannot write the summary to standard output (it was closed); the results in $W/closed.h5 are complete" ] \
  || fail "closed stdout message: $(cat "$W/err")"
complete "$W/closed.h5"
expect 0 noinput '0<&- >"$W/out" 2>"$W/err"'
grep -q "^VALID: 6 runs" "$W/out" || fail "closed stdin: no summary: $(cat "$W/out" "$W/err")"
[ -z "$(grep -v '^gilbench: warning: ' "$W/err")" ] || fail "closed stdin: stderr: $(cat "$W/err")"
complete "$W/noinput.h5"
expect 0 noerr '2>&- >"$W/out"'
grep -q "^VALID: 6 runs" "$W/out" || fail "closed stderr: no summary on stdout: $(cat "$W/out")"
complete "$W/noerr.h5"
expect 7 silent '2>&- >/dev/full'  # nothing to say the failure on: only the code
complete "$W/silent.h5"
# a reader that left before the summary (gilbench | head -1 on a long run): the write fails with
# EPIPE instead of killing gilbench by SIGPIPE mid-exit; a pipe with no reader makes it certain
"$PY" - "$GB" "$W/pipe.h5" "$W/err" "${RUN[@]}" <<'PY'
import os, subprocess, sys
gb, out, err, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
r, w = os.pipe()
os.close(r)  # no reader: every write to stdout fails with EPIPE (and SIGPIPE, reset to default)
with open(err, "w") as e:
    rc = subprocess.call([gb, *args, "--output", out], stdout=w, stderr=e)
sys.exit(0 if rc == 7 else f"a stdout with no reader: exit {rc}, expected 7 (negative: killed by a signal)")
PY
grep -q "(its reader exited: Broken pipe); the results in $W/pipe.h5 are complete" "$W/err" \
  || fail "broken pipe message: $(cat "$W/err")"
complete "$W/pipe.h5"
# --help, --version and --schema print only to stdout: a failure there is 7 too, not 0
for flag in --help --version --schema; do
  set +e; "$GB" $flag >/dev/full 2>"$W/err"; rc=$?; set -e
  [ "$rc" = 7 ] || fail "$flag >/dev/full exited $rc"
  # (the 1M runs are short: the short-run warning comes first)
[ "$(grep -v '^gilbench: warning: ' "$W/err")" = "gilbench: cannot write to standard output (No space left on device)" ] \
    || fail "$flag >/dev/full: $(cat "$W/err")"
  set +e; "$GB" $flag >&- 2>"$W/err"; rc=$?; set -e
  [ "$rc" = 7 ] || fail "$flag >&- exited $rc"
  set +e; "$GB" $flag >/dev/null 0<&- 2>&-; rc=$?; set -e
  [ "$rc" = 0 ] || fail "$flag with stdin and stderr closed exited $rc"
done
echo "outputs ok"
