#!/bin/sh
# End-to-end tests of the berth CLI on the process backend (host processes, no
# container runtime): usage errors, foreground up with --abort-on-container-exit
# and --exit-code-from, log prefixes, run --rm, up -d --wait, SIGTERM.
. "${BERTH_TEST_SRCDIR:-$(dirname "$0")/..}/tests/cli_lib.sh"
export BERTH_BACKEND=process
cd "$T" || exit 99
mkdir pids

# --- usage errors: exit 2 with the flag named, nothing done -------------------
expect_rc 2 "$BERTH" up --bogus
contains "$T/err" "up: unknown flag: --bogus"
contains "$T/err" "berth up --help"
expect_rc 2 "$BERTH" ps -Z
contains "$T/err" "ps: unknown flag: -Z"
expect_rc 2 "$BERTH" --bogus ps
expect_rc 2 "$BERTH" nosuchcommand
contains "$T/err" "unknown command 'nosuchcommand'"
expect_rc 2 "$BERTH" ps --format yaml
expect_rc 2 "$BERTH" up -t
contains "$T/err" "flag needs an argument"
expect_rc 2 "$BERTH" up -t ten
expect_rc 2 "$BERTH" up --scale web=x
expect_rc 2 "$BERTH" up --pull sometimes
expect_rc 2 "$BERTH" up -d --abort-on-container-exit
expect_rc 2 "$BERTH" up --build --no-build
expect_rc 2 "$BERTH" exec web
expect_rc 0 "$BERTH" exec --help
contains "$T/out" "-d, --detach"
expect_rc 2 "$BERTH" kill -s NOSUCHSIG
expect_rc 2 "$BERTH" port web
expect_rc 0 "$BERTH" up --help
contains "$T/out" "--abort-on-container-exit"
ok "usage errors exit 2"

# --- a project: a long-running server and a job that exits 3 -----------------
cat >compose.yaml <<'YAML'
name: clitest
services:
  srv:
    image: none
    command: ["sh", "-c", "echo srv listening; echo $$$$ > pids/srv; exec sleep 1000"]
    stop_grace_period: 1s
  job:
    image: none
    # waits for srv's line, so that the abort cannot stop srv before it printed it
    command: ["sh", "-c", "echo $$$$ > pids/job; until [ -s pids/srv ]; do sleep 0.05; done; echo job ran; exit 3"]
    depends_on: [srv]
YAML

expect_rc 3 "$BERTH" up --abort-on-container-exit
contains "$T/out" "srv-1  | srv listening"
contains "$T/out" "job-1  | job ran"
contains "$T/out" "job-1 exited with code 3"
contains "$T/out" "Aborting on container exit..."
lacks "$T/out" "$(printf '\033')"
contains "$T/err" "Container clitest-srv-1  Created"
dead pids/srv
dead pids/job
ok "up --abort-on-container-exit: job's exit code, prefixes without colour, nothing left"

