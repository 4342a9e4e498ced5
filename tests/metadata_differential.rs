//! wt's reading of core metadata against Python's own: the METADATA / PKG-INFO of 60 real
//! distributions (tests/fixtures/metadata, fetched by scripts/fetch-metadata-fixtures.py and
//! chosen for variety: licence texts over many lines with whitespace-only lines,
//! `License-Expression`, markers, extras, `Dynamic`, metadata 1.0 to 2.4) are read by
//! `wt::env::metadata_text` and by `email.parser` with policy `compat32` (as
//! `importlib.metadata` and `packaging.metadata` read them) in the `WT_TEST_PYTHON`
//! interpreter; `Requires-Dist`, `Requires-Python` and `Provides-Extra` must agree.

use crate::support::test_python;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wt::env::core_metadata::CoreMetadata;
use wt::env::metadata_text::MetadataText;

const FIELDS: [&str; 3] = ["Requires-Dist", "Requires-Python", "Provides-Extra"];

/// What Python's parser reads: file name -> field -> values (stripped, as packaging does).
const PYTHON_READER: &str = r#"
import email.parser, email.policy, json, pathlib, sys
out = {}
for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(path.read_text("utf-8"))
    out[path.name] = {f: [v.strip() for v in message.get_all(f, [])] for f in sys.argv[2:]}
print(json.dumps(out))
"#;

type Fields = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metadata")
}

fn read_by_python(dir: &Path) -> Fields {
    let mut args = vec![dir.as_os_str().to_os_string()];
    args.extend(FIELDS.iter().map(std::ffi::OsString::from));
    serde_json::from_str(&test_python::run_python(PYTHON_READER, args)).unwrap()
}

fn read_by_wt(dir: &Path) -> Fields {
    let mut out = Fields::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = MetadataText::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let fields = FIELDS
            .iter()
            .map(|f| (f.to_string(), doc.all(f).map(str::to_string).collect()))
            .collect();
        out.insert(path.file_name().unwrap().to_string_lossy().into(), fields);
    }
    out
}

#[test]
fn wt_reads_real_metadata_as_python_does() {
    let dir = fixtures();
    let python = read_by_python(&dir);
    assert!(python.len() >= 50, "only {} fixtures", python.len());
    let wt = read_by_wt(&dir);
    assert_eq!(
        wt.keys().collect::<Vec<_>>(),
        python.keys().collect::<Vec<_>>()
    );
    for (file, fields) in &python {
        assert_eq!(&wt[file], fields, "{file}");
    }
    // The case that once lost dependencies: a licence over many lines, some only blanks.
    let pandera = &python["pandera-0.35.0.METADATA"]["Requires-Dist"];
    assert!(
        pandera.iter().any(|r| r.starts_with("typing_inspect")),
        "{pandera:?}"
    );
}

#[test]
fn every_fixture_is_read_whole_for_the_lock() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let from_sdist = path.extension().is_some_and(|e| e == "PKG-INFO");
        let read = CoreMetadata::parse(&text, from_sdist)
            .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
        if !from_sdist {
            let m = read.unwrap_or_else(|| panic!("{} vouches for its fields", path.display()));
            let listed = text
                .lines()
                .filter(|l| l.starts_with("Requires-Dist:"))
                .count();
            assert_eq!(m.requires_dist.len(), listed, "{}", path.display());
        }
    }
}
