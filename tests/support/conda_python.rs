//! A conda `python` package for tests that cannot reach conda-forge, built from a CPython that
//! is already on the machine (pyenv's, which is built with a shared libpython), and published
//! in a local channel. Built once per source interpreter under `target/conda-python/` and reused
//! by later test runs.
//!
//! What makes the copy run from any prefix: CPython finds its standard library from the
//! executable's location; every ELF file's RUNPATH (pyenv's absolute `<prefix>/lib`) is
//! rewritten in place to the same folder relative to `$ORIGIN` (padded with NULs, so no byte
//! moves); and text files naming the build prefix (`_sysconfigdata_*.py`) are declared with that
//! prefix as their placeholder, which the installer replaces with the environment's prefix, as
//! for any conda-forge package. The test suite, IDLE, Tk, ensurepip, site-packages, the static
//! library and bytecode are left out (about 55 MB instead of 740).

use rattler_conda_types::compression_level::CompressionLevel;
use serde_json::json;
use std::path::{Path, PathBuf};

/// The interpreter the package is built from: `$WT_TEST_CONDA_PYTHON_FROM` (a prefix such as
/// `~/.pyenv/versions/3.11.7`), else the newest pyenv 3.11.
pub fn source() -> PathBuf {
    if let Some(p) = std::env::var_os("WT_TEST_CONDA_PYTHON_FROM") {
        return PathBuf::from(p);
    }
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))
        .expect("HOME or PYENV_ROOT is set");
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("versions"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    found.retain(|p| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        name.starts_with("3.11.") && p.join("lib/libpython3.11.so.1.0").is_file()
    });
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "no CPython 3.11 with a shared libpython under {}/versions: install one with pyenv (`pyenv install 3.11`) or set WT_TEST_CONDA_PYTHON_FROM",
            root.display()
        )
    })
}

/// The local channel holding `python` (linux-64), built on first use.
pub fn channel() -> PathBuf {
    let from = source();
    let version = from.file_name().unwrap().to_string_lossy().to_string();
    let binary = from.join("bin").join(format!("python{}", minor(&version)));
    let identity = format!(
        "{}|{}|{:?}",
        from.display(),
        version,
        std::fs::metadata(&binary)
            .and_then(|m| m.modified())
            .expect("the interpreter exists")
    );
    let digest = &blake3::hash(identity.as_bytes()).to_hex()[..16];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/conda-python");
    let channel = root.join(format!("{version}-{digest}"));
    std::fs::create_dir_all(&root).unwrap();
    let lock = std::fs::File::create(root.join(".lock")).unwrap();
    lock.lock().unwrap();
    if !channel.join("linux-64/repodata.json").is_file() {
        let partial = root.join(format!(".{version}-{digest}.partial"));
        let _ = std::fs::remove_dir_all(&partial);
        build(&from, &version, &partial);
        std::fs::rename(&partial, &channel).unwrap();
    }
    channel
}

