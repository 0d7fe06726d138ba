#!/bin/sh
# End-to-end tests of the berth CLI on Podman: a three-tier stack (web -> api
# -> db, health checks, service_healthy) on a user network with DNS, a
# published port, ps/logs/exec/port/stop/start/restart/run, a named volume
# across down/up and down -v, recreation of only the changed service,
# --remove-orphans, kill -9 of a foreground up then convergence, Ctrl-C
# through tmux, docker compose labels. Skips (77) without Podman.
. "${BERTH_TEST_SRCDIR:-$(dirname "$0")/..}/tests/cli_lib.sh"
. "$BERTH_TEST_SRCDIR/tests/lib/podman-env.sh"
berth_podman_env "$T/conf" || exit $?
export BERTH_BACKEND=podman
# the first podman calls of a fresh machine are slow: do not let detection give up
: "${BERTH_PODMAN_PROBE_TIMEOUT:=60s}"
export BERTH_PODMAN_PROBE_TIMEOUT
P=clipod$$
PORT=$((20000 + $$ % 20000))
cd "$T" || exit 99
on_exit "podman rm -f -t 0 \$(podman ps -aq --filter label=com.docker.compose.project=$P) >/dev/null 2>&1; podman network rm -f ${P}_default >/dev/null 2>&1; podman volume rm -f ${P}_dbdata >/dev/null 2>&1"

# berth with a time limit: a hang fails the test with exit 124 instead of blocking it
B() {
    timeout "${BERTH_TEST_CMD_TIMEOUT:-300}" "$BERTH" "$@"
}

# project containers / networks / volumes still there (by label)
left() {
    podman ps -aq --filter "label=com.docker.compose.project=$P"
    podman network ls -q --filter "label=com.docker.compose.project=$P"
}
cid() {
    podman ps -aq --no-trunc --filter "label=com.docker.compose.project=$P" \
        --filter "label=com.docker.compose.service=$1"
}

cat >compose.yaml <<YAML
name: $P
services:
  db:
    image: $BERTH_TEST_IMAGE
    command: ["sh", "-c", "[ -f /data/id ] || cat /proc/sys/kernel/random/uuid > /data/id; echo db up; touch /tmp/ready; exec sleep 100000"]
    volumes: ["dbdata:/data"]
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s, retries: 20}
    stop_signal: SIGKILL
  api:
    image: $BERTH_TEST_IMAGE
    command: ["httpd", "-f", "-p", "8081", "-h", "/www"]
    environment: {LEVEL: "1"}
    depends_on: {db: {condition: service_healthy}}
    healthcheck: {test: ["CMD", "nc", "-z", "db", "1"], interval: 1s, retries: 3, disable: true}
  web:
    image: $BERTH_TEST_IMAGE
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    ports: ["127.0.0.1:$PORT:80"]
    depends_on: {api: {condition: service_healthy}}
volumes:
  dbdata:
YAML
# api's health: it answers HTTP (checked by berth through podman exec)
sed -i 's|healthcheck: {test: \["CMD", "nc", "-z", "db", "1"\], interval: 1s, retries: 3, disable: true}|healthcheck: {test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8081/"], interval: 1s, retries: 20}|' compose.yaml

# --- up -d --wait: ordered start, healthy, DNS, published port ----------------
expect_rc 0 B up -d --wait
l_db=$(grep -n "Container $P-db-1  Healthy" "$T/err" | cut -d: -f1)
l_api=$(grep -n "Container $P-api-1  Creating" "$T/err" | cut -d: -f1)
l_apih=$(grep -n "Container $P-api-1  Healthy" "$T/err" | cut -d: -f1)
l_web=$(grep -n "Container $P-web-1  Creating" "$T/err" | cut -d: -f1)
[ -n "$l_db" ] && [ -n "$l_api" ] && [ -n "$l_apih" ] && [ -n "$l_web" ] ||
    { cat "$T/err"; fail "missing progress lines"; }
[ "$l_db" -lt "$l_api" ] && [ "$l_apih" -lt "$l_web" ] || { cat "$T/err"; fail "start order"; }
ok "up -d --wait: db healthy before api, api healthy before web"

expect_rc 0 B exec -T web wget -q -O - http://api:8081/
contains "$T/out" "hello from berth"
ok "services reach each other by name on the project network"
timeout 60 python3 -c "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=50).read().decode())" >"$T/http" ||
    fail "published port does not answer"
contains "$T/http" "hello from berth"
expect_rc 0 B port web 80
contains "$T/out" "127.0.0.1:$PORT"
ok "published port answers on loopback"

