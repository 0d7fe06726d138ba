#!/bin/sh
# Integration tests of the docker-protocol driver plugin against real Podman:
# the podman flavour, then the docker flavour (the docker CLI talking to
# `podman system service`'s Docker-compatible socket). Skips (77) without
# podman; the docker flavour is skipped, with a message, without the docker CLI.
srcdir=${BERTH_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${BERTH_TEST_BUILDDIR:-.}
. "$srcdir/tests/lib/podman-env.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-podman-test.XXXXXX") || exit 1
svc=
cleanup() {
    if [ -n "$svc" ]; then kill "$svc" 2>/dev/null; wait "$svc" 2>/dev/null; fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

berth_podman_env "$tmp/conf" || exit $?
BERTH_TEST_PLUGIN_DIR=$builddir/backends/.libs
export BERTH_TEST_PLUGIN_DIR
if [ ! -f "$BERTH_TEST_PLUGIN_DIR/docker.so" ]; then
    echo "SKIP: the docker plugin is not built ($BERTH_TEST_PLUGIN_DIR/docker.so)" >&2
    exit 77
fi
prog="$builddir/tests/test_docker_podman"

rc=0
$BERTH_TEST_WRAPPER "$prog" podman || rc=1

if command -v docker >/dev/null 2>&1; then
    sock=$tmp/docker.sock
    podman system service --time=0 "unix://$sock" >"$tmp/service.log" 2>&1 &
    svc=$!
    i=0
    while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    if [ ! -S "$sock" ]; then
        echo "FAIL: podman system service did not create $sock" >&2
        cat "$tmp/service.log" >&2
        exit 1
    fi
    DOCKER_HOST=unix://$sock $BERTH_TEST_WRAPPER "$prog" docker || rc=1
else
    echo "docker flavour skipped: the docker CLI is not installed" >&2
fi
exit $rc
