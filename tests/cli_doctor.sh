#!/bin/sh
# berth doctor: with no runtime on PATH it prints the install command for the
# platform (from os-release) and exits 1; the process backend alone is not
# enough; an installed runtime that does not answer is explained; a runtime
# that answers makes it exit 0. PATH is restricted to a private directory.
: "${BERTH_TEST_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BERTH_TEST_BUILDDIR:=$(pwd)}"
BERTH=$BERTH_TEST_BUILDDIR/cli/berth
FIX=$BERTH_TEST_SRCDIR/tests/fixtures/backends

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-doctor.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/empty" "$tmp/fake"
fails=0

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# expect_in FILE TEXT: the file contains TEXT (fixed string).
expect_in() {
    grep -qF -- "$2" "$1" || { fail "'$2' not in output:"; sed 's/^/  | /' "$1" >&2; }
}

# doctor OUT [ARGS...]: runs doctor with the restricted PATH, stdout+stderr into OUT; echoes rc.
doctor() {
    _out=$1
    shift
    env -u BERTH_BACKEND PATH="$DOCTOR_PATH" BERTH_PROBE_TIMEOUT=20s \
        "$BERTH" "$@" doctor ${DOCTOR_ARGS:-} >"$_out" 2>&1
    echo $?
}

cat >"$tmp/debian" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
ID=debian
EOF
cat >"$tmp/ubuntu" <<'EOF'
PRETTY_NAME="Ubuntu 24.04 LTS"
ID=ubuntu
ID_LIKE=debian
EOF
cat >"$tmp/rocky" <<'EOF'
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
EOF
cat >"$tmp/fedora" <<'EOF'
PRETTY_NAME="Fedora Linux 40"
ID=fedora
EOF
cat >"$tmp/unknown" <<'EOF'
PRETTY_NAME="Somewhere OS"
ID=somewhere
EOF

# 1. Nothing on PATH (Debian): the apt-get command, exit 1, the process note.
DOCTOR_PATH=$tmp/empty
export BERTH_OS_RELEASE=$tmp/debian
rc=$(doctor "$tmp/out1")
[ "$rc" = 1 ] || fail "no runtime: exit $rc, want 1"
expect_in "$tmp/out1" "Verdict: no container runtime is usable."
expect_in "$tmp/out1" "sudo apt-get install -y podman"
expect_in "$tmp/out1" "does not count as a container runtime"
expect_in "$tmp/out1" "Debian GNU/Linux 12 (bookworm)"
expect_in "$tmp/out1" "Plugin search path:"
expect_in "$tmp/out1" "Capabilities"
grep -q '^podman .* no .* no ' "$tmp/out1" || fail "podman row should say not on PATH, not live"
grep -q '^process .* yes ' "$tmp/out1" || fail "process row should be live"
expect_in "$tmp/out1" "Choice: process"

# 2. Other platforms get their own command.
BERTH_OS_RELEASE=$tmp/ubuntu
rc=$(doctor "$tmp/out2")
expect_in "$tmp/out2" "sudo apt-get install -y podman"
BERTH_OS_RELEASE=$tmp/rocky
rc=$(doctor "$tmp/out3")
[ "$rc" = 1 ] || fail "rocky: exit $rc"
expect_in "$tmp/out3" "sudo dnf install -y podman"
BERTH_OS_RELEASE=$tmp/fedora
rc=$(doctor "$tmp/out4")
expect_in "$tmp/out4" "sudo dnf install -y podman"
BERTH_OS_RELEASE=$tmp/unknown
rc=$(doctor "$tmp/out5")
[ "$rc" = 1 ] || fail "unknown distribution: exit $rc"
expect_in "$tmp/out5" "https://podman.io/docs/installation"

# 3. JSON: the same facts, machine-readable.
BERTH_OS_RELEASE=$tmp/debian
DOCTOR_ARGS="--format json"
rc=$(doctor "$tmp/out6")
DOCTOR_ARGS=
[ "$rc" = 1 ] || fail "json: exit $rc"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/out6" <<'EOF' || fail "json report"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False, d["ok"]
assert d["install"] == ["sudo apt-get install -y podman"], d["install"]
assert d["container_runtime"] is None
assert d["chosen"] == "process", d["chosen"]
names = [b["name"] for b in d["backends"]]
assert names[-1] == "process" and "podman" in names, names
proc = d["backends"][-1]
assert proc["available"] and not proc["container_runtime"]
assert proc["capabilities"]["images"] == "unsupported"
pod = [b for b in d["backends"] if b["name"] == "podman"][0]
assert pod["program"] == "podman" and pod["program_path"] is None and not pod["available"]
assert "does not count" in d["note"]
assert isinstance(d["plugin_dirs"], list) and d["plugin_dirs"]
EOF
else
    expect_in "$tmp/out6" '"ok": false'
fi

# 4. The process backend alone (--backend process) is still "no container runtime".
rc=$(doctor "$tmp/out7" --backend process)
[ "$rc" = 1 ] || fail "--backend process: exit $rc, want 1"
expect_in "$tmp/out7" "sudo apt-get install -y podman"

# 5. podman installed but not answering: explained, with the install command.
cat >"$tmp/fake/podman" <<'EOF'
#!/bin/sh
echo "Error: cannot connect to Podman: the service is down" >&2
exit 125
EOF
chmod +x "$tmp/fake/podman"
DOCTOR_PATH=$tmp/fake
rc=$(doctor "$tmp/out8")
[ "$rc" = 1 ] || fail "broken podman: exit $rc"
expect_in "$tmp/out8" "podman is installed ($tmp/fake/podman) but did not answer"
expect_in "$tmp/out8" "the service is down"

# 6. podman that answers (the driver's probe reads `podman version`, then lists
#    nothing with `podman ps`): usable, exit 0.
if [ -n "${BERTH_PLUGIN_PATH:-}" ] && [ -f "$FIX/podman/version.json" ]; then
    catbin=$(command -v cat)
    cat >"$tmp/fake/podman" <<EOF
#!/bin/sh
case "\$*" in
  version*) exec '$catbin' '$FIX/podman/version.json' ;;
  ps*) exit 0 ;;
  *) exit 1 ;;
esac
EOF
    chmod +x "$tmp/fake/podman"
    rc=$(doctor "$tmp/out9")
    [ "$rc" = 0 ] || fail "answering podman: exit $rc"
    expect_in "$tmp/out9" "Verdict: OK, container runtime 'podman' is usable."
    expect_in "$tmp/out9" "Choice: podman (chosen: first in priority order)"
    if grep -qF "apt-get install" "$tmp/out9"; then fail "install hint shown with a usable runtime"; fi
fi

# 7. Usage errors exit 2.
"$BERTH" doctor --bogus >"$tmp/out10" 2>&1
rc=$?
[ "$rc" = 2 ] || fail "unknown flag: exit $rc"
expect_in "$tmp/out10" "unknown flag"
"$BERTH" doctor --format yaml >"$tmp/out11" 2>&1
[ $? = 2 ] || fail "bad --format accepted"

if [ "$fails" -gt 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "cli_doctor: all checks passed"
