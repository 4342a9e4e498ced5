//! Keys, contents and stored actions for the cache tests.

use std::collections::BTreeMap;
use wt::cache::{Cache, Manifest};

/// A step key as the engine makes them: 64 hex blake3.
pub fn key(name: &str) -> String {
    wt::digest::bytes(name.as_bytes())
}

/// Deterministic content of `len` bytes for a seed (no two seeds alike).
pub fn content(seed: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = blake3::hash(seed.as_bytes());
    while out.len() < len {
        out.extend_from_slice(block.as_bytes());
        block = blake3::hash(block.as_bytes());
    }
    out.truncate(len);
    out
}

/// Stores the outputs' blobs, then the action; returns the manifest.
pub fn store(cache: &Cache, key: &str, outputs: &[(&str, &[u8])]) -> Manifest {
    let mut map = BTreeMap::new();
    for (name, data) in outputs {
        map.insert(name.to_string(), cache.put_blob(data).unwrap());
    }
    let manifest = Manifest { outputs: map };
    cache.put_action(key, &manifest).unwrap();
    manifest
}
