#!/usr/bin/env bash
# Sourced by the install-*.sh scripts: `apt_install WHAT PKG...` installs Debian packages
# quietly (output shown only on failure), refusing clearly when not root.
apt_install() {
  local what="$1"
  shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-$what.sh: $what is missing and installing it needs root: run 'sudo $0'" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local log
  log="$(mktemp)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-$what.sh: could not install $what with apt-get (output above)" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}
