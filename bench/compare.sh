#!/usr/bin/env bash
# One command for the side-by-side benchmark: builds chronon (release, LTO) into build-bench
# unless --build is given, then runs bench/compare.py as root with the arguments given
# (--quick for a smoke run; see bench/compare.py --help). Writes bench/RESULTS.md's compare
# section, bench/compare.png and bench/compare.json.
set -euo pipefail
cd "$(dirname "$0")/.."
have_build=no
for arg in "$@"; do
  case "$arg" in --build|--build=*) have_build=yes ;; esac
done
if [ "$have_build" = no ]; then
  [ -f build-bench/build.ninja ] || meson setup build-bench -Dbuildtype=release -Db_lto=true -Dtests=false
  ninja -C build-bench
  set -- --build build-bench "$@"
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
exec $SUDO python3 bench/compare.py "$@"
