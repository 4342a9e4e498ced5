"""Lists the test binaries of a `cargo test --no-run --message-format=json` build (read from
stdin), one path per line, slowest first: by the durations the last run of
scripts/run-tests.sh recorded in target/test-durations.json, binaries it did not time first of
all, in cargo's order. Starting the long binaries early keeps a short one from being the last
to start."""

import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
try:
    durations = json.loads((root / "target" / "test-durations.json").read_text())
except (OSError, ValueError):
    durations = {}

binaries = []
for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    if message.get("reason") != "compiler-artifact" or not message.get("executable"):
        continue
    if not message.get("profile", {}).get("test"):
        continue
    binaries.append(message["executable"])


def name(path):
    """The binary's name without cargo's hash suffix: `build` for `build-0123abcd`."""
    return pathlib.Path(path).name.rsplit("-", 1)[0]


unknown = float("inf")
binaries.sort(key=lambda path: -durations.get(name(path), unknown))
print("\n".join(binaries))
