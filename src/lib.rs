//! `wt`: a build tool for workflow DAGs of typed Python functions.

pub mod check;
pub mod cli;
pub mod codegen;
pub mod compile;
pub mod contracts;
pub mod diag;
pub mod digest;
pub mod env;
pub mod fingerprint;
pub mod load;
pub mod run;
pub mod schema;
pub mod spec;
pub mod steps;
pub mod workspace;
pub mod yaml;