/// `3.11.7` -> `3.11`
fn minor(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// Whether a file of the source tree goes into the package.
fn wanted(rel: &str, minor: &str) -> bool {
    let stdlib = format!("lib/python{minor}/");
    let left_out = [
        "test/",
        "idlelib/",
        "tkinter/",
        "turtledemo/",
        "ensurepip/",
        "site-packages/",
        "config-",
        "lib2to3/tests/",
    ];
    if rel.contains("__pycache__") {
        return false;
    }
    if let Some(inside) = rel.strip_prefix(&stdlib) {
        return !left_out.iter().any(|l| inside.starts_with(l));
    }
    rel == format!("bin/python{minor}")
        || rel == format!("lib/libpython{minor}.so.1.0")
        || rel.starts_with(&format!("include/python{minor}/"))
}

fn build(from: &Path, version: &str, channel: &Path) {
    let minor = minor(version);
    let stage = tempfile::tempdir().unwrap();
    let base = stage.path();
    let prefix = from.to_string_lossy().to_string();
    let runpath = format!("{prefix}/lib");
    let mut paths = Vec::new();
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(from)
            .unwrap()
            .to_string_lossy()
            .to_string();
        if !wanted(&rel, &minor) {
            continue;
        }
        let mut bytes = std::fs::read(entry.path()).unwrap();
        let mut record = json!({"_path": rel, "path_type": "hardlink"});
        if bytes.starts_with(b"\x7fELF") {
            relocate_runpath(&mut bytes, &runpath, &rel);
        } else if contains(&bytes, prefix.as_bytes()) {
            record["prefix_placeholder"] = json!(prefix);
            record["file_mode"] = json!("text");
        }
        record["sha256"] = json!(sha256(&bytes));
        record["size_in_bytes"] = json!(bytes.len());
        let target = base.join(&rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, &bytes).unwrap();
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&entry.metadata().unwrap().permissions());
        std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(mode))
            .unwrap();
        files.push(target);
        paths.push(record);
    }
    // `python` and `python3`, as conda-forge's package has them (copies: the package format's
    // writer follows symlinks).
    let interpreter = base.join(format!("bin/python{minor}"));
    for alias in ["bin/python", "bin/python3"] {
        std::fs::copy(&interpreter, base.join(alias)).unwrap();
        let bytes = std::fs::read(base.join(alias)).unwrap();
        paths.push(json!({"_path": alias, "path_type": "hardlink", "sha256": sha256(&bytes), "size_in_bytes": bytes.len()}));
        files.push(base.join(alias));
    }
    let build_string = format!(
        "h{}_0_cpython",
        &blake3::hash(prefix.as_bytes()).to_hex()[..8]
    );
    let index = json!({
        "arch": "x86_64",
        "build": build_string,
        "build_number": 0,
        "depends": [],
        "license": "Python-2.0",
        "name": "python",
        "platform": "linux",
        "subdir": "linux-64",
        "timestamp": 1_700_000_000_000u64,
        "version": version,
    });
    for (name, doc) in [
        ("info/index.json", index),
        (
            "info/paths.json",
            json!({"paths": paths, "paths_version": 1}),
        ),
    ] {
        let path = base.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
        files.push(path);
    }
    let subdir = channel.join("linux-64");
    std::fs::create_dir_all(&subdir).unwrap();
    let stem = format!("python-{version}-{build_string}");
    let out = std::fs::File::create(subdir.join(format!("{stem}.conda"))).unwrap();
    rattler_package_streaming::write::write_conda_package(
        out,
        base,
        &files,
        CompressionLevel::Lowest,
        Some(2),
        &stem,
        None,
        None,
    )
    .unwrap();
    super::conda_channel::index(channel);
}

/// Rewrites the RUNPATH `old` (pyenv's absolute lib folder) of an ELF file to the same folder
/// relative to `$ORIGIN`, in place: the new string is shorter, and NULs fill the rest.
fn relocate_runpath(bytes: &mut [u8], old: &str, rel: &str) {
    let mut needle = old.as_bytes().to_vec();
    needle.push(0);
    let Some(at) = find(bytes, &needle) else {
        return;
    };
    let depth = rel.matches('/').count();
    let up = if depth <= 1 {
        String::new()
    } else {
        "/..".repeat(depth - 1)
    };
    // From <prefix>/<dir of the file> to <prefix>/lib.
    let new = if rel.starts_with("lib/") {
        format!("$ORIGIN{up}")
    } else {
        format!("$ORIGIN{up}/../lib")
    };
    assert!(new.len() < needle.len(), "{new} does not fit in {old}");
    let slot = &mut bytes[at..at + needle.len()];
    slot.fill(0);
    slot[..new.len()].copy_from_slice(new.as_bytes());
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(rattler_digest::compute_bytes_digest::<rattler_digest::Sha256>(bytes))
}
