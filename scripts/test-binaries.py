"""Lists the test binaries of a `cargo test --no-run --message-format=json` build (read from
stdin), one path per line: the library's unit tests and the integration suite."""

import json
import sys

for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    if message.get("reason") != "compiler-artifact" or not message.get("executable"):
        continue
    if message.get("profile", {}).get("test"):
        print(message["executable"])
