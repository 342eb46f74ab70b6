#!/usr/bin/env bash
# Installs Debian's wrk for the list-endpoint benchmark when it is missing (root only; otherwise says how).
set -euo pipefail
command -v wrk >/dev/null && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "wrk is missing: run 'sudo apt-get install wrk' for the list-endpoint benchmark." >&2
  exit 0
fi
echo "Installing Debian's wrk for the list-endpoint benchmark..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
