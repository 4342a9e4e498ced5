//! `wt`: a build tool for workflow DAGs of typed Python functions.

pub mod contracts;
pub mod diag;
pub mod spec;
pub mod yaml;