# --- labels docker compose reads ----------------------------------------------
lab() { podman inspect "$P-$1-1" --format "{{index .Config.Labels \"$2\"}}"; }
[ "$(lab web com.docker.compose.project)" = "$P" ] || fail "project label"
[ "$(lab web com.docker.compose.service)" = web ] || fail "service label"
[ "$(lab web com.docker.compose.container-number)" = 1 ] || fail "container-number label"
[ "$(lab web com.docker.compose.oneoff)" = False ] || fail "oneoff label"
lab web com.docker.compose.config-hash | grep -Eq '^[0-9a-f]{64}$' || fail "config-hash label"
lab web com.docker.compose.depends_on | grep -q "api:service_healthy" || fail "depends_on label"
[ "$(lab web com.docker.compose.project.working_dir)" = "$T" ] || fail "working_dir label"
lab web com.docker.compose.project.config_files | grep -q "$T/compose.yaml" || fail "config_files label"
podman network inspect "${P}_default" --format '{{index .Labels "com.docker.compose.network"}}' |
    grep -qx default || fail "network label"
ok "docker compose labels on containers and network"

# --- ps, logs, exec, stop/start/restart, run ---------------------------------
expect_rc 0 B ps
contains "$T/out" "NAME"
contains "$T/out" "$P-web-1"
contains "$T/out" "127.0.0.1:$PORT->80/tcp"
expect_rc 0 B ps --format json
python3 -c "
import json,sys
rows=[json.loads(l) for l in open('$T/out') if l.strip()]
assert sorted(r['Service'] for r in rows)==['api','db','web'], rows
assert all(r['State']=='running' and r['Project']=='$P' for r in rows), rows
" || fail "ps --format json"
expect_rc 0 B ps -q
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "ps -q: 3 ids expected"
expect_rc 0 B logs db
contains "$T/out" "db-1  | db up"
expect_rc 7 B exec -T db sh -c 'exit 7'
# exec -d: exit 0 at once, nothing printed; the command (with -e/-w) runs on
expect_rc 0 B exec -d -e MSG=hi -w /tmp db sh -c 'sleep 1; echo $MSG > x.tmp; mv x.tmp x'
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "exec -d printed something"
i=0
until B exec -T db cat /tmp/x >"$T/out" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 100 ] || fail "exec -d: /tmp/x never appeared"
    sleep 0.1
done
[ "$(cat "$T/out")" = hi ] || fail "exec -d: /tmp/x should say hi, got '$(cat "$T/out")'"
expect_rc 0 B stop web
expect_rc 0 B ps --status exited -q
[ "$(cat "$T/out")" = "$(cid web)" ] || fail "stop: web should be the exited one"
expect_rc 0 B start web
expect_rc 0 B ps --status running -q
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "after start: 3 running expected"
expect_rc 5 B run --rm db sh -c 'echo from-run; exit 5'
contains "$T/out" "from-run"
[ -z "$(podman ps -aq --filter label=com.docker.compose.project=$P --filter label=com.docker.compose.oneoff=True)" ] ||
    fail "run --rm left its container"
ok "ps, logs, exec exit code, exec -d, stop, start, run --rm"

# --- a named volume survives down + up, goes with down -v ----------------------
expect_rc 0 B exec -T db cat /data/id
id1=$(cat "$T/out")
expect_rc 0 B down
[ -z "$(left)" ] || fail "down left: $(left)"
podman volume exists "${P}_dbdata" || fail "down removed the named volume"
expect_rc 0 B up -d --wait
expect_rc 0 B exec -T db cat /data/id
[ "$(cat "$T/out")" = "$id1" ] || fail "the volume's data did not survive down + up"
ok "named volume survives down + up"

# --- changing one service's environment recreates only that service ------------
db0=$(cid db) api0=$(cid api) web0=$(cid web)
sed -i 's/LEVEL: "1"/LEVEL: "2"/' compose.yaml
expect_rc 0 B up -d --wait
[ "$(cid db)" = "$db0" ] && [ "$(cid web)" = "$web0" ] || fail "an unchanged service was recreated"
[ "$(cid api)" != "$api0" ] || fail "api was not recreated"
expect_rc 0 B exec -T api sh -c 'echo $LEVEL'
contains "$T/out" 2
ok "a changed environment recreates only that service"

# --- --remove-orphans removes exactly the orphan ---------------------------------
cat >extra.yaml <<YAML
services:
  extra:
    image: $BERTH_TEST_IMAGE
    command: ["sleep", "100000"]
YAML
expect_rc 0 B -f compose.yaml -f extra.yaml up -d extra
[ -n "$(cid extra)" ] || fail "extra did not start"
db0=$(cid db) api0=$(cid api) web0=$(cid web)
expect_rc 0 B up -d --remove-orphans
[ -z "$(cid extra)" ] || fail "the orphan is still there"
[ "$(cid db)" = "$db0" ] && [ "$(cid api)" = "$api0" ] && [ "$(cid web)" = "$web0" ] ||
    fail "--remove-orphans touched defined services"
