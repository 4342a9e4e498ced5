//! Embeds every `rules/*.toml` into the binary, so adding a build step is adding a rule file
//! (plus its action), and `wt` works from any directory.

use std::fmt::Write;

/// FNV-1a over the files that decide what the generator writes (its Rust code and the
/// templates): a stable digest, identical on every machine, that is part of the codegen key so
/// a changed generator never reuses old outputs.
fn generator_digest(root: &std::path::Path) -> String {
    let mut files = Vec::new();
    for sub in ["src/codegen", "src/schema", "templates"] {
        collect(&root.join(sub), &mut files);
    }
    for f in ["src/fingerprint.rs", "src/compile.rs", "src/env/runtime.rs"] {
        files.push(root.join(f));
    }
    files.sort();
    let mut h: u64 = 0xcbf29ce484222325;
    for f in files {
        println!("cargo::rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for b in rel.bytes().chain([0]).chain(std::fs::read(&f).unwrap()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

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
    writeln!(code, "/// Digest of the generator's sources and templates.\npub const GENERATOR_DIGEST: &str = {:?};", generator_digest(root)).unwrap();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("rules.rs");
    std::fs::write(out, code).unwrap();
}
