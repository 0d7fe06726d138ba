#!/usr/bin/env bash
# Builds the libFuzzer targets in a private clone (clang, ASan+UBSan) and runs
# each for a bounded time. Usage: fuzz/run.sh [TOTAL_SECONDS]   (default 60)
# Needs: clang and libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev).
set -euo pipefail
total=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
command -v clang >/dev/null || { echo "fuzz: clang not installed (apt-get install clang libclang-rt-14-dev)"; exit 1; }
work=$(mktemp -d /tmp/berth-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
git -C "$src" ls-files -z | (cd "$src" && tar --null -T - -cf -) | (mkdir -p "$work/src" && tar -xf - -C "$work/src")
# Uncommitted local files count too when run by hand from a work tree.
cp -r "$src/fuzz" "$work/src/" 2>/dev/null || true
cd "$work/src"
./autogen.sh >/dev/null 2>&1
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
CC=clang CFLAGS="$flags" ./configure -q --disable-shared >/dev/null 2>&1 || { echo "fuzz: configure failed"; exit 1; }
make -j2 libberth-internal.la >/dev/null
deps=$(pkg-config --libs libevent_core yaml-0.1 jansson libcrypto)
inc="-Iinclude -I. -DBERTH_BUILDING"
for t in loader interp; do
  clang -g -O1 -fsanitize=fuzzer,address,undefined $inc "fuzz/fuzz_$t.c" \
    .libs/libberth-internal.a $deps -ldl -o "fuzz-$t"
done
# Seeds: the project's own compose fixtures.
mkdir -p corpus-loader corpus-interp
find tests/fixtures examples -name '*.y*ml' -size -64k -exec cp {} corpus-loader/ \; 2>/dev/null || true
cp fuzz/corpus/loader/* corpus-loader/ 2>/dev/null || true
half=$(( total * 2 / 3 ))
rest=$(( total - half ))
status=0
export ASAN_OPTIONS=detect_leaks=1
UBSAN_OPTIONS=print_stacktrace=1 ./fuzz-loader -max_total_time="$half" -max_len=16384 -timeout=10 \
  -rss_limit_mb=2048 corpus-loader 2>fuzz-loader.log || status=1
UBSAN_OPTIONS=print_stacktrace=1 ./fuzz-interp -max_total_time="$rest" -max_len=4096 -timeout=10 \
  corpus-interp 2>fuzz-interp.log || status=1
for t in loader interp; do
  echo "fuzz $t: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second|#[0-9]+ +DONE.*|stat::number_of_executed_units: [0-9]+' fuzz-$t.log | tail -1)"
  if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' fuzz-$t.log; then
    status=1
    grep -E -A30 'ERROR: |runtime error:' fuzz-$t.log | head -60
  fi
done
[ $status -eq 0 ] && echo "fuzz: no crash, leak or UB in ${total}s" || echo "fuzz: FAILED"
exit $status
