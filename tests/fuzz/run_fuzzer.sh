#!/usr/bin/env bash
# Runs one libFuzzer target for FUZZ_SECONDS (default 30) over a copy of its seed corpus.
set -euo pipefail
target=$(realpath "$1")
corpus=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/ 2>/dev/null || true
cd "$(dirname "$target")"
exec "$target" -max_total_time="${FUZZ_SECONDS:-30}" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work"
