//! Every generated pixi.toml is a valid pixi manifest by pixi's own published JSON Schema.
//!
//! The schema is the one validate-pyproject-schema-store ships (`resources/pixi.schema.json`,
//! draft-07, the schema of `[tool.pixi]`, which has the structure of a pixi.toml document),
//! installed into the test runtime by scripts/install-test-python.sh (`make test-tools`) and found through
//! `WT_TEST_PYTHON` (the test fails, never skips, without it). Checked are: every example's
//! pixi.toml as the code generates it now (codegen only: no solve, no network), the ones `wt
//! check` wrote to `workflows/*/*/pixi.toml` when present (they are gitignored), the committed
//! pixi.toml snapshots, and a workspace generated from a spec that uses every dependency form
//! wt writes, all checked by the Python `jsonschema` of the same runtime (its draft-07
//! validator). A negative control shows the validator rejects a broken manifest. Violations
//! are reported as `file: JSON pointer: message`.

use crate::support::{codegen_only, python_jsonschema};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const RUN_MAKE_TOOLS: &str = "run `make test-tools` (it installs validate-pyproject-schema-store into .tools/runtime) and set WT_TEST_PYTHON=.tools/runtime/bin/python (the Makefile exports it)";

/// pixi's manifest schema, read from the validate-pyproject-schema-store package of the
/// `WT_TEST_PYTHON` interpreter. Fails (never skips) when that is not set up.
fn pixi_schema() -> serde_json::Value {
    let python = std::env::var_os("WT_TEST_PYTHON")
        .unwrap_or_else(|| panic!("WT_TEST_PYTHON is not set: {RUN_MAKE_TOOLS}"));
    let out = Command::new(&python)
        .args([
            "-c",
            "import importlib.resources as r; print(r.files('validate_pyproject_schema_store')/'resources'/'pixi.schema.json')",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run WT_TEST_PYTHON={python:?}: {e}; {RUN_MAKE_TOOLS}"));
    assert!(
        out.status.success(),
        "WT_TEST_PYTHON={python:?} cannot locate validate_pyproject_schema_store's pixi.schema.json: {RUN_MAKE_TOOLS}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}; {RUN_MAKE_TOOLS}", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schema["$id"],
        "https://json.schemastore.org/partial-pixi.json",
        "{} is not pixi's manifest schema",
        path.display()
    );
    schema
}

/// A TOML value as JSON (datetimes as their TOML text, as pixi's schema expects strings).
fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(*f).map_or_else(|| J::String(f.to_string()), J::Number)
        }
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => J::Object(
            table
                .iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

fn parse_manifest(label: &str, text: &str) -> toml::Value {
    toml::Value::Table(
        toml::from_str::<toml::Table>(text)
            .unwrap_or_else(|e| panic!("{label} is not valid TOML: {e}")),
    )
}

/// `label: <JSON pointer>: <message>` for every violation of pixi's schema by the labelled
/// documents, all checked by one run of Python `jsonschema` (draft-07, as the schema says).
fn violations(docs: &[(String, toml::Value)]) -> Vec<String> {
    let json: Vec<serde_json::Value> = docs.iter().map(|(_, doc)| toml_to_json(doc)).collect();
    python_jsonschema::errors(&pixi_schema(), &json)
        .iter()
        .zip(docs)
        .flat_map(|(errors, (label, _))| python_jsonschema::described(label, errors))
        .collect()
}

/// The example specs, `workflows/*/spec.yaml`.
fn example_specs() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join("workflows"))
        .unwrap()
        .map(|e| e.unwrap().path().join("spec.yaml"))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found
}

/// The generated workspaces next to the example specs, `workflows/*/*/pixi.toml`. They are
/// written by `wt check`/`wt compile` and gitignored, so a fresh checkout has none.
fn workspaces_on_disk() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for spec in example_specs() {
        for ws in std::fs::read_dir(spec.parent().unwrap()).unwrap() {
            let manifest = ws.unwrap().path().join("pixi.toml");
            if manifest.is_file() {
                found.push(manifest);
            }
        }
    }
    found.sort();
    found
}

