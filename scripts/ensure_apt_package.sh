#!/usr/bin/env bash
# Installs a Debian package the tests need when its program is missing: as root with apt-get, saying so first.
# MODELSYNC_NO_APT=1 never installs anything; the tests that need the program then skip, or fail in CI (CI=true).
# Usage: ensure_apt_package.sh PROGRAM PACKAGE WHAT-FOR, e.g. ensure_apt_package.sh /usr/bin/chromium chromium "the browser tests"
set -euo pipefail
program=$1 package=$2 purpose=$3
command -v "$program" >/dev/null && exit 0
if [ "${MODELSYNC_NO_APT:-0}" = 1 ]; then
  echo "$package is missing and MODELSYNC_NO_APT=1: not installing it; $purpose will skip (fail when CI=true)." >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "$package is missing: run 'sudo apt-get install $package' for $purpose." >&2
  exit 0
fi
echo "Installing Debian's $package for $purpose: apt-get install as root (MODELSYNC_NO_APT=1 skips this)..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
