#!/bin/sh
# berth container / image / down --all-projects against a real Podman, in a
# private storage (tests/lib/capi-podman.sh). Skipped (77) without podman.
: "${BERTH_TEST_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BERTH_TEST_BUILDDIR:=$(pwd)}"
BERTH=$BERTH_TEST_BUILDDIR/cli/berth
. "$BERTH_TEST_SRCDIR/tests/lib/capi-podman.sh"
berth_capi_podman clictr || exit $?
BERTH_PROBE_TIMEOUT=${BERTH_PROBE_TIMEOUT:-60s}
export BERTH_PROBE_TIMEOUT
unset BERTH_BACKEND
IMG=$BERTH_TEST_IMAGE
B="$BERTH --backend podman"
P=capictr$$

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-cli-pm.XXXXXX") || exit 1
cleanup() {
    podman rm -f $(podman ps -aq --filter "name=$P") >/dev/null 2>&1
    podman volume rm -f "${P}vol" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}
expect_in() {
    grep -qF -- "$2" "$1" || { fail "'$2' not in $1:"; sed 's/^/  | /' "$1" >&2; }
}
expect_rc() {
    _want=$1
    shift
    "$@" >"$tmp/last.out" 2>"$tmp/last.err"
    _rc=$?
    if [ "$_rc" != "$_want" ]; then
        fail "exit $_rc (want $_want): $*"
        sed 's/^/  err| /' "$tmp/last.err" >&2
    fi
}

# run -d: the id, then ls / inspect / logs / exec see it
expect_rc 0 $B container run -d --name ${P}web -p 127.0.0.1::80 -l capi.test=$P -e CAPI_E=v1 \
    $IMG sh -c 'echo started; echo warn >&2; exec httpd -f -p 80 -h /www'
