#!/usr/bin/env bash
# Times a newcomer's first loop: `make demo`, then `make test`, on a clean clone of this
# checkout with an empty cargo home (every crate downloaded and compiled) and empty pip, uv and
# npm download caches (every PyPI and npm package fetched again). Debian packages (chromium,
# nginx) and the Rust toolchain are taken as installed. Prints the two wall times and their sum;
# the logs (kept with --keep) give each line's time since its command started.
#
#   scripts/first-loop.sh [--keep] [--rev REV]
#     --keep      leave the clone, its caches and the two logs for inspection
#     --rev REV   measure commit REV instead of HEAD (e.g. to compare with an older one)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
keep=false
rev=HEAD
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=true ;;
    --rev) rev="$2"; shift ;;
    *) echo "usage: $0 [--keep] [--rev REV]" >&2; exit 2 ;;
  esac
  shift
done
work="$(mktemp -d "${TMPDIR:-/tmp}/wt-first-loop.XXXXXX")"
cleanup() { $keep || rm -rf "$work"; }
trap cleanup EXIT
git clone --quiet "$root" "$work/wt"
git -C "$work/wt" checkout --quiet --detach "$(git -C "$root" rev-parse "$rev")"
export CARGO_HOME="$work/cargo-home"
export XDG_CACHE_HOME="$work/cache"      # pip's and uv's download caches
export npm_config_cache="$work/npm-cache"
unset CARGO_TARGET_DIR WT_CACHE_DIR
mkdir -p "$CARGO_HOME"
# rustup's proxies (cargo, rustc) stay on PATH; the toolchain lives in RUSTUP_HOME.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
cd "$work/wt"
# Each line of a log starts with the seconds since its command started: where the time goes.
stamped() {
  python3 -u -c '
import sys, time
start = time.monotonic()
for line in sys.stdin:
    sys.stdout.write(f"{time.monotonic() - start:7.1f} {line}")'
}
timed() {
  local name="$1" log="$work/$1.log" start end
  start=$(date +%s.%N)
  if ! make "$name" 2>&1 | stamped >"$log"; then
    echo "make $name failed; its output: $log" >&2
    keep=true
    exit 1
  fi
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.0f}')"
}
demo=$(timed demo)
test=$(timed test)
fmt() { printf '%dm %02ds' $(($1 / 60)) $(($1 % 60)); }
echo "make demo: $(fmt "$demo")"
echo "make test: $(fmt "$test")"
echo "together:  $(fmt $((demo + test)))  ($(nproc) cores, $(git -C "$work/wt" rev-parse --short HEAD))"
