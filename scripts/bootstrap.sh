#!/usr/bin/env bash
# Installs the tools wt needs next to the checkout, from PyPI only: uv (to build Python
# environments) and ruff (used by the tests to check generated code). Idempotent and quick when
# everything is already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
UV_VERSION="0.13.9"
RUFF_VERSION="0.17.6"
python="${WT_PYTHON:-python3}"
if [ ! -x "$tools/venv/bin/python" ]; then
  "$python" -m venv "$tools/venv"
fi
have() { "$tools/venv/bin/python" -m pip show "$1" 2>/dev/null | grep -q "^Version: $2$"; }
if ! have uv "$UV_VERSION" || ! have ruff "$RUFF_VERSION"; then
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "uv==$UV_VERSION" "ruff==$RUFF_VERSION"
fi
mkdir -p "$tools/bin"
ln -sf "$tools/venv/bin/uv" "$tools/bin/uv"
ln -sf "$tools/venv/bin/ruff" "$tools/bin/ruff"
# A Python with the workflow runtime and pytest, for the tests that run generated workspaces
# directly (the Makefile exports it as WT_TEST_PYTHON). validate-pyproject-schema-store ships
# pixi's published manifest JSON Schema (resources/pixi.schema.json), which tests/pixi_schema.rs
# checks every generated pixi.toml against; pinned so the schema only changes on purpose.
# obstore reads and writes the results store in the runtime's unit tests (runtime/tests), and
# moto[server] is the S3-compatible server on 127.0.0.1 the remote results store is tested on;
# opentelemetry-sdk writes the spans whose form runtime/tests/test_spans.py checks ours against.
runtime="$tools/runtime"
runtime_pkgs=("wt-task==0.1.3" "wt-contracts==0.2.0" "click>=8,<9" "pydantic>=2,<3" "ruamel.yaml>=0.18,<0.19" "pytest>=8,<9" "validate-pyproject-schema-store==2026.10.23" "obstore==0.6.0" "moto[server]>=5,<6" "opentelemetry-sdk==1.45.2")
stamp="$runtime/.wt-packages"
if [ ! -x "$runtime/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${runtime_pkgs[*]}" ]; then
  "$tools/bin/uv" venv --quiet --allow-existing --python "$python" "$runtime"
  "$tools/bin/uv" pip install --quiet --python "$runtime/bin/python" "${runtime_pkgs[@]}"
  echo "${runtime_pkgs[*]}" > "$stamp"
fi
echo "tools ready: $("$tools/bin/uv" --version), $("$tools/bin/ruff" --version)"