/// The committed pixi.toml snapshots of tests/generated.rs and tests/codegen.rs: the body of
/// every `tests/snapshots/*@pixi.toml.snap` after insta's `---` header.
fn committed_snapshots() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/snapshots")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with("@pixi.toml.snap") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let body = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(_, body)| body.to_string())
            .unwrap_or_else(|| panic!("{} has no insta header", rel(&path)));
        found.push((rel(&path), body));
    }
    found.sort();
    found
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every example's pixi.toml as the current code generates it (for every platform wt knows),
/// and the one `wt check` wrote next to it when there is one.
#[test]
fn example_workspaces_match_pixis_schema() {
    let specs = example_specs();
    assert!(
        specs.len() >= 5,
        "expected at least 5 workflows/*/spec.yaml, found {}: {specs:?}",
        specs.len()
    );
    let mut docs = Vec::new();
    for spec in &specs {
        let label = format!("pixi.toml generated from {}", rel(spec));
        let text = generate_pixi(
            &std::fs::read_to_string(spec).unwrap(),
            spec.parent().unwrap(),
            wt::config::PLATFORMS,
        );
        let doc = parse_manifest(&label, &text);
        docs.push((label, doc));
    }
    let on_disk = workspaces_on_disk();
    for path in &on_disk {
        let label = rel(path);
        let doc = parse_manifest(&label, &std::fs::read_to_string(path).unwrap());
        docs.push((label, doc));
    }
    let problems = violations(&docs);
    eprintln!(
        "checked {} generated and {} on-disk (workflows/*/*/pixi.toml) manifests",
        specs.len(),
        on_disk.len()
    );
    assert!(
        problems.is_empty(),
        "generated pixi.toml files violate pixi's manifest schema:\n{}",
        problems.join("\n")
    );
}

/// The committed pixi.toml snapshots (tests/snapshots/*@pixi.toml.snap), which include
/// tests/codegen.rs's hand-made dependency sets.
#[test]
fn committed_snapshots_match_pixis_schema() {
    let snapshots = committed_snapshots();
    let examples = snapshots
        .iter()
        .filter(|(label, _)| label.contains("suite__generated__"))
        .count();
    assert!(
        examples >= 5,
        "expected at least 5 tests/snapshots/suite__generated__*@pixi.toml.snap, found {examples}"
    );
    let docs: Vec<(String, toml::Value)> = snapshots
        .iter()
        .map(|(label, text)| (label.clone(), parse_manifest(label, text)))
        .collect();
    let problems = violations(&docs);
    assert!(
        problems.is_empty(),
        "committed pixi.toml snapshots violate pixi's manifest schema:\n{}",
        problems.join("\n")
    );
}

/// pixi.toml of the workspace `wt compile` would generate from `spec_text` in `spec_dir`
/// (codegen only: no solve, no network, nothing written).
fn generate_pixi(spec_text: &str, spec_dir: &Path, platforms: &[&str]) -> String {
    let mut files = codegen_only::generate(spec_text, spec_dir, platforms);
    files.remove("pixi.toml").expect("a pixi.toml is generated")
}

/// A spec with every requirement form wt writes into pixi.toml: conda packages by name and
/// version on a named channel and, via a match spec, on a URL channel; PyPI packages from git
/// (rev + subdirectory, branch, tag + extras), a URL (+ extras) and a local path (editable +
/// extras, and plain); wt's runtime adds plain PyPI versions and the `python` conda package.
const ALL_FORMS_SPEC: &str = r#"id: all_forms
requirements:
  - name: numpy
    version: ">=1.26,<3"
    channel: conda-forge
  - requirement: "https://repo.prefix.dev/ecoscope-workflows::ecoscope-core >=2.0"
  - name: wt-example-tasks
    path: ../../examples/wt-example-tasks
  - name: local-tasks
    path: ./local-tasks
    editable: true
    extras: [io, plots]
  - name: git-rev-tasks
    git: https://github.com/example/tasks.git
    rev: 0123456789abcdef0123456789abcdef01234567
    subdirectory: packages/tasks
  - name: git-branch-tasks
    git: https://github.com/example/branch-tasks.git
    branch: main
  - name: git-tag-tasks
    git: https://github.com/example/tag-tasks.git
    tag: v1.2.3
    extras: [fast]
  - name: url-tasks
    url: https://files.example.org/url_tasks-1.0-py3-none-any.whl
    extras: [all]
