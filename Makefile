# The two commands of the README: `make demo` runs the example workflows, `make test` runs the
# tests. Both install what they need first (`tools`, and for the tests `test-tools`).
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export WT_TEST_PYTHON := $(CURDIR)/.tools/runtime/bin/python
# Apache Airflow 3 for the tests of the generated Airflow DAGs (scripts/install-airflow.sh).
export WT_TEST_AIRFLOW_PYTHON := $(CURDIR)/.tools/airflow/bin/python
# conda-forge, where Python is locked from, cannot be reached here: a channel built from this
# machine's CPython stands in for it (scripts/conda-python.py, run by `make tools`).
export WT_CONDA_FORGE_MIRROR := $(CURDIR)/.tools/conda-python/current
# That mirror has Python for linux-64 only, so locks cover linux-64 unless wt.toml says more.
export WT_CONDA_PLATFORMS := linux-64
WT := $(CURDIR)/target/release/wt

.PHONY: demo test lint tools test-tools build bench bench-serve ui

# What building and running workflows needs: uv and ruff (PyPI), the conda python mirror
# (written with zstandard from the tools' venv).
tools:
	@scripts/bootstrap.sh
	@.tools/venv/bin/python scripts/conda-python.py .tools/conda-python >/dev/null

# What the tests need besides: their Python (runtime, pytest, moto, ...), Debian's nginx and
# chromium, the launchpad's npm packages, Apache Airflow.
test-tools: tools
	@scripts/install-test-python.sh
	@scripts/install-nginx.sh
	@scripts/install-ui-tools.sh
	@scripts/install-airflow.sh

# Rebuilds the launchpad bundle (ui/dist, committed and embedded in wt) from ui/src.
ui:
	@scripts/install-ui-tools.sh
	cd ui && node build.mjs

build: tools
	cargo build --release --locked

demo: build
	@scripts/demo.sh "$(WT)"

# The tests build in the release profile, as `make build` does: after `make demo` they reuse
# its compiled dependencies and binary (one compile of the tree, not a debug one beside it), and
# the binary they drive is the one users run. scripts/run-tests.sh runs the library's unit tests
# beside the integration suite (one binary, tests/main.rs), WT_TEST_THREADS tests at a time,
# after installing `test-tools` while the tests compile.
test:
	@scripts/run-tests.sh

bench: build test-tools
	cargo bench --locked --bench build
	cargo bench --locked --bench lock   # solve and install times on the examples
	cargo bench --locked --bench serve  # bench-serve: load on `wt serve` (200 runs, 20 clients)
	cargo bench --locked --bench execution  # sequential vs parallel vs async, per-job overhead
	cargo bench --locked --bench reuse  # what a results store saves (second runs) and costs (RSS)
	cargo bench --locked --bench spec_size  # compile time against one spec's size
	cargo bench --locked --bench edit_loop  # edit a task of a path: library, then wt run

bench-serve: test-tools
	cargo bench --locked --bench serve

lint:
	cargo fmt --check
	cargo clippy --all-targets --locked -- -D warnings
