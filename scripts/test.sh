#!/usr/bin/env bash
# Installs, builds and runs the whole test suite; exits non-zero on any failure.
#   1. gcc build (warnings are errors) and `meson test` over every suite;
#   2. an ASan/UBSan build running the unit tests;
#   3. a clang build of the libFuzzer targets, each run for FUZZ_SECONDS (default 30).
# Set QUICK=1 to run only step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

echo "== build (gcc, -Werror) and meson test"
[ -f build-ci/build.ninja ] || meson setup build-ci -Dwerror=true
ninja -C build-ci
meson test -C build-ci --print-errorlogs --num-processes 1

if [ "${QUICK:-0}" = 1 ]; then exit 0; fi

echo "== unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
[ -f build-asan/build.ninja ] || meson setup build-asan -Dwerror=true \
  -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
ninja -C build-asan
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --suite unit --print-errorlogs

echo "== fuzz targets (clang, libFuzzer, ${FUZZ_SECONDS:-30} s each)"
[ -f build-fuzz/build.ninja ] || CXX=clang++ CC=clang meson setup build-fuzz -Dfuzz=true \
  -Dtests=true -Db_lundef=false
ninja -C build-fuzz
meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 1
echo "== all tests passed"
