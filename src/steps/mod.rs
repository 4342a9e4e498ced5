//! The steps of compiling a workflow.

pub mod discover;
