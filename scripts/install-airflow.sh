#!/usr/bin/env bash
# Installs Apache Airflow 3 and its Kubernetes provider (PyPI, through the uv that
# scripts/bootstrap.sh installs) into .tools/airflow, an environment of their own: the tests
# run every example's generated Airflow DAG with `dag.test`. Airflow's constraint files live on
# a code host, not on PyPI, so the two packages are pinned here instead. Idempotent and quick
# once installed; uv's cache keeps the downloads.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"
venv="$tools/airflow"
# The provider needs Python >= 3.11.
python="${WT_AIRFLOW_HOST_PYTHON:-${WT_PYTHON:-python3}}"
"$root/scripts/uv-venv.sh" "$venv" "$python" \
  "apache-airflow==3.3.2" "apache-airflow-providers-cncf-kubernetes==10.25.0"
echo "airflow ready: $("$venv/bin/python" -c 'import airflow; print(airflow.__version__)')"
