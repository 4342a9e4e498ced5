//! Every integration test of wt, as one test binary (`cargo test --release --test suite`; one
//! file's tests with a filter, e.g. `cargo test --release --test suite airflow::`). One binary
//! links the wt library and its dependencies once, where a binary per file linked them 33 times,
//! and compiles the shared helpers in `support/` once. Each file below is one module: the
//! feature it tests, against the real `wt` binary and the real tools it drives.

mod support;

mod airflow;
mod architecture;
mod build;
mod bytecode;
mod cache;
mod codegen;
mod conda;
mod conda_https;
mod conda_python;
mod e2e;
mod env_check;
mod execution;
mod frame_checks;
mod generated;
mod graph;
mod init;
mod launchpad;
mod metadata_differential;
mod pixi_rules;
mod pixi_schema;
mod pypi_lock;
mod remote_cache;
mod remote_https;
mod reuse;
mod runtime_python;
mod schema;
mod serve;
mod serve_connections;
mod serve_spans;
mod source_digest;
mod spec_fuzz;
mod spec_schema;
mod validation;
mod warm_workers;
