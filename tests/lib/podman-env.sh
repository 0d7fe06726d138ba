# Shared set-up for tests that drive a real Podman (source it from sh/bash).
#
# After `. tests/lib/podman-env.sh; berth_podman_env`:
#   - CONTAINERS_CONF points at a containers.conf selecting runc and explicit
#     ulimits (what Podman needs on a root-only CI machine without systemd),
#   - the offline image localhost/berth-test/busybox:latest exists (built once
#     from /bin/busybox of busybox-static, reused afterwards),
#   - BERTH_TEST_IMAGE names that image.
# Returns 77 (the automake "skip" code) with a message on stderr when Podman
# or a static busybox is missing, so callers can `|| exit $?`.

BERTH_TEST_IMAGE=localhost/berth-test/busybox:latest
export BERTH_TEST_IMAGE

# Writes containers.conf into $1 (a directory) and exports CONTAINERS_CONF.
berth_podman_conf() {
    _dir=$1
    mkdir -p "$_dir" || return 1
    cat >"$_dir/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000","nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
    CONTAINERS_CONF=$_dir/containers.conf
    export CONTAINERS_CONF
}

# Imports the busybox image unless it is already present.
berth_podman_image() {
    podman image exists "$BERTH_TEST_IMAGE" 2>/dev/null && return 0
    _bb=
    for _c in /bin/busybox /usr/bin/busybox; do
        if [ -x "$_c" ] && ! ldd "$_c" >/dev/null 2>&1; then _bb=$_c; break; fi
    done
    if [ -z "$_bb" ]; then
        echo "SKIP: no static busybox (apt-get install busybox-static)" >&2
        return 77
    fi
    _root=$(mktemp -d "${TMPDIR:-/tmp}/berth-bb.XXXXXX") || return 1
    mkdir -p "$_root/rootfs/bin" "$_root/rootfs/etc" "$_root/rootfs/tmp" \
        "$_root/rootfs/www" "$_root/rootfs/root" || return 1
    cp "$_bb" "$_root/rootfs/bin/busybox" || return 1
    for _a in $("$_bb" --list); do
        [ "$_a" = busybox ] || ln -sf busybox "$_root/rootfs/bin/$_a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$_root/rootfs/etc/passwd"
    echo 'nobody:x:65534:65534:nobody:/:/bin/false' >>"$_root/rootfs/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$_root/rootfs/etc/group"
    echo 'hello from berth' >"$_root/rootfs/www/index.html"
    tar -C "$_root/rootfs" -cf "$_root/rootfs.tar" . || return 1
    podman import --quiet --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
        "$_root/rootfs.tar" "$BERTH_TEST_IMAGE" >/dev/null
    _rc=$?
    rm -rf "$_root"
    return $_rc
}

# Full set-up: skip (77) without podman; conf dir defaults to a fresh temp dir.
berth_podman_env() {
    if ! command -v podman >/dev/null 2>&1; then
        echo "SKIP: podman is not installed (apt-get install podman runc)" >&2
        return 77
    fi
    berth_podman_conf "${1:-${BERTH_PODMAN_CONF_DIR:-${TMPDIR:-/tmp}/berth-podman-conf}}" || return 1
    berth_podman_image || return $?
}
