# Helpers for the CLI's end-to-end shell tests (sourced by tests/cli_*.sh,
# not a test itself). Sets BERTH (the binary), T (a scratch directory removed
# at exit) and the assertion helpers below.

: "${BERTH_TEST_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BERTH_TEST_BUILDDIR:=$(pwd)}"
BERTH=${BERTH:-$BERTH_TEST_BUILDDIR/cli/berth}
T=$(mktemp -d "${TMPDIR:-/tmp}/berth-cli.XXXXXX") || exit 99
CLI_CLEANUP=
export NO_COLOR=

# Runs the registered clean-up commands, then removes the scratch directory.
cli_exit() {
    _rc=$?
    eval "$CLI_CLEANUP"
    if [ "$_rc" -eq 0 ] || [ -z "${BERTH_KEEP_TEST_DIR:-}" ]; then
        rm -rf "$T"
    else
        echo "scratch directory kept: $T" >&2
    fi
    exit "$_rc"
}
trap cli_exit EXIT
trap 'exit 99' HUP INT TERM

# Registers a command run at exit (before the scratch directory goes).
on_exit() {
    CLI_CLEANUP="$1; $CLI_CLEANUP"
}

# Fails the test with a message.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Prints an ok line.
ok() {
    echo "ok - $*"
}

# expect_rc WANT CMD...: runs CMD (stdout to $T/out, stderr to $T/err) and checks its exit code.
expect_rc() {
    _want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    _rc=$?
    if [ "$_rc" -ne "$_want" ]; then
        echo "--- stdout:" >&2
        cat "$T/out" >&2
        echo "--- stderr:" >&2
        cat "$T/err" >&2
        fail "expected exit $_want, got $_rc: $*"
    fi
}

# contains FILE TEXT: FILE has a line containing TEXT (fixed string).
contains() {
    grep -qF -- "$2" "$1" || {
        echo "--- $1:" >&2
        cat "$1" >&2
        fail "'$2' not found in $1"
    }
}

# lacks FILE TEXT: FILE has no line containing TEXT.
lacks() {
    if grep -qF -- "$2" "$1"; then
        echo "--- $1:" >&2
        cat "$1" >&2
        fail "'$2' unexpectedly found in $1"
    fi
}

# dead PIDFILE: the process whose pid is in PIDFILE no longer exists.
dead() {
    [ -s "$1" ] || fail "no pid file $1 (the service never started)"
    _pid=$(cat "$1")
    if kill -0 "$_pid" 2>/dev/null; then
        fail "process $_pid ($1) is still running"
    fi
}

# await_fifo FIFO [SECONDS]: blocks until a writer opens FIFO and writes a line (event-driven).
await_fifo() {
    timeout "${2:-60}" sh -c 'read -r _line < "$1"' sh "$1" || fail "nothing arrived on $1"
}
