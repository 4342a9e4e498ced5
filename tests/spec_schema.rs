//! `wt schema spec`: the JSON Schema of spec.yaml accepts every spec wt accepts (the bundled
//! examples and every spec written in these tests), refuses a misspelt key wherever wt does,
//! and names every key the parser knows.

use crate::support::python_jsonschema;
use serde_json::Value;
use std::path::{Path, PathBuf};
use wt::spec::parse::parse_spec;
use wt::spec::shape::{SECTIONS, spec_schema};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled examples, and every raw string in the tests' sources that reads as a spec.
fn spec_texts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root().join("workflows")).unwrap() {
        let path = entry.unwrap().path().join("spec.yaml");
        if path.is_file() {
            out.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    for dir in [root().join("tests"), root().join("tests/support")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                out.extend(raw_specs(&path));
            }
        }
    }
    out
}

/// The `r#"id: ..."#` literals of a Rust file.
fn raw_specs(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.split("r#\"")
        .skip(1)
        .filter_map(|rest| rest.split("\"#").next())
        .filter(|body| body.starts_with("id:") && body.contains("\nworkflow:"))
        .enumerate()
        .map(|(i, body)| (format!("{}#{i}", path.display()), body.to_string()))
        .collect()
}

fn as_json(text: &str) -> Value {
    wt::yaml::parse(text).unwrap().to_json()
}

/// Each document's errors under the spec schema, by Python `jsonschema` (which first checks
/// the schema against the Draft 2020-12 meta-schema).
fn errors(docs: &[Value]) -> Vec<Vec<Value>> {
    python_jsonschema::errors(&spec_schema(), docs)
}

#[test]
fn every_spec_wt_accepts_the_schema_accepts() {
    let accepted: Vec<_> = spec_texts()
        .into_iter()
        .filter(|(_, text)| parse_spec(text).is_ok())
        .collect();
    assert!(accepted.len() >= 10, "only {} specs found", accepted.len());
    let docs: Vec<Value> = accepted.iter().map(|(_, text)| as_json(text)).collect();
    for ((name, _), errors) in accepted.iter().zip(errors(&docs)) {
        let described = python_jsonschema::described(name, &errors);
        assert!(errors.is_empty(), "{}", described.join("\n"));
    }
}

#[test]
fn a_misspelt_key_is_refused_by_the_schema_as_by_wt() {
    let spec = std::fs::read_to_string(root().join("workflows/fan_out/spec.yaml")).unwrap();
    let misspelt = [
        ("requirements:", "requirments:"),
        ("    task: ", "    taks: "),
        ("      argvalues:", "      argvalue:"),
        ("    partial:", "    partials:"),
    ];
    // A malformed variable is refused too.
    let mut variants = vec![(".return }}", ".result }}")];
    variants.extend(misspelt);
    let mut docs = vec![as_json(&spec)];
    for (from, to) in &variants {
        assert!(spec.contains(from), "{from}");
        let bad = spec.replacen(from, to, 1);
        assert!(parse_spec(&bad).is_err(), "wt accepts `{to}`");
        docs.push(as_json(&bad));
    }
    let errors = errors(&docs);
    assert_eq!(errors[0], Vec::<Value>::new(), "the example is refused");
    for ((_, to), errors) in variants.iter().zip(&errors[1..]) {
        assert!(!errors.is_empty(), "the schema accepts `{to}`");
    }
}

#[test]
fn the_schema_names_every_key_the_parser_knows() {
    let schema = spec_schema();
    for section in SECTIONS {
        let properties = &schema["$defs"][section.def]["properties"];
        for key in section.names() {
            assert!(
                properties[key]["description"].is_string(),
                "{}.{key} is not described",
                section.def
            );
        }
        assert_eq!(
            schema["$defs"][section.def]["additionalProperties"] == Value::Bool(false),
            section.closed,
            "{}",
            section.def
        );
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&schema).unwrap());
}

/// `wt schema spec` prints that schema.
#[test]
fn wt_schema_spec_prints_it() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wt"))
        .args(["schema", "spec"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, spec_schema());
}
