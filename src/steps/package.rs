//! The package step: the final workspace tree, i.e. the generated files plus the lock that
//! pins every package of the workflow's environment.

use anyhow::Result;
use std::collections::BTreeMap;

pub use super::solve::LOCK_FILE;

pub fn run(
    mut generated: BTreeMap<String, Vec<u8>>,
    lock: Vec<u8>,
) -> Result<BTreeMap<String, Vec<u8>>> {
    generated.insert(LOCK_FILE.to_string(), lock);
    Ok(generated)
}
