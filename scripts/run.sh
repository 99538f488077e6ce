#!/usr/bin/env bash
# Installs what is missing, builds, and runs chronond in the foreground on the embedded default
# configuration (examples/chronon.conf: socket backend, local stratum 10, loopback clients).
# Extra arguments go to chronond (e.g. -f another.conf).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
bash scripts/install-deps.sh
bash scripts/build.sh
build=${BUILD_DIR:-build}
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-f examples/chronon.conf)
echo "Starting chronond (Ctrl-C stops it). From another terminal:"
echo "    ntpdig 127.0.0.1                          # one query, prints the offset"
echo "    chronyd -Q -t 5 'server 127.0.0.1 iburst' # chronyd as a client, clock untouched"
echo "    $build/chronon dataplane                  # requests, replies, drops"
exec $SUDO "$build/chronond" -d -x "${args[@]}"
