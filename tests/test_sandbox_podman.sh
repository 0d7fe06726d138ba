#!/bin/sh
# `berth sandbox` against real Podman: the hardened profile is in force
# (podman inspect of a running sandbox), it holds inside the container
# (read-only root, /tmp writable but noexec, only loopback, uid 65534, a
# bounded fork bomb stops at the pids limit, no user namespaces), the
# timeout kills, exit codes pass through, mounts are read-only unless :rw,
# nothing is left behind, and a crashed berth's leftover is found by
# `sandbox ls` and removed by `sandbox prune`. Skips (77) without podman.
srcdir=${BERTH_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${BERTH_TEST_BUILDDIR:-.}
builddir=$(cd "$builddir" && pwd)
. "$srcdir/tests/lib/podman-env.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-sandbox-podman.XXXXXX") || exit 1
bg=
cleanup() {
    if [ -n "$bg" ]; then kill -9 "$bg" 2>/dev/null; wait "$bg" 2>/dev/null; fi
    # anything this run left (its commands carry the marker)
    for n in $(podman ps -a --filter label=io.berth.sandbox=1 --no-trunc --format '{{.Names}} {{.Command}}' 2>/dev/null |
        grep "$marker" | cut -d' ' -f1); do
        podman rm -f "$n" >/dev/null 2>&1
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

berth_podman_env "$tmp/conf" || exit $?
if [ ! -f "$builddir/backends/.libs/docker.so" ]; then
    echo "SKIP: the docker plugin is not built" >&2
    exit 77
fi
BERTH_PLUGIN_PATH=$builddir/backends/.libs
BERTH_SECCOMP_PROFILE=$srcdir/data/seccomp-sandbox.json
BERTH_PODMAN_PROBE_TIMEOUT=60s
export BERTH_PLUGIN_PATH BERTH_SECCOMP_PROFILE BERTH_PODMAN_PROBE_TIMEOUT
unset BERTH_VERIFY

# Images have a world-writable /tmp (1777); the shared test image's is 755
# and podman copies a directory's mode onto the tmpfs mounted over it.
IMG=localhost/berth-test/busybox-sandbox:latest
if ! podman image exists "$IMG"; then
    mk=berth-sbx-mk-$$
    podman run --name "$mk" "$BERTH_TEST_IMAGE" chmod 1777 /tmp >/dev/null &&
        podman commit -q "$mk" "$IMG" >/dev/null
    rc=$?
    podman rm -f "$mk" >/dev/null 2>&1
    [ $rc -eq 0 ] || { echo "FAIL: cannot make $IMG" >&2; exit 1; }
fi

marker=sbxtest$$
berth="$BERTH_TEST_WRAPPER $builddir/cli/berth --backend podman"
cd "$tmp" || exit 1
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}
# Runs a sandbox: stdout to $tmp/out, stderr to $tmp/err, exit code in $rc.
sbx() {
    timeout 180 $berth sandbox run "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
# The sandbox containers of this run still present.
left() {
    podman ps -a --filter label=io.berth.sandbox=1 --no-trunc --format '{{.Names}} {{.Command}}' |
        grep -c "$marker"
}

# --- the profile, as podman sees it on a running sandbox ---
timeout 180 $berth sandbox run --timeout 120s "$IMG" sh -c "echo started; sleep 100 # $marker-inspect" \
    >"$tmp/bg.out" 2>"$tmp/bg.err" &
bg=$!
name=
i=0
while [ -z "$name" ] && [ $i -lt 600 ]; do
    name=$(podman ps --filter label=io.berth.sandbox=1 --no-trunc --format '{{.Names}} {{.Command}}' |
        grep "$marker-inspect" | cut -d' ' -f1)
    [ -n "$name" ] || sleep 0.2
    i=$((i + 1))
done
if [ -z "$name" ]; then
    fail "the sandbox did not start"
    cat "$tmp/bg.err" >&2
else
    echo "$name" | grep -Eq '^[0-9a-f]{8}-[0-9a-f]{16}$' || fail "name $name is not <8 hex>-<16 hex>"
    podman inspect "$name" >"$tmp/inspect.json" || fail "podman inspect $name"
    python3 - "$tmp/inspect.json" "$BERTH_SECCOMP_PROFILE" "$IMG" <<'EOF' || fail "podman inspect shows a setting missing"
import json, os, sys
d = json.load(open(sys.argv[1]))[0]
h, c = d["HostConfig"], d["Config"]
prof = os.path.realpath(sys.argv[2])
bad = []
def want(what, ok):
    if not ok:
        bad.append(what)
want("CapAdd empty: %r" % h.get("CapAdd"), not h.get("CapAdd"))
want("CapDrop has every default cap: %r" % h.get("CapDrop"),
     {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETUID", "CAP_SETGID", "CAP_NET_RAW",
      "CAP_KILL", "CAP_SYS_CHROOT"} <= set(h.get("CapDrop") or []))
want("no effective caps: %r" % d.get("EffectiveCaps"), not d.get("EffectiveCaps"))
want("ReadonlyRootfs", h.get("ReadonlyRootfs") is True)
want("User 65534:65534: %r" % c.get("User"), c.get("User") == "65534:65534")
want("NetworkMode none: %r" % h.get("NetworkMode"), h.get("NetworkMode") == "none")
so = h.get("SecurityOpt") or []
want("no-new-privileges: %r" % so, "no-new-privileges" in so)
want("seccomp profile %s: %r" % (prof, so), "seccomp=" + prof in so)
tmpfs = h.get("Tmpfs") or {}
t = tmpfs.get("/tmp", "").split(",")
want("/tmp tmpfs rw,noexec,nosuid,size=64m: %r" % tmpfs,
     {"rw", "noexec", "nosuid", "size=67108864"} <= set(t))
want("only /tmp as tmpfs (no writable /run, /var/tmp): %r" % tmpfs, set(tmpfs) == {"/tmp"})
want("PidsLimit 256: %r" % h.get("PidsLimit"), h.get("PidsLimit") == 256)
want("Memory 512m: %r" % h.get("Memory"), h.get("Memory") == 512 * 1024 * 1024)
want("1 CPU: %r" % h.get("NanoCpus"), h.get("NanoCpus") == 10**9)
want("no host mounts: %r" % d.get("Mounts"), not [m for m in d.get("Mounts") or [] if m.get("Type") == "bind"])
want("stdin closed: %r" % c.get("OpenStdin"), not c.get("OpenStdin"))
labels = c.get("Labels") or {}
want("labels: %r" % labels, labels.get("io.berth.sandbox") == "1"
     and labels.get("io.berth.sandbox.image") == sys.argv[3]
     and labels.get("io.berth.sandbox.tier") == "hardened"
     and labels.get("io.berth.sandbox.created", "").endswith("Z")
     and labels.get("io.berth.sandbox.expires", "").endswith("Z"))
for b in bad:
    print("  missing:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    # it shows up in `sandbox ls` while it runs
    timeout 120 $berth sandbox ls | grep -q "^$name .*hardened *running" || fail "sandbox ls does not list $name"
    podman kill "$name" >/dev/null 2>&1
    wait "$bg"
    bgrc=$?
    bg=
    [ "$bgrc" = 137 ] || fail "a sandbox killed from outside: exit $bgrc, expected 137"
    grep -q started "$tmp/bg.out" || fail "output not streamed: $(cat "$tmp/bg.out")"
fi

# --- inside: read-only root, /tmp writable but not executable, uid, network ---
sbx "$IMG" sh -c "
    id -u
    if touch /x 2>/dev/null; then echo ROOT-WRITABLE; else echo root-ro; fi
    echo hello >/tmp/f && cat /tmp/f
    cp /bin/busybox /tmp/bb && /tmp/bb true 2>/dev/null && echo TMP-EXEC || echo tmp-noexec
    for d in /run /var/tmp /etc /bin; do touch \$d/w 2>/dev/null && echo WRITABLE-\$d; done
    ls /sys/class/net
    unshare -U true 2>/dev/null && echo USERNS || echo no-userns
    : $marker"
[ "$rc" = 0 ] || fail "inside checks exited $rc: $(cat "$tmp/err")"
want="65534
root-ro
hello
tmp-noexec
lo
no-userns"
[ "$(cat "$tmp/out")" = "$want" ] || fail "inside: got
$(cat "$tmp/out")
expected
$want"

# --- exit codes pass through ---
sbx "$IMG" sh -c "exit 7 # $marker"
[ "$rc" = 7 ] || fail "exit 7 gave $rc"
sbx "$IMG" -- sh -c "echo via-dashes # $marker"
[ "$rc" = 0 ] && [ "$(cat "$tmp/out")" = via-dashes ] || fail "IMAGE -- CMD: $rc $(cat "$tmp/out")"

# --- a fork bomb stops at the pids limit (bounded: 400 at most, timeout as backstop) ---
sbx --timeout 60s "$IMG" sh -c "
    i=0
    while [ \$i -lt 400 ]; do sleep 30 & i=\$((i + 1)); done
    echo spawned \$i # $marker"
grep -q 'spawned 400' "$tmp/out" && fail "400 processes started under a limit of 256"
grep -Eqi "can't fork|resource temporarily unavailable" "$tmp/err" ||
    fail "no fork failure reported: rc=$rc out=$(cat "$tmp/out") err=$(cat "$tmp/err")"

# --- the timeout kills ---
start=$(date +%s)
sbx --timeout 2s "$IMG" sh -c "sleep 3600 # $marker"
took=$(($(date +%s) - start))
[ "$rc" = 124 ] || fail "timeout: exit $rc, expected 124 ($(cat "$tmp/err"))"
grep -q 'ran longer than 2.000s and was killed' "$tmp/err" || fail "timeout message: $(cat "$tmp/err")"
[ "$took" -lt 60 ] || fail "timeout took ${took}s"

# --- mounts: read-only unless :rw ---
mkdir -p "$tmp/ro" "$tmp/rw"
chmod 777 "$tmp/ro" "$tmp/rw"
echo data >"$tmp/ro/in"
sbx --mount "$tmp/ro:/in" --mount "$tmp/rw:/out:rw" "$IMG" sh -c "
    cat /in/in
    touch /in/x 2>/dev/null && echo IN-WRITABLE
    echo result >/out/r && echo wrote # $marker"
[ "$rc" = 0 ] && [ "$(cat "$tmp/out")" = "data
wrote" ] || fail "mounts: rc=$rc $(cat "$tmp/out") $(cat "$tmp/err")"
[ "$(cat "$tmp/rw/r" 2>/dev/null)" = result ] || fail "the :rw mount was not written"
[ -e "$tmp/ro/x" ] && fail "the read-only mount was written"

# --- untrusted needs a VM-isolating backend ---
sbx --tier untrusted "$IMG" sh -c "true # $marker"
[ "$rc" = 125 ] && grep -q 'its own VM' "$tmp/err" || fail "untrusted on podman: $rc $(cat "$tmp/err")"
sbx --tier untrusted --allow-shared-kernel "$IMG" sh -c "echo ok # $marker"
[ "$rc" = 0 ] || fail "untrusted with --allow-shared-kernel: $rc $(cat "$tmp/err")"
sbx --tier isolated "$IMG" sh -c "id -u; ls /sys/class/net # $marker"
[ "$rc" = 0 ] && [ "$(cat "$tmp/out")" = "0
lo" ] || fail "isolated: $rc $(cat "$tmp/out") $(cat "$tmp/err")"

# --- nothing left behind ---
n=$(left)
[ "$n" = 0 ] || fail "$n sandbox containers left: $(podman ps -a --filter label=io.berth.sandbox=1)"

# --- a crashed berth leaves its sandbox: ls finds it, prune removes it ---
timeout 180 $berth sandbox run --timeout 10m "$IMG" sh -c "sleep 600 # $marker-crash" \
    >/dev/null 2>&1 &
bg=$!
name=
i=0
while [ -z "$name" ] && [ $i -lt 600 ]; do
    name=$(podman ps --filter label=io.berth.sandbox=1 --no-trunc --format '{{.Names}} {{.Command}}' |
        grep "$marker-crash" | cut -d' ' -f1)
    [ -n "$name" ] || sleep 0.2
    i=$((i + 1))
done
kill -9 "$bg"
wait "$bg" 2>/dev/null
bg=
if [ -z "$name" ]; then
    fail "the crash sandbox did not start"
else
    timeout 120 $berth sandbox ls -q | grep -qx "$name" || fail "sandbox ls -q misses the leftover $name"
    # running and not yet expired: plain prune keeps it, prune -a removes it
    timeout 120 $berth sandbox prune >"$tmp/prune" || fail "sandbox prune failed"
    grep -qx "$name" "$tmp/prune" && fail "prune removed a sandbox whose time is not up"
    timeout 120 $berth sandbox prune -a >"$tmp/prune" || fail "sandbox prune -a failed"
    grep -qx "$name" "$tmp/prune" || fail "prune -a did not remove $name: $(cat "$tmp/prune")"
    podman container exists "$name" && fail "$name still exists after prune -a"
fi

[ "$fails" = 0 ] || exit 1
echo "sandbox on podman: all checks passed"
