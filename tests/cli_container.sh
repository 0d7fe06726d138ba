#!/bin/sh
# berth container / image without a real runtime:
#  - tables and JSON have the same shape on docker, podman and nerdctl: the real
#    docker-protocol plugin runs fake runtime programs that print the recorded
#    outputs of tests/fixtures/backends/ (BERTH_<FLAVOUR>_BINARY);
#  - the process backend runs an attached container (streams, exit code, --rm);
#  - usage errors exit 2 naming the flag; down --all-projects reports.
: "${BERTH_TEST_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BERTH_TEST_BUILDDIR:=$(pwd)}"
BERTH=$BERTH_TEST_BUILDDIR/cli/berth
FIX=$BERTH_TEST_SRCDIR/tests/fixtures/backends
unset BERTH_BACKEND

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-cli-ctr.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}
expect_in() {
    grep -qF -- "$2" "$1" || { fail "'$2' not in $1:"; sed 's/^/  | /' "$1" >&2; }
}
# expect_rc WANT CMD...: runs CMD (stdout/stderr into $tmp/last.out/.err), checks its exit code.
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

# A fake runtime program for a flavour, answering from its fixture directory.
fake() {
    cat >"$tmp/fake-$1" <<EOF
#!/bin/sh
d='$FIX/$2'
case "\$*" in
  info*) cat "\$d/info.json" ;;
  version*) cat "\$d/version.json" ;;
  'image inspect'*) cat "\$d/image-inspect.json" ;;
  *inspect*fix-web) cat "\$d/container-inspect-running.json" ;;
  *inspect*fix-job) cat "\$d/container-inspect-exited.json" ;;
  *inspect*) echo 'Error: no such container' >&2; exit 125 ;;
  ps*) cat "\$d"/ps.json* ;;
  images*) cat "\$d"/images.json* ;;
  *) echo "fake $1: unexpected: \$*" >&2; exit 1 ;;
esac
EOF
    chmod +x "$tmp/fake-$1"
}

have_plugin=no
[ -n "${BERTH_PLUGIN_PATH:-}" ] && ls "$BERTH_PLUGIN_PATH"/docker.so >/dev/null 2>&1 && have_plugin=yes

if [ "$have_plugin" = yes ] && command -v python3 >/dev/null 2>&1; then
    fake docker docker
    fake podman podman
    fake nerdctl nerdctl
    export BERTH_DOCKER_BINARY=$tmp/fake-docker BERTH_PODMAN_BINARY=$tmp/fake-podman
    export BERTH_NERDCTL_BINARY=$tmp/fake-nerdctl
    for b in docker podman nerdctl; do
        expect_rc 0 "$BERTH" --backend $b container ls -a --format json
        cp "$tmp/last.out" "$tmp/ls-$b.json"
        expect_rc 0 "$BERTH" --backend $b container ls -a
        cp "$tmp/last.out" "$tmp/ls-$b.txt"
    done
    for b in docker podman; do
        expect_rc 0 "$BERTH" --backend $b container inspect fix-job fix-web
        cp "$tmp/last.out" "$tmp/inspect-$b.json"
        expect_rc 0 "$BERTH" --backend $b image ls --format json
        cp "$tmp/last.out" "$tmp/images-$b.json"
        expect_rc 0 "$BERTH" --backend $b image inspect localhost/berth-test/busybox:latest
        cp "$tmp/last.out" "$tmp/image-inspect-$b.json"
    done
    # the same header on every backend
    h1=$(head -n1 "$tmp/ls-docker.txt" | tr -s ' ')
    for b in podman nerdctl; do
        [ "$(head -n1 "$tmp/ls-$b.txt" | tr -s ' ')" = "$h1" ] || fail "table header differs on $b"
    done
    case "$h1" in "CONTAINER ID"*NAMES) ;; *) fail "header: $h1" ;; esac
    python3 - "$tmp" <<'EOF' || fail "JSON shapes differ between backends"
import json, sys, os
t = sys.argv[1]
def lines(name):
    return [json.loads(l) for l in open(os.path.join(t, name)) if l.strip()]
ls = {b: lines("ls-%s.json" % b) for b in ("docker", "podman", "nerdctl")}
keys = {b: {tuple(sorted(o)) for o in rows} for b, rows in ls.items()}
for b in ls:
    assert len(keys[b]) == 1, (b, keys[b])
assert keys["docker"] == keys["podman"] == keys["nerdctl"], keys
# the same container reads the same on docker and podman
def by_name(rows):
    return {r["Names"]: r for r in rows}
d, p = by_name(ls["docker"]), by_name(ls["podman"])
for field in ("Names", "Image", "State", "ExitCode", "Labels"):
    assert d["fix-job"][field] == p["fix-job"][field], (field, d["fix-job"][field], p["fix-job"][field])
assert d["fix-job"]["Status"].startswith("Exited (3) "), d["fix-job"]["Status"]
assert p["fix-job"]["Status"].startswith("Exited (3) "), p["fix-job"]["Status"]
assert d["fix-web"]["Status"].startswith("Up "), d["fix-web"]["Status"]
n = by_name(ls["nerdctl"])
assert n["shop-job-1"]["State"] == "exited" and n["shop-job-1"]["ExitCode"] == 3
assert n["shop-idle-1"]["Status"] == "Created"
# inspect: identical structure (map keys that are data are compared by shape only)
def shape(v, path=""):
    if isinstance(v, dict):
        if path.endswith(("Networks", "Ports", "Labels")):
            return "map"
        return {k: shape(x, path + "." + k) for k, x in v.items()}
    if isinstance(v, list):
        return "list"
    return type(v).__name__
