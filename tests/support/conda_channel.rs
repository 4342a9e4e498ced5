//! A local conda channel for tests: small `noarch: python` packages written with
//! rattler_package_streaming and indexed with rattler_index, reproducibly (fixed file times,
//! single-threaded compression, and the indexer's wall-clock `indexed_timestamp` removed).

use rattler_conda_types::compression_level::CompressionLevel;
use serde_json::json;
use std::path::{Path, PathBuf};

/// One package of the channel.
pub struct Pkg<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub depends: &'a [&'a str],
    /// Python source of the module `<name with - as _>/__init__.py`.
    pub module: &'a str,
}

impl<'a> Pkg<'a> {
    pub fn new(
        name: &'a str,
        version: &'a str,
        depends: &'a [&'a str],
        module: &'a str,
    ) -> Pkg<'a> {
        Pkg {
            name,
            version,
            depends,
            module,
        }
    }
}

/// Writes `packages` into `channel/noarch/` and (re)indexes the channel.
pub fn publish(channel: &Path, packages: &[Pkg]) {
    let noarch = channel.join("noarch");
    std::fs::create_dir_all(&noarch).unwrap();
    for p in packages {
        write_package(&noarch, p);
    }
    index(channel);
}

fn write_package(noarch: &Path, p: &Pkg) {
    let work = tempfile::tempdir().unwrap();
    let base = work.path();
    let module = p.name.replace('-', "_");
    let rel_module = format!("site-packages/{module}/__init__.py");
    write(base, &rel_module, p.module.as_bytes());
    let sha = hex::encode(
        rattler_digest::compute_bytes_digest::<rattler_digest::Sha256>(p.module.as_bytes()),
    );
    let index = json!({
        "build": "py_0",
        "build_number": 0,
        "depends": p.depends,
        "license": "MIT",
        "name": p.name,
        "noarch": "python",
        "subdir": "noarch",
        "timestamp": 1_700_000_000_000u64,
        "version": p.version,
    });
    write(
        base,
        "info/index.json",
        &serde_json::to_vec_pretty(&index).unwrap(),
    );
    let paths = json!({
        "paths": [{
            "_path": rel_module,
            "path_type": "hardlink",
            "sha256": sha,
            "size_in_bytes": p.module.len(),
        }],
        "paths_version": 1,
    });
    write(
        base,
        "info/paths.json",
        &serde_json::to_vec_pretty(&paths).unwrap(),
    );
    let files: Vec<PathBuf> = ["info/index.json", "info/paths.json", rel_module.as_str()]
        .iter()
        .map(|r| base.join(r))
        .collect();
    let stem = format!("{}-{}-py_0", p.name, p.version);
    let out = std::fs::File::create(noarch.join(format!("{stem}.conda"))).unwrap();
    rattler_package_streaming::write::write_conda_package(
        out,
        base,
        &files,
        CompressionLevel::Default,
        Some(1),
        &stem,
        None,
        None,
    )
    .unwrap();
}

fn write(base: &Path, rel: &str, bytes: &[u8]) {
    let path = base.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Indexes the channel and strips the wall-clock `indexed_timestamp` the indexer adds, so the
/// same packages always give the same repodata.json.
fn index(channel: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(rattler_index::index_fs(rattler_index::IndexFsConfig {
        channel: channel.to_path_buf(),
        target_platform: None,
        repodata_patch: None,
        write_zst: false,
        write_shards: false,
        repodata_revisions: vec![],
        package_revision_assignment: Default::default(),
        force: true,
        max_parallel: 1,
        multi_progress: None,
    }))
    .unwrap();
    let _ = std::fs::remove_dir_all(channel.join(".tmp"));
    for entry in std::fs::read_dir(channel).unwrap() {
        let repodata = entry.unwrap().path().join("repodata.json");
        if !repodata.is_file() {
            continue;
        }
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&repodata).unwrap()).unwrap();
        for key in ["packages", "packages.conda"] {
            if let Some(m) = v.get_mut(key).and_then(|m| m.as_object_mut()) {
                for rec in m.values_mut() {
                    if let Some(o) = rec.as_object_mut() {
                        o.remove("indexed_timestamp");
                    }
                }
            }
        }
        std::fs::write(&repodata, serde_json::to_vec(&v).unwrap()).unwrap();
    }
}
