//! Python `jsonschema` (4.26, in the tests' Python): a JSON Schema implementation independent
//! of wt's own validator, which the tests hold wt's schemas, its generated manifests and its
//! validator to. One interpreter validates a whole batch of documents.
#![allow(dead_code)]

use super::test_python::python;
use serde_json::{Value as Json, json};
use std::io::Write;
use std::process::{Command, Stdio};

/// For each group of a request (a schema and documents), validates each document with the
/// validator the schema's `$schema` names (after checking the schema against its
/// meta-schema); `"meta"` as the schema stands for the Draft 2020-12 meta-schema itself.
/// Errors are in `wt_contracts.ValidationErrorItem`'s shape, sorted by path as `wt_contracts`
/// sorts them.
const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for


def errors(schema, docs):
    if schema == "meta":
        schema = Draft202012Validator.META_SCHEMA
    cls = validator_for(schema, default=Draft202012Validator)
    cls.check_schema(schema)
    validator = cls(schema)
    return [
        [
            {
                "message": e.message,
                "path": list(e.absolute_path),
                "schema_path": list(e.absolute_schema_path),
                "validator": e.validator if isinstance(e.validator, str) else None,
                "input": e.instance,
            }
            for e in sorted(validator.iter_errors(doc), key=lambda e: e.path)
        ]
        for doc in docs
    ]


json.dump([errors(schema, docs) for schema, docs in json.load(sys.stdin)], sys.stdout)
"#;

/// Each of `docs`' errors under `schema`, as Python `jsonschema` reports them.
pub fn errors(schema: &Json, docs: &[Json]) -> Vec<Vec<Json>> {
    batch(&[(schema.clone(), docs.to_vec())]).remove(0)
}

/// [`errors`] for several schemas, in one interpreter.
pub fn batch(groups: &[(Json, Vec<Json>)]) -> Vec<Vec<Vec<Json>>> {
    let mut child = Command::new(python())
        .args(["-c", VALIDATE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("WT_TEST_PYTHON runs");
    let request = json!(groups).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "Python jsonschema failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The schema [`batch`] and [`errors`] read as the Draft 2020-12 meta-schema.
pub fn meta_schema() -> Json {
    json!("meta")
}

/// `label: <JSON pointer>: <message>` for each error, to name what failed where.
pub fn described(label: &str, errors: &[Json]) -> Vec<String> {
    errors
        .iter()
        .map(|e| {
            let pointer: String = e["path"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|step| match step {
                    Json::String(s) => format!("/{}", s.replace('~', "~0").replace('/', "~1")),
                    other => format!("/{other}"),
                })
                .collect();
            let pointer = if pointer.is_empty() {
                "(root)".to_string()
            } else {
                pointer
            };
            format!(
                "{label}: {pointer}: {} (schema: {})",
                e["message"].as_str().unwrap_or(""),
                e["schema_path"]
            )
        })
        .collect()
}
