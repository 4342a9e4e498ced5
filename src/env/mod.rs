//! Python environments for discovery and for running workflows.

pub mod bytecode;
pub mod closure;
pub mod core_metadata;
pub mod env_check;
pub mod gc;
pub mod git_source;
pub mod library_metadata;
pub mod metadata_text;
pub mod pypi;
pub mod pypi_lock;
pub mod pypi_platform;
pub mod python_env;
pub mod runtime;
pub mod tools;
