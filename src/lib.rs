//! `wt`: a build tool for workflow DAGs of typed Python functions.

pub mod cache;
pub mod check;
pub mod cli;
pub mod codegen;
pub mod compile;
pub mod conda;
pub mod config;
pub mod contracts;
pub mod diag;
pub mod digest;
pub mod engine;
pub mod env;
pub mod fingerprint;
pub mod http_tls;
pub mod label;
pub mod load;
pub mod project;
pub mod pytext;
pub mod run;
pub mod schema;
pub mod server;
pub mod spec;
pub mod stamp;
pub mod steps;
pub mod workspace;
pub mod yaml;
