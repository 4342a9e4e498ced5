//! The value of an action-cache entry: a step's named outputs, each a reference to a blob in
//! the content-addressed store.
//!
//! Entries are stored (locally and on a remote) as canonical JSON: object keys sorted, compact,
//! so the same outputs give the same bytes everywhere. A manifest never holds paths or
//! timestamps, only output names (chosen by the step), digests and sizes.

use super::CacheError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// One cached step result: named outputs -> blobs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub outputs: BTreeMap<String, BlobRef>,
}

/// A blob in the content-addressed store: the sha256 of its bytes (lowercase hex) and its size.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct BlobRef {
    pub digest: String,
    pub size: u64,
}

impl BlobRef {
    /// The reference of `data`.
    pub fn of(data: &[u8]) -> BlobRef {
        BlobRef {
            digest: sha256_hex(data),
            size: data.len() as u64,
        }
    }
}

impl Manifest {
    /// The canonical bytes of the manifest (what the action cache stores): the canonical JSON
    /// of its value, written directly (outputs are sorted already, and `digest` sorts before
    /// `size`), since every build digests every step's manifest as an input of the next.
    pub fn to_canonical_json(&self) -> Vec<u8> {
        let mut out = String::with_capacity(16 + self.outputs.len() * 110);
        out.push_str("{\"outputs\":{");
        for (i, (name, blob)) in self.outputs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(name).expect("strings serialize"));
            out.push_str(":{\"digest\":");
            out.push_str(&serde_json::to_string(&blob.digest).expect("strings serialize"));
            out.push_str(",\"size\":");
            out.push_str(&blob.size.to_string());
            out.push('}');
        }
        out.push_str("}}");
        out.into_bytes()
    }

    /// The digest a step's manifest has as an input of the steps after it.
    pub fn digest(&self) -> String {
        crate::digest::bytes(&self.to_canonical_json())
    }

    /// Parses stored bytes, checking that every digest is well formed (a digest becomes a file
    /// name and a URL path, so it must never be anything but 64 hex characters).
    pub fn from_json(bytes: &[u8]) -> Result<Manifest, String> {
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        manifest.check().map_err(|e| e.to_string())?;
        Ok(manifest)
    }

    /// Checks that every digest is 64 lowercase hex characters.
    pub fn check(&self) -> Result<(), CacheError> {
        for blob in self.outputs.values() {
            check_hex64("blob digest", &blob.digest)?;
        }
        Ok(())
    }

    /// The distinct blobs the manifest names, sorted (two outputs may share one blob).
    pub fn blobs(&self) -> Vec<&BlobRef> {
        let mut blobs: Vec<&BlobRef> = self.outputs.values().collect();
        blobs.sort();
        blobs.dedup();
        blobs
    }
}

/// sha256 of `data` as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Whether `s` is 64 lowercase hex characters (a sha256 digest or a blake3 step key).
pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn check_hex64(what: &'static str, s: &str) -> Result<(), CacheError> {
    if is_hex64(s) {
        Ok(())
    } else {
        Err(CacheError::InvalidDigest {
            what,
            value: s.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_is_sorted_and_compact() {
        let mut outputs = BTreeMap::new();
        outputs.insert("b".to_string(), BlobRef::of(b"b"));
        outputs.insert("a".to_string(), BlobRef::of(b"a"));
        let m = Manifest { outputs };
        let text = String::from_utf8(m.to_canonical_json()).unwrap();
        assert!(
            text.starts_with(r#"{"outputs":{"a":{"digest":"ca978112"#),
            "{text}"
        );
        assert_eq!(Manifest::from_json(text.as_bytes()).unwrap(), m);
    }

    /// The hand-written bytes are exactly the generic canonical JSON of the value, so keys and
    /// stored entries are the same as they always were.
    #[test]
    fn canonical_json_is_the_generic_one() {
        let outputs = [
            "z.py",
            "a/b.json",
            "é",
            "Q\"uote\\",
            "\u{1}",
            "pkg/__init__.py",
        ]
        .iter()
        .map(|n| (n.to_string(), BlobRef::of(n.as_bytes())))
        .collect();
        let m = Manifest { outputs };
        let generic = crate::digest::canonical_json(&serde_json::to_value(&m).unwrap());
        assert_eq!(String::from_utf8(m.to_canonical_json()).unwrap(), generic);
        assert_eq!(m.digest(), crate::digest::bytes(generic.as_bytes()));
    }

    #[test]
    fn digests_that_are_not_hex_are_rejected() {
        let bad = br#"{"outputs":{"x":{"digest":"../../etc/passwd","size":1}}}"#;
        assert!(Manifest::from_json(bad).is_err());
    }
}