workflow:
  - id: total
    name: "Add Two Numbers"
    task: add
  - id: doubled
    name: "Double the Sum"
    task: wt_example_tasks.tasks.double
    partial:
      n: ${{ workflow.total.return }}
"#;

#[test]
fn every_dependency_form_matches_pixis_schema() {
    // Never written: paths are only made relative to it.
    let spec_dir = root().join("workflows/all_forms");
    let text = generate_pixi(ALL_FORMS_SPEC, &spec_dir, wt::config::PLATFORMS);
    let label = "pixi.toml generated from ALL_FORMS_SPEC";
    let doc = parse_manifest(label, &text);
    // The spec's forms all made it into the manifest, so the schema really sees them.
    let conda = &doc["dependencies"];
    assert_eq!(conda["numpy"]["channel"].as_str(), Some("conda-forge"));
    assert_eq!(
        conda["ecoscope-core"]["channel"].as_str(),
        Some("https://repo.prefix.dev/ecoscope-workflows/")
    );
    let pypi = &doc["pypi-dependencies"];
    for (name, keys) in [
        ("local-tasks", &["path", "editable", "extras"][..]),
        ("git-rev-tasks", &["git", "rev", "subdirectory"][..]),
        ("git-branch-tasks", &["git", "branch"][..]),
        ("git-tag-tasks", &["git", "tag", "extras"][..]),
        ("url-tasks", &["url", "extras"][..]),
        ("wt-example-tasks", &["path"][..]),
    ] {
        for key in keys {
            assert!(
                pypi[name].get(key).is_some(),
                "`{name}` has no `{key}` in\n{text}"
            );
        }
    }
    assert!(pypi["wt-task"].is_str(), "{text}");
    let problems = violations(&[(label.to_string(), doc)]);
    assert!(problems.is_empty(), "{}\n\n{text}", problems.join("\n"));
}

/// The validator does fail: an example's manifest broken in ways pixi's schema forbids is
/// rejected, and the report names the file and the JSON pointer of each violation.
#[test]
fn a_broken_manifest_is_rejected() {
    let spec = root().join("workflows/add_then_double/spec.yaml");
    let label = format!("pixi.toml generated from {}", rel(&spec));
    let text = generate_pixi(
        &std::fs::read_to_string(&spec).unwrap(),
        spec.parent().unwrap(),
        wt::config::PLATFORMS,
    );
    let good = parse_manifest(&label, &text);
    let mut doc = good.clone();
    let workspace = doc["workspace"].as_table_mut().unwrap();
    // `channels` must be an array; `[workspace]` has additionalProperties: false.
    workspace.insert("channels".into(), toml::Value::Integer(5));
    workspace.insert("not-a-pixi-key".into(), toml::Value::Boolean(true));
    let broken = format!("{label}, broken");
    let problems = violations(&[(label.clone(), good), (broken.clone(), doc)]);
    assert!(
        problems.iter().all(|p| p.starts_with(&broken)),
        "the unbroken manifest has violations: {problems:#?}"
    );
    let label = broken;
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{label}: /workspace/channels: "))),
        "no violation reported at /workspace/channels: {problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{label}: /workspace: "))
                && p.contains("not-a-pixi-key")),
        "no violation reported for the unknown key in /workspace: {problems:#?}"
    );
}
