#!/usr/bin/env bash
# Installs Debian's chromium for the launchpad's browser tests, which drive a real headless
# Chromium against `wt serve` on 127.0.0.1. Does nothing when `chromium` is already on PATH.
# Needs root, as CI and the developer machines are.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
. "$(dirname "$0")/apt-install.sh"
apt_install chromium chromium fonts-liberation
echo "installed $(chromium --version 2>/dev/null)"
