//! An example of a workflow's parameters, to start a config from (`params.example.json`): every
//! default filled in, and a placeholder of the right type where a required parameter has none
//! (the first of an enum, `0`, `""`, `false`, `[]`, or an object of its own required and
//! defaulted properties). Optional parameters without a default are left out: leaving them out
//! is what a run without them does.

use serde_json::{Map, Value as Json, json};

/// The example document of `schema` (params.json).
pub fn example(schema: &Json) -> Json {
    value_of(schema, schema, 0)
}

/// Deeper than this, a placeholder is `null` (a recursive definition would never end).
const DEEPEST: usize = 16;

fn value_of(root: &Json, node: &Json, depth: usize) -> Json {
    let node = super::refs::follow(root, node);
    if let Some(default) = node.get("default") {
        return default.clone();
    }
    if depth > DEEPEST {
        return Json::Null;
    }
    if let Some(value) = node.get("const") {
        return value.clone();
    }
    if let Some(first) = node
        .get("enum")
        .and_then(Json::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = node.get(key).and_then(Json::as_array) {
            // The first branch that is not `null`: the value a reader most likely wants.
            let branch = branches
                .iter()
                .find(|b| super::refs::follow(root, b).get("type") != Some(&json!("null")))
                .or(branches.first());
            if let Some(branch) = branch {
                return value_of(root, branch, depth + 1);
            }
        }
    }
    let kind = match node.get("type") {
        Some(Json::String(t)) => t.as_str(),
        Some(Json::Array(types)) => types
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if node.get("properties").is_some() => "object",
        _ => "null",
    };
    match kind {
        "object" => object(root, node, depth),
        "array" => json!([]),
        "string" => json!(""),
        "integer" => json!(0),
        "number" => json!(0.0),
        "boolean" => json!(false),
        _ => Json::Null,
    }
}

fn object(root: &Json, node: &Json, depth: usize) -> Json {
    let required: Vec<&str> = node
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    if let Some(properties) = node.get("properties").and_then(Json::as_object) {
        for (name, property) in properties {
            let wanted = required.contains(&name.as_str())
                || super::refs::follow(root, property).get("default").is_some()
                || super::refs::follow(root, property)
                    .get("properties")
                    .is_some();
            if wanted {
                out.insert(name.clone(), value_of(root, property, depth + 1));
            }
        }
    }
    Json::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_filled_and_required_parameters_get_placeholders() {
        let schema = json!({
            "type": "object",
            "properties": {
                "total": {"type": "object", "properties": {
                    "a": {"type": "integer"},
                    "b": {"type": "integer", "default": 2},
                    "unit": {"enum": ["C", "F"]},
                    "note": {"type": "string"},
                    "owner": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/Owner"}]},
                }, "required": ["a", "unit", "owner"]},
            },
            "required": ["total"],
            "$defs": {"Owner": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}},
        });
        assert_eq!(
            example(&schema),
            json!({"total": {"a": 0, "b": 2, "unit": "C", "owner": {"name": ""}}})
        );
    }
}
