//! The package step: the final workspace tree, i.e. the generated files plus the lock that
//! pins every Python package of the workflow's environment.

use anyhow::Result;
use std::collections::BTreeMap;

/// Name of the lock file in the workspace.
pub const LOCK_FILE: &str = "requirements.lock";

pub fn run(
    mut generated: BTreeMap<String, Vec<u8>>,
    lock: Vec<u8>,
) -> Result<BTreeMap<String, Vec<u8>>> {
    generated.insert(LOCK_FILE.to_string(), lock);
    Ok(generated)
}
