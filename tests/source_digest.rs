//! The digest of wt's sources (`build/source_digest.rs`), a key input of every step whose
//! output wt's code shapes: it covers every file the crate is compiled from, it changes when
//! any of them does (how `pytext` escapes a string, say), and it does not depend on where the
//! checkout lies.

// build.rs's own code, compiled here as well.
#[path = "../build/source_digest.rs"]
mod build_script;

use build_script::{source_digest, source_files};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The string literal right after each `marker` in `text` (`include_str!("x")`,
/// `#[path = "x"]`).
fn quoted_after<'t>(text: &'t str, marker: &str) -> Vec<&'t str> {
    text.match_indices(marker)
        .filter_map(|(i, _)| {
            let rest = text[i + marker.len()..].strip_prefix('"')?;
            Some(&rest[..rest.find('"')?])
        })
        .collect()
}

#[test]
fn every_file_the_crate_includes_is_digested() {
    let root = root();
    let digested: BTreeSet<PathBuf> = source_files(&root)
        .iter()
        .map(|f| root.join(f).canonicalize().unwrap())
        .collect();
    let mut checked = 0;
    let mut sources: Vec<PathBuf> = vec![root.join("build.rs")];
    sources.extend(
        walkdir::WalkDir::new(root.join("src"))
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs")),
    );
    for file in sources {
        let text = std::fs::read_to_string(&file).unwrap();
        for marker in ["include_str!(", "include_bytes!(", "#[path = "] {
            for included in quoted_after(&text, marker) {
                if included.contains("OUT_DIR") || included.is_empty() {
                    continue;
                }
                let path = file.parent().unwrap().join(included);
                let path = path
                    .canonicalize()
                    .unwrap_or_else(|e| panic!("{}: {included}: {e}", file.display()));
                assert!(
                    digested.contains(&path),
                    "{} includes {}, which build/source_digest.rs does not digest",
                    file.display(),
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} includes found: is the scan broken?"
    );
}

/// Copies every digested file of `from` into `to`.
fn copy_sources(from: &Path, to: &Path) {
    for rel in source_files(from) {
        let target = to.join(&rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), target).unwrap();
    }
}

#[test]
fn the_digest_follows_every_source_and_only_sources() {
    let copy = tempfile::tempdir().unwrap();
    copy_sources(&root(), copy.path());
    let original = source_digest(&root());
    assert_eq!(
        source_digest(copy.path()),
        original,
        "the digest depends on where the checkout lies"
    );
    // Not a source: documentation, tests.
    std::fs::write(copy.path().join("README.md"), "changed").unwrap();
    std::fs::create_dir_all(copy.path().join("tests")).unwrap();
    std::fs::write(copy.path().join("tests/new.rs"), "// new").unwrap();
    assert_eq!(source_digest(copy.path()), original);
    // How a Python string literal escapes a newline: generated code changes, so must the key.
    let pytext = copy.path().join("src/pytext.rs");
    let text = std::fs::read_to_string(&pytext).unwrap();
    let escape = "'\\n' => out.push_str(\"\\\\n\"),";
    assert!(text.contains(escape), "pytext.rs escapes newlines as `\\n`");
    std::fs::write(
        &pytext,
        text.replace(escape, "'\\n' => out.push_str(\"\\\\x0a\"),"),
    )
    .unwrap();
    assert_ne!(source_digest(copy.path()), original);
}

/// Every step whose output wt's code shapes has wt's sources in its key; the solve does not,
/// on purpose (rules/solve.toml says why), and carries the lock's format instead.
#[test]
fn every_step_but_the_solve_is_keyed_on_wt_sources() {
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let rule: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let inputs: Vec<&str> = rule["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let name = rule["name"].as_str().unwrap();
        if name == "solve" {
            assert!(inputs.contains(&"runtime"), "{inputs:?}");
        } else {
            assert!(inputs.contains(&"wt-sources"), "{name}: {inputs:?}");
        }
    }
}
