//! The bytecode of environments (`src/env/bytecode.py`, run by each new environment's
//! interpreter): every installed source gets a checked-hash `.pyc`, compiled once into a store
//! and linked into every environment holding the same source; a source that does not compile
//! gets none and stops nothing; an edited source is never run from its old bytecode; a store
//! that cannot be written still leaves the environment compiled. Run here on
//! two plain venvs of the tests' Python; `build::builds_are_hermetic_across_folders_and_caches`
//! checks the same of environments wt builds.

use crate::support::{output, test_python};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A venv (no pip) of the tests' Python; returns its interpreter and site-packages.
fn venv(dir: &Path) -> (PathBuf, PathBuf) {
    let run = |cmd: &mut Command| output::ok(&cmd.output().unwrap());
    run(Command::new(test_python::python())
        .args(["-m", "venv", "--without-pip"])
        .arg(dir));
    let python = dir.join("bin/python");
    let site = run(Command::new(&python).args([
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
    ]));
    (python, PathBuf::from(site.trim()))
}

/// Runs the program on `python` with `store`; returns what it printed.
fn write_bytecode(python: &Path, store: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/env/bytecode.py");
    let out = Command::new(python)
        .args(["-I", "-B"])
        .arg(script)
        .arg(store)
        .output()
        .unwrap();
    output::ok(&out).trim().to_string()
}

/// The `.pyc` of `source` next to it (`__pycache__/<stem>.<tag>.pyc`), if any.
fn pyc(source: &Path) -> Option<PathBuf> {
    let stem = source.file_stem().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(source.parent().unwrap().join("__pycache__"))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(&format!("{stem}.")) && name.ends_with(".pyc")
        })
}

#[test]
fn environments_share_one_compiled_copy_of_each_source() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (python_a, site_a) = venv(&dir.path().join("a"));
    let (python_b, site_b) = venv(&dir.path().join("b"));
    for site in [&site_a, &site_b] {
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(site.join("shared.py"), "VALUE = 'shared'\n").unwrap();
        std::fs::write(site.join("pkg/__init__.py"), "").unwrap();
        // Not Python: a template some packages ship as .py.
        std::fs::write(site.join("pkg/template.py"), "def {{ name }}(:\n").unwrap();
    }
    std::fs::write(site_b.join("only_b.py"), "VALUE = 'b'\n").unwrap();

    assert_eq!(write_bytecode(&python_a, &store), "compiled 2, reused 0");
    assert_eq!(write_bytecode(&python_b, &store), "compiled 1, reused 2");
    // Already there: nothing compiled, nothing linked again.
    assert_eq!(write_bytecode(&python_a, &store), "compiled 0, reused 0");

    // One file on disk for the shared source, checked-hash (PEP 552 flags 0b11).
    let (a, b) = (
        pyc(&site_a.join("shared.py")).unwrap(),
        pyc(&site_b.join("shared.py")).unwrap(),
    );
    assert_eq!(
        std::fs::metadata(&a).unwrap().ino(),
        std::fs::metadata(&b).unwrap().ino()
    );
    let header = std::fs::read(&a).unwrap();
    assert_eq!(u32::from_le_bytes(header[4..8].try_into().unwrap()), 0b11);
    assert!(pyc(&site_a.join("pkg/template.py")).is_none());

    // Imports use it, and an edited source is compiled afresh rather than run from it.
    let value = |python: &Path| {
        let out = Command::new(python)
            .args(["-c", "import shared; print(shared.VALUE)"])
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(value(&python_a), "shared");
    std::fs::write(site_a.join("shared.py"), "VALUE = 'edited'\n").unwrap();
    assert_eq!(value(&python_a), "edited");
    assert_eq!(value(&python_b), "shared");

    // A store that cannot be written: the environment still gets its bytecode.
    let (python_c, site_c) = venv(&dir.path().join("c"));
    std::fs::write(site_c.join("shared.py"), "VALUE = 'shared'\n").unwrap();
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    let unwritable = dir.path().join("a-file/store");
    assert_eq!(
        write_bytecode(&python_c, &unwritable),
        "compiled 1, reused 0"
    );
    assert!(pyc(&site_c.join("shared.py")).is_some());
}
