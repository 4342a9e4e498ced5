#!/usr/bin/env bash
# Installs what the launchpad's tests and bundle rebuild need: the npm packages pinned by
# ui/package-lock.json (react, react-jsonschema-form, esbuild, playwright-core; `npm ci`, from
# the npm registry) and Debian's chromium. Skips `npm ci` when node_modules matches the lock.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/scripts/install-chromium.sh"
cd "$here/ui"
if ! command -v npm >/dev/null 2>&1; then
  echo "install-ui-tools.sh: npm is missing; install Node.js 20 (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.wt-lock-digest
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
