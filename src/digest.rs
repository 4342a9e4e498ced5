//! Content digests (blake3) of files, trees and canonical JSON.
//!
//! Digests never include absolute paths or timestamps, so the same content gives the same
//! digest on every machine and in every checkout location.

use std::io;
use std::path::Path;
use walkdir::WalkDir;

/// Folders and files that are build or tool junk, never task-library source.
const IGNORED: &[&str] = &[
    ".git",
    "__pycache__",
    ".venv",
    "venv",
    "build",
    "dist",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "node_modules",
    "target",
    ".pixi",
    ".tox",
    ".eggs",
];

/// Whether a file or folder of that name is build or tool junk ([`IGNORED`], `*.egg-info`,
/// `*.pyc`), left out of a source tree's digest and of copies of it.
pub fn ignored(name: &str) -> bool {
    IGNORED.contains(&name) || name.ends_with(".egg-info") || name.ends_with(".pyc")
}

/// Digest of a source tree: every file's relative path (with `/`) and content, in sorted order.
pub fn tree(root: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    let walker = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !ignored(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let rel = rel.join("/");
        let content = std::fs::read(entry.path())?;
        hasher.update(&(rel.len() as u64).to_le_bytes());
        hasher.update(rel.as_bytes());
        hasher.update(&(content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Digest of bytes.
pub fn bytes(data: &[u8]) -> String {
    blake3::hash(data).to_hex().to_string()
}

/// Digest of a JSON value in canonical form (object keys sorted, compact).
pub fn json(value: &serde_json::Value) -> String {
    bytes(canonical_json(value).as_bytes())
}

/// Compact JSON with object keys sorted at every level (written in one pass, without copying
/// the value: a no-op build digests every step's manifest this way).
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

fn write_canonical(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("strings serialize"));
                out.push(':');
                write_canonical(out, v);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, v);
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).expect("JSON values serialize")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_digest_ignores_junk_and_location() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for d in [a.path(), b.path()] {
            std::fs::create_dir_all(d.join("pkg/__pycache__")).unwrap();
            std::fs::write(d.join("pkg/tasks.py"), "def f(): ...\n").unwrap();
        }
        std::fs::write(a.path().join("pkg/__pycache__/tasks.pyc"), "junk").unwrap();
        assert_eq!(tree(a.path()).unwrap(), tree(b.path()).unwrap());
        std::fs::write(b.path().join("pkg/tasks.py"), "def g(): ...\n").unwrap();
        assert_ne!(tree(a.path()).unwrap(), tree(b.path()).unwrap());
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let v: serde_json::Value = serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":3}}"#).unwrap();
        assert_eq!(canonical_json(&v), r#"{"a":{"c":3,"d":2},"b":1}"#);
        // The same bytes as sorting a copy and serializing it (keys hash the same as before).
        fn sorted_copy(v: &serde_json::Value) -> serde_json::Value {
            match v {
                serde_json::Value::Object(m) => {
                    let mut keys: Vec<&String> = m.keys().collect();
                    keys.sort();
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted_copy(&m[k])))
                        .collect()
                }
                serde_json::Value::Array(a) => a.iter().map(sorted_copy).collect(),
                other => other.clone(),
            }
        }
        let odd: serde_json::Value = serde_json::from_str(
            r#"{"z":[1.5,-0.0,1e300,"\u0000\"\n\u2028é"],"é":null,"A":[{"y":true,"x":false}],"":{}}"#,
        )
        .unwrap();
        assert_eq!(
            canonical_json(&odd),
            serde_json::to_string(&sorted_copy(&odd)).unwrap()
        );
    }
}
