//! Python environments for discovery and for running workflows.

pub mod pypi;
pub mod python_env;
pub mod runtime;
pub mod tools;
