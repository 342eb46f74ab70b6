#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (root only; otherwise says how).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing: run 'sudo apt-get install chromium' for the browser tests." >&2
  exit 0
fi
echo "Installing Debian's chromium for the browser tests..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
