#!/usr/bin/env bash
# The tests' Python, .tools/runtime (the Makefile exports it as WT_TEST_PYTHON), from PyPI
# through the uv that scripts/bootstrap.sh installs. Idempotent and quick once installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
python="${WT_PYTHON:-python3}"
# A Python with the workflow runtime and pytest, for the tests that run generated workspaces
# directly (the Makefile exports it as WT_TEST_PYTHON). validate-pyproject-schema-store ships
# pixi's published manifest JSON Schema (resources/pixi.schema.json), which tests/pixi_schema.rs
# checks every generated pixi.toml against; pinned so the schema only changes on purpose.
# obstore reads and writes the results store in the runtime's unit tests (runtime/tests), and
# moto[server] is the S3-compatible server on 127.0.0.1 the remote results store is tested on;
# opentelemetry-sdk writes the spans whose form runtime/tests/test_spans.py checks ours against.
runtime="$tools/runtime"
"$root/scripts/uv-venv.sh" "$runtime" "$python" \
  "wt-task==0.1.3" "wt-contracts==0.2.0" "click>=8,<9" "pydantic>=2,<3" "ruamel.yaml>=0.18,<0.19" \
  "pytest>=8,<9" "validate-pyproject-schema-store==2026.10.23" "obstore==0.6.0" \
  "moto[server]>=5,<6" "opentelemetry-sdk==1.45.2"
echo "test python ready: $("$runtime/bin/python" --version)"
