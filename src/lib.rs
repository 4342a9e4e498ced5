//! `wt`: a build tool for workflow DAGs of typed Python functions.
//!
//! The binary (`src/main.rs`) calls [`cli::main`]. Public are the modules the integration
//! tests and benches drive directly (the command line, the spec model and its checks, the
//! generated files, the cache, environments, the server); the build engine, the steps and
//! their bookkeeping are the crate's own.

pub mod cache;
pub mod check;
pub mod cli;
pub mod codegen;
pub mod compile;
pub mod conda;
pub mod config;
pub mod contracts;
mod diag;
pub mod digest;
mod engine;
pub mod env;
mod env_vars;
mod fingerprint;
mod http_tls;
mod label;
mod load;
mod project;
mod pytext;
mod run;
pub mod schema;
pub mod server;
pub mod spec;
mod stamp;
mod steps;
pub mod workspace;
pub mod yaml;
