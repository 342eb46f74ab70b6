#!/usr/bin/env bash
# Installs a Debian package the tests need when its program is missing (root only; otherwise says how).
# Usage: ensure_apt_package.sh PROGRAM PACKAGE WHAT-FOR, e.g. ensure_apt_package.sh /usr/bin/chromium chromium "the browser tests"
set -euo pipefail
program=$1 package=$2 purpose=$3
command -v "$program" >/dev/null && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "$package is missing: run 'sudo apt-get install $package' for $purpose." >&2
  exit 0
fi
echo "Installing Debian's $package for $purpose..."
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
