#!/usr/bin/env bash
# Runs the unit tests under valgrind (memcheck, leaks are errors). Run from a
# configured build directory (default: the current one) after `make check`.
# Usage: tests/valgrind.sh [TEST ...]   (default: every unit test program)
set -euo pipefail
build=${BERTH_BUILD_DIR:-$(pwd)}
cd "$build"
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  tests=(test_error test_timer test_engine test_linebuf test_proc test_interp test_dotenv
         test_yaml test_plugins test_process_driver test_engine_fake)
fi
export BERTH_TEST_SRCDIR=${BERTH_TEST_SRCDIR:-$(sed -n 's/^abs_top_srcdir = //p' Makefile)}
export BERTH_TEST_BUILDDIR=$build
export BERTH_PLUGIN_PATH=$build/backends/.libs
export BERTH_UNDER_VALGRIND=1
fail=0
for t in "${tests[@]}"; do
  [ -x "tests/$t" ] || { echo "valgrind: tests/$t not built, skipped"; continue; }
  if ./libtool --mode=execute valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
      --error-exitcode=99 --trace-children=no "tests/$t" >"tests/$t.valgrind.log" 2>&1; then
    echo "PASS: valgrind $t"
  else
    echo "FAIL: valgrind $t (tests/$t.valgrind.log)"; tail -30 "tests/$t.valgrind.log"; fail=$((fail + 1))
  fi
done
echo "valgrind: $fail failed"
[ $fail -eq 0 ]
