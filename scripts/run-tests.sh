#!/usr/bin/env bash
# The test suite, as `make test` runs it: builds every test binary in the release profile (the
# one `make build` compiles, so nothing is compiled twice), then runs the binaries
# WT_TEST_BINARIES at a time (default 2), slowest first (scripts/test-binaries.py). Most of a
# test's time is spent waiting on the processes it drives (uv, Python, Airflow, chromium), so
# two binaries side by side keep both cores busy where one leaves them idle. Each binary's
# output is printed whole when it ends; the script fails, naming them, when any binary fails.
# Arguments go to every test binary (e.g. a name filter).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
jobs="${WT_TEST_BINARIES:-2}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/wt-tests.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
cargo test --release --locked --no-run --message-format=json-render-diagnostics \
  | python3 scripts/test-binaries.py > "$logs/binaries"
run_one() {
  local bin="$1" logs="$2"; shift 2
  local name start status
  name="$(basename "$bin")"
  name="${name%-*}"
  start=$SECONDS
  if "$bin" "$@" > "$logs/$name.log" 2>&1; then status=passed; else status=FAILED; fi
  echo "$name $((SECONDS - start))" >> "$logs/durations"
  [ "$status" = passed ] || touch "$logs/$name.failed"
  # One binary's output at a time.
  flock "$logs/print.lock" bash -c 'echo "== $1 $2 ($3 s)"; cat "$4"' _ \
    "$name" "$status" "$((SECONDS - start))" "$logs/$name.log"
}
export -f run_one
xargs -a "$logs/binaries" -d '\n' -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$logs" "$@"
python3 - "$logs/durations" <<'PY'
import json, pathlib, sys
times = dict(line.split() for line in pathlib.Path(sys.argv[1]).read_text().splitlines())
path = pathlib.Path("target/test-durations.json")
path.write_text(json.dumps({k: int(v) for k, v in times.items()}, indent=1, sort_keys=True))
PY
# The documentation examples, which `cargo test` runs after the binaries.
cargo test --release --locked --doc --quiet
failed=$(cd "$logs" && ls -- *.failed 2>/dev/null | sed 's/\.failed$//' || true)
if [ -n "$failed" ]; then
  echo "failed test binaries:" $failed
  exit 1
fi
echo "all $(wc -l < "$logs/binaries") test binaries passed"
