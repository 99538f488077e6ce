#!/usr/bin/env bash
# Configures (once) and builds chronon with meson into BUILD_DIR (default: build/).
# Without arguments the build is what a server should run: optimised, with link-time
# optimisation, without the test programs (scripts/test.sh builds its own trees). Arguments
# replace those options, e.g. scripts/build.sh -Dbuildtype=debug.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-Dbuildtype=release -Db_lto=true -Dtests=false)
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "${args[@]}"
fi
ninja -C "$build"
