#!/bin/sh
# Runs the spawn benchmark of an existing build: bench/spawn.sh BUILDDIR [spawn-bench options]
# (builds nothing; `make` in BUILDDIR builds bench/spawn-bench).
set -e
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILDDIR [-n children] [-j parallel] [-r repeats] [-c command]" >&2
    exit 2
fi
builddir=$1
shift
prog="$builddir/bench/spawn-bench"
if [ ! -x "$prog" ]; then
    echo "$0: $prog not found: run 'make' in $builddir first" >&2
    exit 1
fi
command -v xargs >/dev/null 2>&1 || { echo "$0: xargs not found" >&2; exit 1; }
exec "$prog" "$@"
