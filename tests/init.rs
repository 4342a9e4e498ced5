//! `wt init`: the scaffold builds, runs (with defaults only, and with mock io), passes `wt
//! check` and its own schema; a folder that is not empty is refused unless `--force`. `wt new
//! workflow` adds a workflow that runs at once.

use crate::support::runs;

use runs::wt;
use std::path::Path;

fn init(args: &[&str], dir: &Path) -> std::process::Output {
    wt().arg("init").arg(dir).args(args).output().unwrap()
}

fn in_dir(dir: &Path, args: &[&str]) -> std::process::Output {
    wt().args(args).current_dir(dir).output().unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_scaffold_builds_runs_and_checks_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let said = stdout(&init(&[], &demo));
    assert!(
        said.contains("wt run workflows/scaled_sum --config-json '{}'"),
        "{said}"
    );
    let mut files: Vec<String> = walk(&demo);
    files.sort();
    insta::assert_snapshot!(files.join("\n"));
    let spec = std::fs::read_to_string(demo.join("workflows/scaled_sum/spec.yaml")).unwrap();
    insta::assert_snapshot!(spec.as_str());
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo.join("spec.schema.json")).unwrap())
            .unwrap();
    let spec_json = wt::yaml::parse(&spec).unwrap().to_json();
    let errors = crate::support::python_jsonschema::errors(&schema, &[spec_json]);
    assert_eq!(errors, vec![Vec::<serde_json::Value>::new()]);

    // Its Python is what `ruff format` writes and passes `ruff check`.
    let ruff = runs::root().join(".tools/bin/ruff");
    for args in [
        &["format", "--check", "--diff", "libs"][..],
        &["check", "libs"][..],
    ] {
        let out = std::process::Command::new(&ruff)
            .args(args)
            .current_dir(&demo)
            .output()
            .unwrap();
        stdout(&out);
    }

    stdout(&in_dir(&demo, &["--quiet", "build", "//..."]));
    let run = [
        "--quiet",
        "run",
        "workflows/scaled_sum",
        "--config-json",
        "{}",
    ];
    assert_eq!(stdout(&in_dir(&demo, &run)), "60");
    let mocked = [&run[..], &["--mock-io"]].concat();
    assert_eq!(stdout(&in_dir(&demo, &mocked)), "1080");
    // What its CI file runs: up to date, and no lint warns.
    stdout(&in_dir(
        &demo,
        &["--quiet", "check", "--deny-warnings", "//..."],
    ));

    // `wt new workflow` adds one over the library: only `read_numbers` runs from the form
    // alone (`scale` and `total` take inputs only a spec binds).
    stdout(&in_dir(
        &demo,
        &["--quiet", "new", "workflow", "numbers_only"],
    ));
    let spec = std::fs::read_to_string(demo.join("workflows/numbers_only/spec.yaml")).unwrap();
    insta::assert_snapshot!(spec.as_str());
    let run = [
        "--quiet",
        "run",
        "workflows/numbers_only",
        "--config-json",
        "{}",
    ];
    assert_eq!(stdout(&in_dir(&demo, &run)), "[1,2,3]");
    let again = in_dir(&demo, &["new", "workflow", "numbers_only"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[test]
fn a_folder_that_is_not_empty_needs_force_and_keeps_its_other_files() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = init(&[], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not empty: pass --force"), "{stderr}");
    assert_eq!(walk(tmp.path()), ["notes.txt"]);

    let args = ["--force", "--library", "lab-tools", "--workflow", "weekly"];
    stdout(&init(&args, tmp.path()));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(
        tmp.path()
            .join("libs/lab-tools/src/lab_tools/tasks/__init__.py")
            .is_file()
    );
    assert!(tmp.path().join("workflows/weekly/spec.yaml").is_file());
}

#[test]
fn names_that_cannot_work_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    for (flag, value, says) in [
        ("--workflow", "2fast", "is not a Python identifier"),
        ("--workflow", "class", "is not a Python identifier"),
        ("--library", "-tasks", "is not a distribution name"),
    ] {
        let out = init(&[&format!("{flag}={value}")], &dir);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
        assert!(!dir.exists());
    }
}

/// Every file under `dir`, relative to it.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            out.extend(walk(&path).into_iter().map(|f| format!("{name}/{f}")));
        } else {
            out.push(name);
        }
    }
    out
}
