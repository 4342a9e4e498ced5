#!/usr/bin/env bash
# Installs the tools wt needs next to the checkout, from PyPI only: uv (to build Python
# environments), ruff (used by the tests to check generated code) and zstandard (with which
# scripts/conda-python.py writes its `.conda` package). Idempotent and quick when
# everything is already there. The tests' own Python is scripts/install-test-python.sh's.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
UV_VERSION="0.13.9"
RUFF_VERSION="0.17.6"
ZSTANDARD_VERSION="0.25.0"
python="${WT_PYTHON:-python3}"
if [ ! -x "$tools/venv/bin/python" ]; then
  "$python" -m venv "$tools/venv"
fi
have() { "$tools/venv/bin/python" -m pip show "$1" 2>/dev/null | grep -q "^Version: $2$"; }
if ! have uv "$UV_VERSION" || ! have ruff "$RUFF_VERSION" || ! have zstandard "$ZSTANDARD_VERSION"; then
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "uv==$UV_VERSION" "ruff==$RUFF_VERSION" "zstandard==$ZSTANDARD_VERSION"
fi
mkdir -p "$tools/bin"
ln -sf "$tools/venv/bin/uv" "$tools/bin/uv"
ln -sf "$tools/venv/bin/ruff" "$tools/bin/ruff"
echo "tools ready: $("$tools/bin/uv" --version), $("$tools/bin/ruff" --version)"
