//! Why a step ran: each target remembers the input digests of its last build of each step, so
//! a miss can name exactly which inputs changed.

use crate::digest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The inputs a step was last built with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub key: String,
    pub inputs: BTreeMap<String, String>,
}

fn path(cache: &Path, label: &str, step: &str) -> PathBuf {
    let id = &digest::bytes(label.as_bytes())[..16];
    cache.join("explain").join(id).join(format!("{step}.json"))
}

pub fn load(cache: &Path, label: &str, step: &str) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(path(cache, label, step)).ok()?).ok()
}

/// Stores the record (atomically) unless it is the `previous` one, as [`load`] read it.
pub fn store(cache: &Path, label: &str, step: &str, previous: Option<&Record>, record: &Record) {
    if previous == Some(record) {
        return;
    }
    crate::workspace::write_memo(
        &path(cache, label, step),
        &serde_json::to_vec(record).unwrap_or_default(),
    );
}

/// Names the inputs that differ from the previous build, e.g. "cosmetic changed".
pub fn why(previous: Option<&Record>, inputs: &BTreeMap<String, String>) -> String {
    let Some(prev) = previous else {
        return "not built before".into();
    };
    let changed: Vec<&str> = inputs
        .iter()
        .filter(|(k, v)| prev.inputs.get(*k) != Some(v))
        .map(|(k, _)| k.as_str())
        .chain(
            prev.inputs
                .keys()
                .filter(|k| !inputs.contains_key(*k))
                .map(String::as_str),
        )
        .collect();
    if changed.is_empty() {
        "inputs unchanged, but the result was not in the cache (evicted or new cache)".into()
    } else {
        format!("{} changed", changed.join(", "))
    }
}
