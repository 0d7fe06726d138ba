#!/bin/sh
# The container and image API against a real Podman (tests/test_container_api.c --podman).
# Skipped (77) when podman is absent.
: "${BERTH_TEST_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BERTH_TEST_BUILDDIR:=$(pwd)}"
. "$BERTH_TEST_SRCDIR/tests/lib/capi-podman.sh"
berth_capi_podman api || exit $?
# A loaded machine answers `podman info` slowly: do not mistake that for absence.
BERTH_PROBE_TIMEOUT=${BERTH_PROBE_TIMEOUT:-60s}
export BERTH_PROBE_TIMEOUT
exec "$BERTH_TEST_BUILDDIR/tests/test_container_api" --podman
