#!/bin/sh
# Usage: bench/backend-overhead.sh BUILDDIR [N] [RUNS]
#
# Creates, starts and removes N containers (default 20) one at a time, RUNS
# times (default 5) each way, alternating: through berth's podman driver
# (bench/backend-overhead) and as the same podman commands from a shell loop.
# Prints both median wall times, their ratio and berth's extra cost in %
# (target: at most 5 %). Needs podman; uses tests/lib/podman-env.sh for the
# containers.conf and the offline busybox image.
set -u
builddir=${1:?usage: backend-overhead.sh BUILDDIR [N] [RUNS]}
n=${2:-20}
runs=${3:-5}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$srcdir/tests/lib/podman-env.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench.XXXXXX") || exit 1
run_id=$$
trap 'podman rm --force --filter label=berth.bench=$run_id >/dev/null 2>&1; rm -rf "$tmp"' EXIT
berth_podman_env "$tmp/conf" || exit $?
prog=$builddir/bench/backend-overhead
[ -x "$prog" ] || { echo "build it first: make -C $builddir bench/backend-overhead backends/docker.la" >&2; exit 1; }
plugdir=$builddir/backends/.libs

now_ms() { date +%s%3N; }

# The shell loop: exactly the commands the driver runs for the same spec.
shell_run() {
    t0=$(now_ms)
    i=0
    while [ $i -lt "$n" ]; do
        name=berth-bench-$run_id-sh-$i
        podman create --name="$name" --restart=no --label=berth.bench=$run_id --stop-timeout=0 \
            -- "$BERTH_TEST_IMAGE" sleep 300 >/dev/null || exit 1
        podman start -- "$name" >/dev/null || exit 1
        podman rm --force -- "$name" >/dev/null || exit 1
        i=$((i + 1))
    done
    echo $(( $(now_ms) - t0 ))
}

# One warm-up of each (image and storage caches), not counted.
"$prog" "$plugdir" "$BERTH_TEST_IMAGE" 2 "berth-bench-$run_id-warm" "$run_id" >/dev/null || exit 1
n_saved=$n; n=2; shell_run >/dev/null; n=$n_saved

r=0
while [ $r -lt "$runs" ]; do
    out=$("$prog" "$plugdir" "$BERTH_TEST_IMAGE" "$n" "berth-bench-$run_id-b$r" "$run_id") || exit 1
    b=${out% *}
    cpu=${out#* }
    s=$(shell_run) || exit 1
    echo "run $((r + 1)): berth ${b} ms (its own CPU ${cpu} ms), shell ${s} ms" >&2
    echo "$b" >>"$tmp/berth"
    echo "$cpu" >>"$tmp/cpu"
    echo "$s" >>"$tmp/shell"
    r=$((r + 1))
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mb=$(median "$tmp/berth")
ms=$(median "$tmp/shell")
mc=$(median "$tmp/cpu")
awk -v b="$mb" -v s="$ms" -v c="$mc" -v n="$n" -v runs="$runs" 'BEGIN {
    printf "backend-overhead: %d x (create + start + rm), median of %d runs\n", n, runs
    printf "  berth podman driver: %8.0f ms (%.1f ms per container)\n", b, b / n
    printf "  podman shell loop:   %8.0f ms (%.1f ms per container)\n", s, s / n
    printf "  ratio %.3f, berth extra %+.1f %% (target <= 5 %%)\n", b / s, (b / s - 1) * 100
    printf "  berth process CPU: %.1f ms (%.2f ms per container, %.2f %% of the shell loop wall time)\n", c, c / n, c / s * 100
}'
