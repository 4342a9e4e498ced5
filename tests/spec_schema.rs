//! `wt schema spec`: the JSON Schema of spec.yaml accepts every spec wt accepts (the bundled
//! examples and every spec written in these tests), refuses a misspelt key wherever wt does,
//! and names every key the parser knows.

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

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&spec_schema()).expect("the spec schema is a valid JSON Schema")
}

#[test]
fn every_spec_wt_accepts_the_schema_accepts() {
    let validator = validator();
    let accepted: Vec<_> = spec_texts()
        .into_iter()
        .filter(|(_, text)| parse_spec(text).is_ok())
        .collect();
    assert!(accepted.len() >= 10, "only {} specs found", accepted.len());
    for (name, text) in &accepted {
        let errors: Vec<String> = validator
            .iter_errors(&as_json(text))
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

#[test]
fn a_misspelt_key_is_refused_by_the_schema_as_by_wt() {
    let validator = validator();
    let spec = std::fs::read_to_string(root().join("workflows/fan_out/spec.yaml")).unwrap();
    assert!(validator.is_valid(&as_json(&spec)));
    let misspelt = [
        ("requirements:", "requirments:"),
        ("    task: ", "    taks: "),
        ("      argvalues:", "      argvalue:"),
        ("    partial:", "    partials:"),
    ];
    for (from, to) in misspelt {
        assert!(spec.contains(from), "{from}");
        let bad = spec.replacen(from, to, 1);
        assert!(parse_spec(&bad).is_err(), "wt accepts `{to}`");
        assert!(
            !validator.is_valid(&as_json(&bad)),
            "the schema accepts `{to}`"
        );
    }
    // A malformed variable is refused too.
    let bad = spec.replacen(".return }}", ".result }}", 1);
    assert!(parse_spec(&bad).is_err() && !validator.is_valid(&as_json(&bad)));
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
