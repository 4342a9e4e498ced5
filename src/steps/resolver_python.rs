//! The interpreter uv's resolver runs on while the solve locks the PyPI packages.
//!
//! uv needs some interpreter even to resolve for another one (it asks it about itself, and
//! builds `path:` libraries with it to read their metadata). The solve has just locked a conda
//! `python` for this machine's platform, so that is the one used: its package and the packages
//! it depends on are linked, with rattler, into an environment of their own under
//! `<cache>/envs/python-<digest>`, shared by every workflow that locks the same Python. No
//! interpreter of the host is involved, so a machine without any CPython can lock, build and
//! run workflows. Only when the lock does not cover this machine's platform (a lock made for
//! other machines) does uv run on the host's `$WT_PYTHON` (else `python3`).

use super::BuildContext;
use crate::conda::solve::Solution;
use crate::env::python_env::{PythonEnv, materialize};
use anyhow::{Context, Result};
use rattler_conda_types::RepoDataRecord;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The interpreter for uv's resolver, and the environment holding it (kept from `wt cache gc`
/// while this value lives).
pub struct ResolverPython {
    pub path: PathBuf,
    _env: Option<PythonEnv>,
}

/// The locked Python of this machine's platform, installed; the host's interpreter when the
/// solution does not cover this platform.
pub fn for_solution(ctx: &BuildContext, solution: &Solution) -> Result<ResolverPython> {
    let tools = ctx.tools()?;
    let host = crate::conda::platforms::current();
    let Some((platform, records)) = host.and_then(|p| solution.get(&p).map(|r| (p, r))) else {
        return Ok(ResolverPython {
            path: PathBuf::from(&tools.python),
            _env: None,
        });
    };
    let closure = python_closure(records);
    let Some(python) = closure
        .iter()
        .find(|r| r.package_record.name.as_normalized() == "python")
    else {
        // Unreachable in practice: the solve locks `python` on every platform or fails.
        anyhow::bail!("the solve for {platform} locked no `python`");
    };
    let version = python.package_record.version.to_string();
    let identity: Vec<String> = closure
        .iter()
        .map(|r| {
            let sha256 = r.package_record.sha256.map(hex::encode).unwrap_or_default();
            format!("{} {sha256}", r.url)
        })
        .collect();
    let key = format!(
        "python-{}",
        &crate::digest::bytes(identity.join("\n").as_bytes())[..32]
    );
    let cache = ctx.cache_root();
    let env = materialize(cache, &key, |env| {
        crate::conda::install::install(&closure, &env.dir, platform, &version, cache, ctx.offline)
    })
    .with_context(|| format!("installing the locked Python {version} for uv's resolver"))?;
    Ok(ResolverPython {
        path: env.python(),
        _env: Some(env),
    })
}

/// `python` and every package it depends on, directly or not, among one platform's locked
/// records (which hold one record per name), in the records' order.
fn python_closure(records: &[RepoDataRecord]) -> Vec<RepoDataRecord> {
    let by_name: BTreeMap<&str, &RepoDataRecord> = records
        .iter()
        .map(|r| (r.package_record.name.as_normalized(), r))
        .collect();
    let mut wanted: BTreeSet<&str> = BTreeSet::new();
    let mut queue = vec!["python"];
    while let Some(name) = queue.pop() {
        let Some(record) = by_name.get(name) else {
            continue;
        };
        if !wanted.insert(record.package_record.name.as_normalized()) {
            continue;
        }
        for dep in &record.package_record.depends {
            queue.push(dependency_name(dep));
        }
    }
    records
        .iter()
        .filter(|r| wanted.contains(r.package_record.name.as_normalized()))
        .cloned()
        .collect()
}

/// The package name a conda dependency (`libffi >=3.4,<4.0a0`, `tzdata`, `pip[build=x]`)
/// names: its first word, before any bracket.
fn dependency_name(dep: &str) -> &str {
    let word = dep.split_whitespace().next().unwrap_or_default();
    word.split('[').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, depends: &[&str]) -> RepoDataRecord {
        let json = serde_json::json!({
            "name": name,
            "version": "1.0",
            "build": "0",
            "build_number": 0,
            "subdir": "linux-64",
            "depends": depends,
            "url": format!("https://example.org/linux-64/{name}-1.0-0.conda"),
            "fn": format!("{name}-1.0-0.conda"),
            "channel": "https://example.org/",
        });
        serde_json::from_value(json).expect("a valid record")
    }

    #[test]
    fn the_closure_is_python_and_what_it_needs_transitively() {
        let records = vec![
            record("gdal", &["libgdal >=3", "python >=3.10"]),
            record("libffi", &[]),
            record("libgdal", &["openssl"]),
            record("openssl", &["ca-certificates"]),
            record("ca-certificates", &[]),
            record("python", &["libffi >=3.4,<4.0a0", "openssl >=3.0", "pip"]),
        ];
        let names: Vec<String> = python_closure(&records)
            .iter()
            .map(|r| r.package_record.name.as_normalized().to_string())
            .collect();
        // `pip` is not locked here (a dependency the records do not hold is skipped), and
        // gdal's own libraries are not Python's.
        assert_eq!(names, ["libffi", "openssl", "ca-certificates", "python"]);
    }

    #[test]
    fn a_dependency_names_its_first_word() {
        assert_eq!(dependency_name("libffi >=3.4,<4.0a0"), "libffi");
        assert_eq!(dependency_name("tzdata"), "tzdata");
        assert_eq!(dependency_name("pip[build=py_0]"), "pip");
    }
}