ok "--remove-orphans removes exactly the orphan"

# --- kill -9 of a foreground up, then up -d converges, down leaves nothing -----
expect_rc 0 B down
mkfifo fg
"$BERTH" up >"$T/fg.out" 2>fg &
bpid=$!
on_exit "kill -9 $bpid 2>/dev/null"
# its progress (stderr) reports web created: the stack is (being) started
timeout 300 sh -c 'while read -r l; do case $l in *"-web-1  Created"*) exit 0;; esac; done; exit 1' <fg ||
    { cat "$T/fg.out"; fail "foreground up never created web"; }
kill -9 "$bpid"
wait "$bpid" 2>/dev/null
expect_rc 0 B up -d --wait
expect_rc 0 B ps --status running -q
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "up -d after kill -9: 3 running expected"
expect_rc 0 B down -v
[ -z "$(left)" ] || fail "down left: $(left)"
! podman volume exists "${P}_dbdata" || fail "down -v kept the named volume"
ok "kill -9 of a foreground up, then up -d converges; down -v leaves nothing"

# --- Ctrl-C through a terminal stops everything ----------------------------------
if command -v tmux >/dev/null 2>&1; then
    SOCK=berth-cli-pod-$$
    TM="tmux -L $SOCK -f /dev/null"
    on_exit "$TM kill-server 2>/dev/null"
    unset TMUX
    mkfifo pane
    $TM new-session -d -s up -x 160 -y 50 \
        "cd '$T' && CONTAINERS_CONF='$CONTAINERS_CONF' '$BERTH' up; echo \$? > '$T/up.rc'; $TM wait-for -S up-done; sleep 600"
    $TM pipe-pane -t up -o "cat > '$T/pane'"
    timeout 120 sh -c 'while read -r l; do case $l in *"web-1"*) exit 0;; esac; done; exit 1' <pane ||
        fail "foreground up in tmux never attached web"
    $TM send-keys -t up C-c
    timeout 120 $TM wait-for up-done || fail "berth up did not end after Ctrl-C"
    [ "$(cat up.rc)" = 130 ] || fail "Ctrl-C: exit $(cat up.rc), want 130"
    [ -z "$(podman ps -q --filter label=com.docker.compose.project=$P)" ] ||
        fail "Ctrl-C left running containers"
    ok "Ctrl-C through tmux: exit 130, nothing running"
    expect_rc 0 B down -v
fi
[ -z "$(left)" ] || fail "left behind: $(left)"

# --- restart: the container is stopped and started again, and runs ------------
# (`berth restart` used to return as soon as the restart was queued, leaving
# api stopped or never restarted.)
expect_rc 0 B up -d --wait
started0=$(podman inspect "$P-api-1" --format '{{.State.StartedAt}}')
expect_rc 0 B restart api
expect_rc 0 B ps --status running -q
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "after restart: 3 running expected"
[ "$(podman inspect "$P-api-1" --format '{{.State.StartedAt}}')" != "$started0" ] ||
    fail "restart did not restart api"
ok "restart"
expect_rc 0 B down -v
[ -z "$(left)" ] || fail "left behind: $(left)"

# --- a start that fails after the create (one `podman run -d`) is rolled back ---
mkdir -p "$T/bad" && cd "$T/bad" || exit 99
on_exit "podman rm -f -t 0 \$(podman ps -aq --filter label=com.docker.compose.project=${P}b) >/dev/null 2>&1; podman network rm -f ${P}b_default >/dev/null 2>&1"
cat >compose.yaml <<YAML
name: ${P}b
services:
  ok:
    image: $BERTH_TEST_IMAGE
    command: ["sleep", "100000"]
    stop_signal: SIGKILL
  bad:
    image: $BERTH_TEST_IMAGE
    command: ["/nonexistent"]
    depends_on: [ok]
YAML
leftb() { podman ps -aq --filter "label=com.docker.compose.project=${P}b"; }
expect_rc 1 B up -d
grep -q 'starting container '"${P}b"'-bad-1' "$T/err" || { cat "$T/err"; fail "the failed start is not named"; }
[ -z "$(leftb)" ] || fail "rollback left: $(leftb)"
expect_rc 1 B up -d --no-rollback
[ "$(podman inspect "${P}b-bad-1" --format '{{.State.Status}}')" = created ] ||
    fail "--no-rollback: bad-1 should be kept, created"
expect_rc 0 B down
[ -z "$(leftb)" ] || fail "down left: $(leftb)"
ok "failed start after create: named, rolled back, kept with --no-rollback"
