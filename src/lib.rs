//! `wt`: a build tool for workflow DAGs of typed Python functions.

pub mod contracts;
pub mod diag;
pub mod digest;
pub mod env;
pub mod spec;
pub mod steps;
pub mod workspace;
pub mod yaml;
