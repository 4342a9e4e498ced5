//! A local conda channel for tests: small `noarch: python` packages written with
//! rattler_package_streaming and indexed here, reproducibly (fixed file times, single-threaded
//! compression, no wall-clock index time).

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

/// Writes `noarch/repodata.json` for every package of the folder: the record of each is its
/// `info/index.json` plus the archive's size and digests, as conda-index and rattler-index
/// write it (without their wall-clock `indexed_timestamp`, so the same packages always give the
/// same file).
fn index(channel: &Path) {
    let noarch = channel.join("noarch");
    let mut records = serde_json::Map::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&noarch)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "conda"))
        .collect();
    files.sort();
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let index: rattler_conda_types::package::IndexJson =
            rattler_package_streaming::seek::read_package_file(&file).unwrap();
        let mut record = serde_json::to_value(&index).unwrap();
        let o = record.as_object_mut().unwrap();
        o.insert(
            "md5".into(),
            json!(hex::encode(rattler_digest::compute_bytes_digest::<
                rattler_digest::Md5,
            >(&bytes))),
        );
        o.insert(
            "sha256".into(),
            json!(hex::encode(rattler_digest::compute_bytes_digest::<
                rattler_digest::Sha256,
            >(&bytes))),
        );
        o.insert("size".into(), json!(bytes.len()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        records.insert(name, record);
    }
    let repodata = json!({
        "info": {"subdir": "noarch"},
        "packages": {},
        "packages.conda": records,
        "removed": [],
        "repodata_version": 1,
    });
    std::fs::write(
        noarch.join("repodata.json"),
        serde_json::to_vec(&repodata).unwrap(),
    )
    .unwrap();
}
