# A private Podman for the container-API tests (source it from sh/bash).
#
# `berth_capi_podman NAME` points Podman at its own storage, runtime
# directory, network configuration and event log below
# ${TMPDIR:-/tmp}/berth-capi-podman-NAME (reused between runs), with the
# runc + ulimits configuration Podman needs on this kind of machine, then
# imports the offline busybox image there (tests/lib/podman-env.sh).
# Private because cleanup tests remove EVERY compose project they see:
# they must never see another test's (or the user's) containers.
# Returns 77 with a message when Podman or a static busybox is missing.

berth_capi_podman() {
    if ! command -v podman >/dev/null 2>&1; then
        echo "SKIP: podman is not installed (apt-get install podman runc)" >&2
        return 77
    fi
    _capi_dir=${TMPDIR:-/tmp}/berth-capi-podman-$1
    mkdir -p "$_capi_dir/net" "$_capi_dir/tmp" || return 1
    cat >"$_capi_dir/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$_capi_dir/root"
runroot = "$_capi_dir/run"
CONF
    cat >"$_capi_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000","nproc=4096:4096"]
[engine]
runtime = "runc"
tmp_dir = "$_capi_dir/tmp"
events_logger = "file"
events_logfile_path = "$_capi_dir/events.log"
[network]
network_config_dir = "$_capi_dir/net"
CONF
    CONTAINERS_STORAGE_CONF=$_capi_dir/storage.conf
    CONTAINERS_CONF=$_capi_dir/containers.conf
    export CONTAINERS_STORAGE_CONF CONTAINERS_CONF
    . "${BERTH_TEST_SRCDIR:-.}/tests/lib/podman-env.sh"
    berth_podman_image
}