ins = {b: json.load(open(os.path.join(t, "inspect-%s.json" % b))) for b in ("docker", "podman")}
assert len(ins["docker"]) == len(ins["podman"]) == 2
for a, b in zip(ins["docker"], ins["podman"]):
    assert shape(a) == shape(b), (shape(a), shape(b))
    assert a["Name"] == b["Name"]
    assert a["State"]["Status"] == b["State"]["Status"]
    assert a["State"]["ExitCode"] == b["State"]["ExitCode"]
job = ins["docker"][0]
assert job["Name"] == "fix-job" and job["State"]["Status"] == "exited" and job["State"]["ExitCode"] == 3
assert ins["docker"][1]["State"]["FinishedAt"] == "0001-01-01T00:00:00Z"
im = {b: lines("images-%s.json" % b) for b in ("docker", "podman")}
assert {tuple(sorted(o)) for o in im["docker"]} == {tuple(sorted(o)) for o in im["podman"]}
assert im["docker"][0]["Repository"] == im["podman"][0]["Repository"] == "localhost/berth-test/busybox"
ii = {b: json.load(open(os.path.join(t, "image-inspect-%s.json" % b))) for b in ("docker", "podman")}
assert shape(ii["docker"]) == shape(ii["podman"])
assert ii["docker"][0]["Id"].startswith("sha256:") and ii["podman"][0]["Id"].startswith("sha256:")
EOF
    # a missing container: exit 1, the other one still printed
    expect_rc 1 "$BERTH" --backend podman container inspect fix-job nope
    expect_in "$tmp/last.out" '"Name": "fix-job"'
    expect_in "$tmp/last.err" "nope"
    unset BERTH_DOCKER_BINARY BERTH_PODMAN_BINARY BERTH_NERDCTL_BINARY
else
    echo "note: docker-protocol plugin or python3 missing: backend shape checks skipped" >&2
fi

# The process backend: an attached run streams both outputs and exits with the code.
expect_rc 7 "$BERTH" --backend process container run --rm --name p1 any-image \
    sh -c 'echo out-line; echo err-line >&2; exit 7'
expect_in "$tmp/last.out" "out-line"
expect_in "$tmp/last.err" "err-line"
if grep -q err-line "$tmp/last.out"; then fail "stderr line on stdout"; fi
expect_rc 0 "$BERTH" --backend process container run --name p2 -e CAPI_X=hello -w /tmp x \
    sh -c 'echo "$CAPI_X $(pwd)"'
expect_in "$tmp/last.out" "hello /tmp"
# capability selection: an image needs a container runtime, never the process backend
expect_rc 125 "$BERTH" --backend process container run --select-mode accept-partial img true
expect_in "$tmp/last.err" "images is unsupported"
# docker's exit code for a run that cannot start
expect_rc 125 "$BERTH" --backend process container run img /nonexistent/prog
expect_rc 1 "$BERTH" --backend process container inspect nope
expect_in "$tmp/last.out" "[]"
expect_rc 0 "$BERTH" --backend process container ls -a
expect_in "$tmp/last.out" "CONTAINER ID"

# Usage errors: exit 2, naming the flag or the command.
expect_rc 2 "$BERTH" container
expect_rc 2 "$BERTH" container bogus
expect_in "$tmp/last.err" "unknown command 'bogus'"
expect_rc 2 "$BERTH" --backend process container run -p 80:99999 img
expect_in "$tmp/last.err" "-p: invalid port mapping '80:99999'"
expect_rc 2 "$BERTH" --backend process container run -v relative img
expect_in "$tmp/last.err" "-v: invalid volume"
expect_rc 2 "$BERTH" --backend process container run --stop-signal SIGNOPE img
expect_in "$tmp/last.err" "--stop-signal"
expect_rc 2 "$BERTH" --backend process container run --select-mode sometimes img
expect_rc 2 "$BERTH" container logs
expect_rc 2 "$BERTH" container stop -t ten x
expect_rc 2 "$BERTH" container kill -s SIGNOPE x
expect_rc 2 "$BERTH" container ls --format yaml
expect_rc 2 "$BERTH" container ls --filter foo=bar
expect_rc 2 "$BERTH" container exec onlyname
expect_rc 2 "$BERTH" image
expect_rc 2 "$BERTH" image ls --filter dangling=true
expect_rc 2 "$BERTH" image build
expect_rc 0 "$BERTH" container run --help
expect_in "$tmp/last.out" "--read-only"
expect_rc 0 "$BERTH" image --help

# down --all-projects on a backend without projects: an empty report.
expect_rc 0 "$BERTH" --backend process down --all-projects
expect_in "$tmp/last.out" "Projects: none found"
expect_in "$tmp/last.out" "Removed: 0 containers, 0 networks, 0 volumes"
expect_rc 0 "$BERTH" --backend process down --all-projects --format json
expect_in "$tmp/last.out" '{"projects":[],"containers_removed":0,"networks_removed":0,"volumes_removed":0,"errors":[]}'
expect_rc 2 "$BERTH" down --format json
expect_rc 2 "$BERTH" down --all-projects web

if [ "$fails" -gt 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "cli_container: all checks passed"
