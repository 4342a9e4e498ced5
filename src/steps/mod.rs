//! The steps of compiling a workflow, as the built-in actions rules name.

pub mod codegen;
pub mod discover;
pub mod discover_step;
pub mod package;
pub mod solve;
