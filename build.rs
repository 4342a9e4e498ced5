//! Embeds every `rules/*.toml` into the binary, so adding a build step is adding a rule file
//! (plus its action), and `wt` works from any directory; and the digest of wt's own sources,
//! a key input of the steps whose outputs wt's code shapes.

use std::fmt::Write;

#[path = "build/source_digest.rs"]
mod source_digest;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut code = String::from(
        "/// (file name, contents) of every rule file, sorted by name.\npub const RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for n in names {
        println!("cargo::rerun-if-changed={}", dir.join(&n).display());
        writeln!(
            code,
            "    ({n:?}, include_str!({:?})),",
            dir.join(&n).display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in source_digest::SOURCE_DIRS
        .iter()
        .chain(source_digest::SOURCE_FILES)
    {
        println!("cargo::rerun-if-changed={}", root.join(dir).display());
    }
    writeln!(
        code,
        "/// Digest of everything wt is compiled from (build/source_digest.rs).\npub const SOURCE_DIGEST: &str = {:?};",
        source_digest::source_digest(root)
    )
    .unwrap();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("rules.rs");
    std::fs::write(out, code).unwrap();
}
