#!/bin/sh
# Runs the berth demo once and exits by itself: berth brings db, migrate, api
# and web up in dependency order (health checks and conditions run by berth),
# runs the one-off `smoke` check against them, prints its verdict, then stops
# everything. Nothing is left running. Exit code: smoke's.
#
#   ./run.sh            host processes (process backend): needs only sh and python3
#   ./run.sh --podman   the same stack in Podman containers (offline busybox image)
#
# berth is taken from $BERTH, else from PATH, else from the build tree.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

berth=${BERTH:-}
if [ -z "$berth" ]; then
    if command -v berth >/dev/null 2>&1; then
        berth=$(command -v berth)
    elif [ -x "$here/../../cli/berth" ]; then
        berth=$here/../../cli/berth
    else
        echo "run.sh: berth not found: build it (make) or set BERTH=/path/to/berth" >&2
        exit 1
    fi
fi

cd "$here"
case "${1:-}" in
--podman)
    # Podman without a registry: a busybox image built locally, runc, explicit ulimits.
    . "$here/../../tests/lib/podman-env.sh"
    berth_podman_env "${TMPDIR:-/tmp}/berth-demo-podman" || exit $?
    # containers outlive the command: take the stack down again afterwards
    rc=0
    "$berth" -f compose.podman.yaml run --rm smoke || rc=$?
    "$berth" -f compose.podman.yaml down --volumes || rc=${rc:-1}
    exit $rc
    ;;
"")
    exec "$berth" -f compose.yaml run --rm smoke
    ;;
*)
    echo "usage: $0 [--podman]" >&2
    exit 2
    ;;
esac
