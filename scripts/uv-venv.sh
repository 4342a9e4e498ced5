#!/usr/bin/env bash
# Makes VENV a virtual environment of PYTHON holding exactly PACKAGES (pinned requirement
# strings), through the uv that scripts/bootstrap.sh installs. A stamp file in VENV names the
# packages installed, so a second call with the same list does nothing and a changed list
# reinstalls.
#
#   scripts/uv-venv.sh VENV PYTHON PACKAGE...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
uv="$root/.tools/bin/uv"
venv="$1" python="$2"
shift 2
stamp="$venv/.wt-packages"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$*" ]; then
  "$uv" venv --quiet --allow-existing --python "$python" "$venv"
  "$uv" pip install --quiet --python "$venv/bin/python" "$@"
  echo "$*" > "$stamp"
fi
