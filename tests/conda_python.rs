//! A conda `python` that really runs, for the tests of a lock with its own interpreter: built
//! from a CPython present on the machine (`scripts/conda-python.py`), published in a local
//! channel, installed by wt's own conda installer into a prefix longer than the one it was built
//! in, and run from there.

use crate::support::conda_python;

use rattler_conda_types::{Channel, RepoData, Subdir};

#[test]
fn a_python_built_from_a_local_interpreter_installs_and_runs_from_any_prefix() {
    let channel = conda_python::channel();
    let repodata: RepoData =
        serde_json::from_slice(&std::fs::read(channel.join("linux-64/repodata.json")).unwrap())
            .unwrap();
    let url = url::Url::from_directory_path(&channel).unwrap();
    let records = repodata.into_repo_data_records(&Channel::from_url(url));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].package_record.name.as_normalized(), "python");

    let dir = tempfile::tempdir().unwrap();
    let prefix = dir
        .path()
        .join("a/prefix/deliberately/longer/than/the/interpreter/was/built/in");
    let cache = dir.path().join("cache");
    wt::conda::install::install(&records, &prefix, Subdir::Linux64, "3.11", &cache, true).unwrap();

    let probe = "import json, sys, sysconfig, ssl, sqlite3, ctypes\n\
        maps = open('/proc/self/maps').read()\n\
        libpython = sorted({l.split()[-1] for l in maps.splitlines() if 'libpython' in l})\n\
        print(json.dumps([sys.prefix, sysconfig.get_config_var('prefix'), libpython, ssl.OPENSSL_VERSION]))";
    let out = std::process::Command::new(prefix.join("bin/python"))
        .args(["-I", "-c", probe])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let prefix = prefix.display().to_string();
    assert_eq!(seen[0], prefix.as_str(), "sys.prefix follows the install");
    assert_eq!(seen[1], prefix.as_str(), "the build prefix was replaced");
    assert_eq!(
        seen[2],
        serde_json::json!([format!("{prefix}/lib/libpython3.11.so.1.0")]),
        "libpython is the installed one, found through $ORIGIN"
    );
}
