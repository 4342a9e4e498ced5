#!/usr/bin/env bash
# Installs Debian's chromium for the launchpad's browser tests, which drive a real headless
# Chromium against `wt serve` on 127.0.0.1. Does nothing when `chromium` is already on PATH.
# Needs root, as CI and the developer machines are.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium.sh: chromium is missing and installing it needs root: run 'sudo $0'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-liberation; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-chromium.sh: could not install chromium with apt-get (output above)" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"
echo "installed $(chromium --version 2>/dev/null)"
