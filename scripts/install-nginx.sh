#!/usr/bin/env bash
# Installs nginx (Debian's package) for the remote-cache tests, which run a real WebDAV server
# on 127.0.0.1. Does nothing when `nginx` is already on PATH (or in /usr/sbin). Needs root, as
# CI and the developer machines are. The test starts its own nginx with a generated config; the
# package's system service is neither needed nor started.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
if command -v nginx >/dev/null 2>&1; then
  exit 0
fi
. "$(dirname "$0")/apt-install.sh"
# Keep the package's service from starting (a policy-rc.d that denies every start) while
# installing: the tests run their own nginx on a free port.
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ "$had_policy" -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt_install nginx nginx
echo "installed $(nginx -v 2>&1)"
