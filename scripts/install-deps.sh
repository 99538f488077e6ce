#!/usr/bin/env bash
# Installs every Debian 12 package that chronon's build and test suite need. Idempotent.
# chrony is installed without starting its service (policy-rc.d exits 101 during the install).
set -euo pipefail

pkgs=(meson ninja-build g++ clang llvm pkg-config
      libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
      libcap-dev libseccomp-dev libbpf-dev libxdp-dev xdp-tools bpftool libdpdk-dev dpdk
      chrony ntpsec-ntpdig iproute2 iputils-ping ethtool python3 procps
      curl python3-prometheus-client python3-matplotlib
      dpkg-dev debhelper pandoc man-db libcap2-bin lintian)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ $had_policy -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
fi
cleanup() { [ $had_policy -eq 1 ] || $SUDO rm -f "$policy"; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# chronyd must never run as a service on a machine that runs chronon's tests or serves with chronon.
$SUDO systemctl disable --now chrony >/dev/null 2>&1 || true
