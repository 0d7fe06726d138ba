#!/bin/sh
# Cleanup reports against a real Podman (tests/test_cleanup.c --podman), in a
# private storage: berth_cleanup_down_all() removes every compose project it sees.
# Skipped (77) when podman is absent.
: "${BERTH_TEST_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BERTH_TEST_BUILDDIR:=$(pwd)}"
. "$BERTH_TEST_SRCDIR/tests/lib/capi-podman.sh"
berth_capi_podman cleanup || exit $?
BERTH_PROBE_TIMEOUT=${BERTH_PROBE_TIMEOUT:-60s}
export BERTH_PROBE_TIMEOUT
exec "$BERTH_TEST_BUILDDIR/tests/test_cleanup" --podman