id=$(cat "$tmp/last.out")
case "$id" in *[!0-9a-f]* | "") fail "run -d printed '$id', not an id" ;; esac
[ ${#id} -eq 64 ] || fail "id length ${#id}"
expect_rc 0 $B container ls --filter label=capi.test=$P
expect_in "$tmp/last.out" "${P}web"
expect_in "$tmp/last.out" "127.0.0.1:"
expect_in "$tmp/last.out" "->80/tcp"
expect_rc 0 $B container ls -q --filter label=capi.test=$P
[ "$(cat "$tmp/last.out")" = "$(printf '%.12s' "$id")" ] || fail "ls -q: $(cat "$tmp/last.out")"
expect_rc 0 $B container ls --format json --filter name=${P}web
expect_in "$tmp/last.out" "\"Names\":\"${P}web\""
expect_in "$tmp/last.out" '"State":"running"'
expect_rc 0 $B container inspect ${P}web
expect_in "$tmp/last.out" "\"Id\": \"$id\""
expect_in "$tmp/last.out" '"capi.test": "'$P'"'
expect_in "$tmp/last.out" '"80/tcp"'
tries=0
while :; do
    expect_rc 0 $B container logs ${P}web
    grep -q started "$tmp/last.out" && break
    tries=$((tries + 1))
    [ $tries -ge 20 ] && { fail "no log line"; break; }
    sleep 1
done
expect_in "$tmp/last.err" "warn"
expect_rc 0 $B container logs --tail 1 -t ${P}web
[ "$(wc -l <"$tmp/last.out" | tr -d ' ')$(wc -l <"$tmp/last.err" | tr -d ' ')" = "01" ] ||
    fail "--tail 1 gave more than the last line"
expect_rc 3 $B container exec -e X=1 -w /tmp -u 65534 ${P}web sh -c 'echo $X $(pwd) $(id -u); exit 3'
expect_in "$tmp/last.out" "1 /tmp 65534"

# logs -f ends with 130 on Ctrl-C
$B container logs -f ${P}web >"$tmp/follow.out" 2>&1 &
fpid=$!
tries=0
until grep -q started "$tmp/follow.out" 2>/dev/null || [ $tries -ge 90 ]; do
    sleep 1
    tries=$((tries + 1))
done
kill -INT $fpid
wait $fpid
frc=$?
[ "$frc" = 130 ] || fail "logs -f after SIGINT: exit $frc"
expect_in "$tmp/follow.out" "started"

# stop / wait / start / kill / wait / rm
expect_rc 0 $B container stop -t 1 ${P}web
expect_in "$tmp/last.out" "${P}web"
expect_rc 0 $B container ls -a --filter name=${P}web --filter status=exited
expect_in "$tmp/last.out" "Exited ("
expect_rc 0 $B container start ${P}web
expect_rc 0 $B container kill -s KILL ${P}web
expect_rc 0 $B container wait ${P}web
[ "$(cat "$tmp/last.out")" = 137 ] || fail "wait after kill: $(cat "$tmp/last.out")"
expect_rc 0 $B container rm ${P}web
expect_rc 1 $B container rm ${P}web
[ -z "$(podman ps -aq --filter name=^${P}web\$)" ] || fail "container still there after rm"

# attached run: streams, exit code, --rm removes it
expect_rc 5 $B container run --rm --name ${P}att --network none $IMG sh -c 'echo o1; echo e1 >&2; exit 5'
expect_in "$tmp/last.out" "o1"
expect_in "$tmp/last.err" "e1"
[ -z "$(podman ps -aq --filter name=^${P}att\$)" ] || fail "--rm left the container"

# security and filesystem flags reach the runtime
expect_rc 0 $B container run --rm --name ${P}sec --network none --read-only --cap-drop ALL \
    --security-opt no-new-privileges --user 65534 --tmpfs /scratch $IMG \
    sh -c 'id -u; touch /x 2>/dev/null && echo rw || echo ro; touch /scratch/y && echo tmpfs-ok'
expect_in "$tmp/last.out" "65534"
expect_in "$tmp/last.out" "ro"
expect_in "$tmp/last.out" "tmpfs-ok"
expect_rc 0 $B container run --rm --name ${P}v1 --network none -v ${P}vol:/data $IMG sh -c 'echo kept > /data/f'
expect_rc 0 $B container run --rm --name ${P}v2 --network none -v ${P}vol:/data:ro $IMG cat /data/f
expect_in "$tmp/last.out" "kept"
expect_rc 0 $B container create --name ${P}cr --network none $IMG true
expect_rc 0 $B container ls -a --format json --filter name=${P}cr
expect_in "$tmp/last.out" '"State":"created"'
expect_rc 0 $B container rm ${P}cr

# images: ls, inspect, build (args, target, file, tag), run it, rm
expect_rc 0 $B image ls
expect_in "$tmp/last.out" "localhost/berth-test/busybox"
expect_rc 0 $B image inspect $IMG
expect_in "$tmp/last.out" '"Id": "sha256:'
mkdir -p "$tmp/ctx"
cat >"$tmp/ctx/Build.file" <<EOF
FROM $IMG AS base
ARG CAPI_ARG=none
RUN echo "\$CAPI_ARG" > /arg
FROM base AS final
RUN echo final > /final
EOF
expect_rc 0 $B image build -q -t localhost/$P:v1 -f Build.file --build-arg CAPI_ARG=from-cli \
    --target base --label capi.built=yes "$tmp/ctx"
expect_rc 0 $B image inspect localhost/$P:v1
expect_in "$tmp/last.out" '"capi.built": "yes"'
expect_rc 0 $B container run --rm --name ${P}b --network none localhost/$P:v1 \
    sh -c 'cat /arg; test -e /final && echo final || echo nofinal'
expect_in "$tmp/last.out" "from-cli"
expect_in "$tmp/last.out" "nofinal"
expect_rc 0 $B image rm localhost/$P:v1
expect_rc 1 $B image inspect localhost/$P:v1
expect_in "$tmp/last.out" "[]"

# down --all-projects: the report counts what podman no longer shows
podman run -d --name ${P}a-web-1 --network none --label com.docker.compose.project=${P}a $IMG sleep 300 >/dev/null
podman run --name ${P}a-job-1 --network none --label com.docker.compose.project=${P}a $IMG true >/dev/null
podman network create --label com.docker.compose.project=${P}a ${P}a_default >/dev/null
podman volume create --label com.docker.compose.project=${P}b ${P}b_data >/dev/null
podman run -d --name ${P}loose --network none $IMG sleep 300 >/dev/null
count() { # what podman lists with the prefix
    c=$(podman ps -a --format '{{.Names}}' | grep -c "^$P")
    n=$(podman network ls --format '{{.Name}}' | grep -c "^$P")
    v=$(podman volume ls --format '{{.Name}}' | grep -c "^$P")
    echo "$c $n $v"
}
before=$(count)
expect_rc 0 $B down --all-projects -v -t 1 --format json
after=$(count)
report=$(cat "$tmp/last.out")
python3 - "$before" "$after" "$report" "$P" <<'EOF' || fail "report does not match podman: $before -> $after: $report"
import json, sys
b = [int(x) for x in sys.argv[1].split()]
a = [int(x) for x in sys.argv[2].split()]
r = json.loads(sys.argv[3])
p = sys.argv[4]
assert r["containers_removed"] == b[0] - a[0] == 2, (r, b, a)
assert r["networks_removed"] == b[1] - a[1] == 1, (r, b, a)
assert r["volumes_removed"] == b[2] - a[2] == 1, (r, b, a)
assert r["errors"] == []
assert r["projects"] == [p + "a", p + "b"], r["projects"]
assert a == [1, 0, 1], a  # only the unlabelled container and volume are left
EOF
expect_rc 0 $B down --all-projects
expect_in "$tmp/last.out" "Projects: none found"

if [ "$fails" -gt 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "cli_container_podman: all checks passed"
