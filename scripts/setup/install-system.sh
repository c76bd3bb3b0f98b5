#!/usr/bin/env bash
# Installs what the workbench needs from Debian's packages and mounts tracefs.
# Safe to run again: it installs only what is missing.
#   scripts/setup/install-system.sh            bpftrace (for the local agent)
#   scripts/setup/install-system.sh --tests    also Chromium, bpftool, docker-compose and Prometheus (for the test suite;
#                                              the prometheus package's own service is stopped and disabled: tests start their own)
set -euo pipefail

packages=(bpftrace util-linux python3)
[[ "${1:-}" == "--tests" ]] && packages+=(chromium bpftool docker-compose prometheus)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    echo "install these Debian packages as root first: ${missing[*]}" >&2
    exit 1
  fi
  echo "[setup] installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Where systemd runs, the prometheus package starts a system-wide instance on
  # :9090. Nothing here uses it (the tests start their own on a free port with a
  # temporary config), so one this script just installed is stopped again.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && [[ -d /run/systemd/system ]]; then
    systemctl disable --now prometheus || true
  fi
fi

# bpftrace finds tracepoints through tracefs; some machines boot without it mounted.
if [[ $EUID -eq 0 ]] && [[ -z "$(ls -A /sys/kernel/tracing 2>/dev/null)" ]]; then
  echo "[setup] mounting tracefs on /sys/kernel/tracing"
  mount -t tracefs tracefs /sys/kernel/tracing
fi
