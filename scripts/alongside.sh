#!/usr/bin/env bash
# Runs a compile and an install side by side: `scripts/alongside.sh "COMPILE" INSTALL...`.
# Compiling wt (or its tests) needs none of the tools the installers fetch, and the installers
# spend much of their time waiting on the network, so on a fresh machine running them together
# saves most of the installers' time. The compile's output is printed when both are done; the
# script fails if either failed.
set -euo pipefail
compile="$1"
shift
log="$(mktemp "${TMPDIR:-/tmp}/wt-compile.XXXXXX")"
trap 'rm -f "$log"' EXIT
echo "alongside the installs: $compile"
bash -c "$compile" >"$log" 2>&1 &
compiling=$!
installed=0
"$@" || installed=$?
compiled=0
wait "$compiling" || compiled=$?
cat "$log"
if [ "$compiled" -ne 0 ]; then
  echo "failed: $compile" >&2
  exit "$compiled"
fi
exit "$installed"