rm -f pids/*
expect_rc 3 "$BERTH" up --exit-code-from job --no-log-prefix
grep -qx "job ran" "$T/out" || fail "--no-log-prefix: bare line expected"
dead pids/srv
ok "up --exit-code-from / --no-log-prefix"

expect_rc 2 "$BERTH" up --exit-code-from job -d
ok "--exit-code-from with -d is refused"

# --- abort watches attached containers only (docker compose) -----------------
cat >abort.yaml <<'YAML'
name: cliabort
services:
  init:
    image: none
    command: ["sh", "-c", "echo init done"]
  side:
    image: none
    command: ["sh", "-c", "echo side failed; exit 4"]
  srv:
    image: none
    command: ["sh", "-c", "echo srv up; echo $$$$ > pids/asrv; exec sleep 1000"]
    stop_grace_period: 1s
  app:
    image: none
    command: ["sh", "-c", "until [ -s pids/asrv ]; do sleep 0.05; done; echo app ran; exit 3"]
    depends_on:
      init: {condition: service_completed_successfully}
      srv: {condition: service_started}
YAML
# prints "Attaching to" before the first log line; "NAME exited with code N" before "Aborting"
before() {
    _a=$(grep -nF -- "$2" "$1" | head -n1 | cut -d: -f1)
    _b=$(grep -nF -- "$3" "$1" | head -n1 | cut -d: -f1)
    [ -n "$_a" ] && [ -n "$_b" ] && [ "$_a" -lt "$_b" ] || {
        cat "$1" >&2
        fail "'$2' not before '$3' in $1"
    }
}
rm -f pids/*
expect_rc 3 "$BERTH" -f abort.yaml up --abort-on-container-exit app
grep -qx "Attaching to app-1" "$T/out" || { cat "$T/out"; fail "Attaching to app-1 expected"; }
before "$T/out" "Attaching to" "app-1  | app ran"
before "$T/out" "app-1 exited with code 3" "Aborting on container exit..."
lacks "$T/out" "init-1"
dead pids/asrv
ok "up --abort-on-container-exit SVC: an unattached init job does not abort"

rm -f pids/*
expect_rc 3 "$BERTH" -f abort.yaml up --abort-on-container-failure --no-attach side
contains "$T/out" "Attaching to app-1, init-1, srv-1"
contains "$T/out" "init-1 exited with code 0"
lacks "$T/out" "side-1"
before "$T/out" "app-1 exited with code 3" "Aborting on container exit..."
dead pids/asrv
ok "up --abort-on-container-failure: exit 0 and an unattached failure do not abort"

rm -f pids/*
expect_rc 4 "$BERTH" -f abort.yaml up --abort-on-container-failure
before "$T/out" "side-1 exited with code 4" "Aborting on container exit..."
[ ! -s pids/asrv ] || dead pids/asrv
ok "up --abort-on-container-failure: the failing container's exit code"

rm -f pids/*
expect_rc 3 "$BERTH" -f abort.yaml up --exit-code-from app --attach srv
contains "$T/out" "Attaching to app-1, srv-1"
before "$T/out" "app-1 exited with code 3" "Aborting on container exit..."
dead pids/asrv
ok "up --exit-code-from SVC attaches and watches SVC"

# --- logs --until: the same forms as --since; a bad value names the flag ---------
expect_rc 1 "$BERTH" logs --until yesterday
contains "$T/err" "logs: invalid --until 'yesterday'"
contains "$T/err" "hint: use RFC 3339"
expect_rc 0 "$BERTH" logs --until 2013-01-02T13:23:37Z
expect_rc 0 "$BERTH" logs --until 42m
ok "logs --until takes RFC 3339 and durations, refuses the rest"

# --- run --rm: one-off container, its exit code, dependencies stopped after ---
rm -f pids/*
expect_rc 6 "$BERTH" run --rm -e GREETING=hello job sh -c 'echo "$GREETING from run"; exit 6'
contains "$T/out" "hello from run"
dead pids/srv
ok "run --rm passes the exit code through"

# --- up -d --wait: waits for health; fails on an unhealthy service -----------
cat >wait.yaml <<'YAML'
name: cliwait
services:
  ok:
    image: none
    command: ["sleep", "1000"]
    healthcheck: {test: ["CMD", "true"], interval: 1s}
  bad:
    image: none
    command: ["sleep", "1000"]
    healthcheck: {test: ["CMD", "false"], interval: 1s, retries: 2}
YAML
expect_rc 0 "$BERTH" -f wait.yaml up -d --wait ok
contains "$T/err" "Container cliwait-ok-1  Healthy"
contains "$T/err" "process backend runs services as children of berth"
expect_rc 1 "$BERTH" -f wait.yaml up -d --wait --wait-timeout 20
contains "$T/err" "container cliwait-bad-1 is unhealthy"
ok "up -d --wait: healthy passes, unhealthy fails with exit 1"

# --- SIGTERM: graceful stop, a service ignoring SIGTERM is killed after its grace
mkfifo ready
cat >term.yaml <<'YAML'
name: cliterm
services:
  stubborn:
    image: none
    command: ["sh", "-c", "trap '' TERM; echo $$$$ > pids/stubborn; echo up > ready; while :; do sleep 1; done"]
    stop_grace_period: 1s
  plain:
    image: none
    command: ["sh", "-c", "echo $$$$ > pids/plain; exec sleep 1000"]
YAML
rm -f pids/*
"$BERTH" -f term.yaml up >"$T/term.out" 2>"$T/term.err" &
bpid=$!
on_exit "kill -9 $bpid 2>/dev/null"
await_fifo ready
# plain starts alongside stubborn: the SIGTERM goes out once both pids are written
for _ in $(seq 300); do [ -s pids/plain ] && break; sleep 0.1; done
kill -TERM "$bpid"
( sleep 60; kill -9 "$bpid" 2>/dev/null ) &
watchdog=$!
wait "$bpid"
rc=$?
kill "$watchdog" 2>/dev/null
[ "$rc" -eq 143 ] || { cat "$T/term.err"; fail "SIGTERM: expected exit 143, got $rc"; }
contains "$T/term.err" "Gracefully stopping... (press Ctrl+C again to force)"
contains "$T/term.err" "Container cliterm-stubborn-1  Stopped"
dead pids/stubborn
dead pids/plain
ok "SIGTERM stops gracefully like the first Ctrl-C (exit 143), nothing left"

# --- capability preflight: --strict refuses before anything is created --------
mkdir "$T/strict" && cd "$T/strict" || exit 99
cat >compose.yaml <<'YAML'
name: clistrict
services:
  web:
    image: none
    command: ["sh", "-c", "echo $$$$ > started; echo web ran"]
    ports: ["127.0.0.1:18080:80"]
    read_only: true
  plain:
    image: none
    command: ["sh", "-c", "echo plain ran"]
YAML
expect_rc 1 "$BERTH" up --strict --abort-on-container-exit
contains "$T/err" "--strict: the process backend cannot run this project as written"
contains "$T/err" "web: port-publish (unsupported); web: read-only-rootfs (unsupported)"
contains "$T/err" "hint: choose a backend that supports these features"
lacks "$T/err" "plain:"
lacks "$T/err" "Created"
[ ! -e started ] || fail "--strict: web was started"
expect_rc 1 "$BERTH" run --strict --rm web
contains "$T/err" "web: port-publish (unsupported)"
[ ! -e started ] || fail "run --strict: web was started"
expect_rc 0 "$BERTH" up --abort-on-container-exit web
[ "$(grep -c "service web uses port-publish, which the process backend does not support" "$T/err")" = 1 ] ||
    fail "lenient up: one port-publish warning for web expected"
contains "$T/err" "service web uses read-only-rootfs"
lacks "$T/err" "network-aliases"
[ -e started ] || fail "lenient up: web did not run"
cd "$T" || exit 99
ok "--strict refuses unsupported features before creating anything; otherwise one warning each"
