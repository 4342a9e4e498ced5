#!/usr/bin/env bash
# The test suite, as `make test` runs it: installs the tests' tools (`make test-tools`) while it
# builds the test binaries in the release profile (the one `make build` compiles, so nothing is
# compiled twice): the library's unit tests and the integration suite (tests/main.rs, one
# binary). Then runs them side by side, the suite with
# WT_TEST_THREADS tests at a time (default 4): most of a test's time is spent waiting on the
# processes it drives (uv, Python, Airflow, chromium), so four tests keep two cores busy where
# two leave them idle. Each binary's output is printed whole when it ends; the script fails,
# naming them, when any binary fails. Arguments go to every test binary (e.g. a name filter).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export RUST_TEST_THREADS="${WT_TEST_THREADS:-4}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/wt-tests.XXXXXX")"
tools=""
# An early exit (a compile error) stops the tools' install too.
trap '[ -z "$tools" ] || kill "$tools" 2>/dev/null || true; rm -rf "$logs"' EXIT
# The tests' own tools (`make test-tools`) install while the test binaries compile: the
# installs mostly wait on downloads, the compile on the CPU.
make -C "$root" --no-print-directory test-tools > "$logs/test-tools.log" 2>&1 &
tools=$!
cargo test --release --locked --no-run --message-format=json-render-diagnostics \
  | python3 scripts/test-binaries.py > "$logs/binaries"
status=0
wait "$tools" || status=$?
tools=""
cat "$logs/test-tools.log"
if [ "$status" -ne 0 ]; then
  echo "make test-tools failed" >&2
  exit 1
fi
run_one() {
  local bin="$1" logs="$2"; shift 2
  local name start status
  name="$(basename "$bin")"
  name="${name%-*}"
  start=$SECONDS
  if "$bin" "$@" > "$logs/$name.log" 2>&1; then status=passed; else status=FAILED; fi
  [ "$status" = passed ] || touch "$logs/$name.failed"
  # One binary's output at a time.
  flock "$logs/print.lock" bash -c 'echo "== $1 $2 ($3 s)"; cat "$4"' _ \
    "$name" "$status" "$((SECONDS - start))" "$logs/$name.log"
}
export -f run_one
xargs -a "$logs/binaries" -d '\n' -P 2 -I{} bash -c 'run_one "$@"' _ {} "$logs" "$@"
# The documentation examples, which `cargo test` runs after the binaries.
cargo test --release --locked --doc --quiet
failed=$(cd "$logs" && ls -- *.failed 2>/dev/null | sed 's/\.failed$//' || true)
if [ -n "$failed" ]; then
  echo "failed test binaries:" $failed
  exit 1
fi
echo "all $(wc -l < "$logs/binaries") test binaries passed"
