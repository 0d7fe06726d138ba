#!/bin/sh
# examples/embed: berth-embed runs a process-backend project on its own loop
# and serves the live state over HTTP; /state?until=running answers once every
# service is up (event-driven); SIGTERM takes the project down and ends it.
. "${BERTH_TEST_SRCDIR:-$(dirname "$0")/..}/tests/cli_lib.sh"
EMBED=$BERTH_TEST_BUILDDIR/examples/embed/berth-embed
[ -x "$EMBED" ] || fail "$EMBED is not built"
cd "$T" || exit 99
mkfifo out
"$EMBED" -f "$BERTH_TEST_SRCDIR/examples/embed/compose.yaml" -p embedtest --port 0 >out 2>"$T/err" &
epid=$!
on_exit "kill -9 $epid 2>/dev/null"
# the first line names the port it listens on
exec 3<out
read -r line <&3 || fail "berth-embed printed nothing"
port=${line##*:}
case $line in
"listening on http://127.0.0.1:"*) ;;
*) fail "unexpected first line: $line" ;;
esac
cat <&3 >"$T/out" &

timeout 90 python3 - "$port" <<'PY' || fail "the /state checks failed"
import http.client, json, sys
port = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=80)
c.request("GET", "/state?until=running")
r = c.getresponse()
assert r.status == 200, r.status
st = json.loads(r.read())
print(json.dumps(st))
assert st["project"] == "embedtest", st
assert st["services"] == ["db", "worker"], st["services"]
states = {x["service"]: x["state"] for x in st["containers"]}
assert states.get("db") == "healthy", states
assert states.get("worker") == "running", states
assert st["settled"] is True
c.request("GET", "/ps")
r = c.getresponse()
assert r.status == 200
ps = json.loads(r.read())
assert sorted(x["name"] for x in ps) == ["embedtest-db-1", "embedtest-worker-1"], ps
assert all(x["state"] == "running" for x in ps), ps
c.request("GET", "/nope")
assert c.getresponse().status == 404
PY
ok "/state?until=running and /ps report the running project"

kill -TERM "$epid"
( sleep 60; kill -9 "$epid" 2>/dev/null ) &
watchdog=$!
wait "$epid"
rc=$?
kill "$watchdog" 2>/dev/null
[ "$rc" -eq 0 ] || { cat "$T/err" >&2; fail "berth-embed exited $rc after SIGTERM"; }
contains "$T/out" "project embedtest is up"
ok "SIGTERM takes the project down and ends the program"
