#!/bin/sh
# Ctrl-C semantics of a foreground `berth up` through a real terminal (tmux):
# the first Ctrl-C stops gracefully (a service ignoring SIGTERM is killed after
# its stop_grace_period), a second Ctrl-C kills at once; the exit code is 130
# and nothing is left running. Also checks coloured log prefixes on a terminal.
# Waiting is event-driven: services announce themselves through FIFOs and the
# shell in the pane signals the end with `tmux wait-for`.
. "${BERTH_TEST_SRCDIR:-$(dirname "$0")/..}/tests/cli_lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed (apt-get install tmux)" >&2
    exit 77
fi
export BERTH_BACKEND=process
cd "$T" || exit 99
mkdir pids
SOCK=berth-cli-test-$$
TMUX_CMD="tmux -L $SOCK -f /dev/null"
on_exit "$TMUX_CMD kill-server 2>/dev/null"
unset TMUX

# starts `berth -f FILE up` in a fresh tmux session NAME (a real terminal)
start_up() {
    $TMUX_CMD new-session -d -s "$1" -x 160 -y 50 \
        "cd '$T' && GRACE='${GRACE:-1s}' TERM=xterm-256color '$BERTH' -f '$2' up; echo \$? > '$T/$1.rc'; $TMUX_CMD wait-for -S '$1-done'; sleep 600"
}

# waits until the shell in session NAME signalled that berth ended
await_done() {
    timeout "${2:-60}" $TMUX_CMD wait-for "$1-done" || {
        $TMUX_CMD capture-pane -p -t "$1" >&2
        fail "berth in $1 did not end"
    }
}

cat >stop.yaml <<'YAML'
name: clitmux
services:
  stubborn:
    image: none
    command: ["sh", "-c", "trap 'echo got-term > termed' TERM; echo $$$$ > pids/stubborn; echo up > ready; while :; do sleep 1; done"]
    stop_grace_period: ${GRACE:-1s}
  plain:
    image: none
    command: ["sh", "-c", "echo $$$$ > pids/plain; echo plain says hello; exec sleep 1000"]
    depends_on: [stubborn]
YAML
mkfifo ready termed

# --- first Ctrl-C: graceful; the stubborn service is killed after 1s ---------
start_up graceful stop.yaml
await_fifo ready
$TMUX_CMD send-keys -t graceful C-c
await_fifo termed 30
await_done graceful
$TMUX_CMD capture-pane -p -e -t graceful >"$T/graceful.pane"
[ "$(cat graceful.rc)" = 130 ] || fail "first Ctrl-C: exit $(cat graceful.rc), want 130"
contains "$T/graceful.pane" "Gracefully stopping... (press Ctrl+C again to force)"
contains "$T/graceful.pane" "Container clitmux-stubborn-1  Stopped"
# reverse dependency order: plain (the dependent) stops before stubborn
l_plain=$(grep -n "Container clitmux-plain-1  Stopped" "$T/graceful.pane" | cut -d: -f1)
l_stub=$(grep -n "Container clitmux-stubborn-1  Stopped" "$T/graceful.pane" | cut -d: -f1)
[ -n "$l_plain" ] && [ "$l_plain" -lt "$l_stub" ] || fail "plain should stop before stubborn"
# a terminal gets colours: the prefix is wrapped in an SGR sequence
grep -q "$(printf '\033')\[[0-9;]*mplain-1 *|" "$T/graceful.pane" ||
    grep -q "$(printf '\033')\[[0-9;]*mstubborn-1 *|" "$T/graceful.pane" ||
    { cat -v "$T/graceful.pane" >&2; fail "no coloured prefix on a terminal"; }
dead pids/stubborn
dead pids/plain
ok "first Ctrl-C: graceful stop in reverse order, exit 130, nothing left"

# --- second Ctrl-C: forced; a 120s grace period is cut short ----------------
rm -f pids/*
GRACE=120s
export GRACE
start_up forced stop.yaml
await_fifo ready
$TMUX_CMD send-keys -t forced C-c
await_fifo termed 30 # berth sent SIGTERM: the graceful stop is under way
start=$(date +%s)
$TMUX_CMD send-keys -t forced C-c
await_done forced 30
elapsed=$(($(date +%s) - start))
$TMUX_CMD capture-pane -p -t forced >"$T/forced.pane"
[ "$(cat forced.rc)" = 130 ] || fail "second Ctrl-C: exit $(cat forced.rc), want 130"
[ "$elapsed" -lt 30 ] || fail "second Ctrl-C took ${elapsed}s: the grace period was not cut"
contains "$T/forced.pane" "Gracefully stopping..."
dead pids/stubborn
dead pids/plain
ok "second Ctrl-C: killed at once (${elapsed}s), exit 130, nothing left"
