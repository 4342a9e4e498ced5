//! Literal arguments checked at build time: a `partial` value with no `${{ ... }}` inside it is
//! known when the workflow is compiled, so it is validated then against the JSON Schema of the
//! parameter it binds (types, enums, bounds, nested shapes: everything the schema says), and a
//! value that cannot work is a located error on the literal, not a pydantic traceback at run
//! time.
//!
//! Only what is certain is an error. The tasks validate their arguments with pydantic, whose
//! default (lax) mode converts some values the schema's types do not list: a string of digits
//! for an `int`, a numeric string for a `float`, `"true"`/`"off"`/`1` for a `bool`. Those are
//! converted here the same way before the schema sees them, so a literal pydantic accepts is
//! never refused. A parameter pydantic could not describe (no schema) takes anything.

use crate::diag::Diagnostic;
use crate::spec::model::{Literal, Spanned, Value};
use crate::spec::resolved::Workflow;
use serde_json::{Value as Json, json};

/// The spec validated against the known tasks ([`crate::spec::validate::validate`]), then its
/// literal arguments against their parameters' schemas: what every build and `wt check` run.
pub fn checked_workflow(
    spec: &crate::spec::model::Spec,
    known: &crate::spec::validate::KnownTasks,
) -> Result<Workflow, Vec<Diagnostic>> {
    let wf = crate::spec::validate::validate(spec, known)?;
    let literals = check_literals(&wf);
    if literals.is_empty() {
        Ok(wf)
    } else {
        Err(literals)
    }
}

/// Every literal argument of `wf` that its parameter's schema refuses, in spec order.
pub fn check_literals(wf: &Workflow) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for inst in &wf.instances {
        for (name, value) in &inst.def.partial {
            let Some(literal) = literal_json(&value.value) else {
                continue;
            };
            let Some(schema) = inst
                .task
                .signature
                .parameter(&name.value)
                .and_then(|p| p.schema.as_ref())
            else {
                continue;
            };
            if let Some((path, problem)) = refusal(&literal, schema) {
                let at = innermost(value, &path);
                errors.push(diagnostic(name, at, &problem, &inst.task.function_name));
            }
        }
    }
    errors
}

fn diagnostic(
    name: &Spanned<String>,
    at: &Spanned<Value>,
    problem: &str,
    function: &str,
) -> Diagnostic {
    Diagnostic::new(
        at.span,
        format!(
            "This value of `{}` cannot work for task `{function}`: {problem}.",
            name.value
        ),
    )
    .help("Change the value to what the parameter takes (`wt tasks SPEC` lists each parameter's type), or bind it from a task or the run's parameters instead.")
}

/// The part of `value` at `path` (list indices, mapping keys), as deep as it goes.
fn innermost<'v>(value: &'v Spanned<Value>, path: &[Json]) -> &'v Spanned<Value> {
    let Some((step, rest)) = path.split_first() else {
        return value;
    };
    let next = match (&value.value, step) {
        (Value::List(items), Json::Number(i)) => i.as_u64().and_then(|i| items.get(i as usize)),
        (Value::Dict(entries), Json::String(key)) => {
            entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
        }
        _ => None,
    };
    next.map_or(value, |v| innermost(v, rest))
}

/// The value as JSON, when it holds no variable.
fn literal_json(value: &Value) -> Option<Json> {
    Some(match value {
        Value::Var(_) => return None,
        Value::Literal(Literal::Null) => Json::Null,
        Value::Literal(Literal::Bool(b)) => json!(b),
        Value::Literal(Literal::Int(i)) => json!(i),
        Value::Literal(Literal::Float(f)) => json!(f),
        Value::Literal(Literal::Str(s)) => json!(s),
        Value::List(items) => Json::Array(
            items
                .iter()
                .map(|v| literal_json(&v.value))
                .collect::<Option<_>>()?,
        ),
        Value::Dict(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| Some((k.clone(), literal_json(&v.value)?)))
                .collect::<Option<_>>()?,
        ),
    })
}

/// Why `schema` refuses `value` even after pydantic's lax conversions, and where in the value
/// (None: it accepts it).
fn refusal(value: &Json, schema: &Json) -> Option<(Vec<Json>, String)> {
    let converted = lax(value, schema, schema, 0);
    // The validator takes an object: wrap the value as the one property of one.
    let mut wrapper = json!({
        "type": "object",
        "properties": {"value": strip_defs(schema)},
    });
    if let Some(defs) = schema.get("$defs") {
        wrapper["$defs"] = defs.clone();
    }
    let violations = super::validate(&json!({"value": converted}), &wrapper);
    let first = violations.first()?;
    let path: Vec<Json> = first.path.iter().skip(1).cloned().collect();
    let at: Vec<String> = path
        .iter()
        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
        .collect();
    let problem = if at.is_empty() {
        first.message.clone()
    } else {
        format!("at `{}`, {}", at.join("."), first.message)
    };
    Some((path, problem))
}

fn strip_defs(schema: &Json) -> Json {
    let mut out = schema.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("$defs");
    }
    out
}

/// `value` with the conversions pydantic's lax mode makes for `schema` (strings to numbers and
/// booleans, 0/1 to booleans), inside arrays and objects too.
fn lax(value: &Json, schema: &Json, root: &Json, depth: usize) -> Json {
    if depth > 32 {
        return value.clone();
    }
    let schema = super::refs::follow(root, schema);
    let types = types_of(schema);
    match value {
        Json::String(s) => {
            let text = s.trim();
            if types.contains(&"integer")
                && let Ok(i) = text.parse::<i64>()
            {
                return json!(i);
            }
            if types.contains(&"number")
                && let Ok(f) = text.parse::<f64>()
                && f.is_finite()
            {
                return json!(f);
            }
            if types.contains(&"boolean")
                && let Some(b) = lax_bool(text)
            {
                return json!(b);
            }
            value.clone()
        }
        Json::Number(n) if types.contains(&"boolean") && !types.contains(&"integer") => {
            match n.as_i64() {
                Some(0) => json!(false),
                Some(1) => json!(true),
                _ => value.clone(),
            }
        }
        Json::Array(items) => {
            let item_schema = schema.get("items").unwrap_or(&Json::Bool(true));
            Json::Array(
                items
                    .iter()
                    .map(|v| lax(v, item_schema, root, depth + 1))
                    .collect(),
            )
        }
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| {
                    let sub = schema
                        .get("properties")
                        .and_then(|p| p.get(k))
                        .or_else(|| schema.get("additionalProperties"))
                        .unwrap_or(&Json::Bool(true));
                    (k.clone(), lax(v, sub, root, depth + 1))
                })
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// pydantic's strings for booleans (lax mode).
fn lax_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
        "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// The JSON types a schema allows at its top, through `anyOf`/`oneOf` branches.
fn types_of(schema: &Json) -> Vec<&str> {
    let mut out = Vec::new();
    match schema.get("type") {
        Some(Json::String(t)) => out.push(t.as_str()),
        Some(Json::Array(ts)) => out.extend(ts.iter().filter_map(Json::as_str)),
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Json::as_array) {
            for b in branches {
                if let Some(t) = b.get("type").and_then(Json::as_str) {
                    out.push(t);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_pydantic_converts_passes_and_the_rest_is_refused() {
        let int = json!({"type": "integer"});
        assert_eq!(refusal(&json!(2), &int), None);
        assert_eq!(refusal(&json!("2"), &int), None);
        assert_eq!(
            refusal(&json!("two"), &int).map(|r| r.1).as_deref(),
            Some("'two' is not of type 'integer'")
        );
        let flag = json!({"type": "boolean"});
        assert_eq!(refusal(&json!("off"), &flag), None);
        assert_eq!(refusal(&json!(1), &flag), None);
        assert!(refusal(&json!("maybe"), &flag).is_some());
        let unit = json!({"enum": ["C", "F"], "type": "string"});
        assert!(
            refusal(&json!("K"), &unit)
                .unwrap()
                .1
                .contains("is not one of")
        );
        let rows = json!({
            "type": "array",
            "items": {"$ref": "#/$defs/Row"},
            "$defs": {"Row": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]}},
        });
        assert_eq!(refusal(&json!([{"n": "3"}]), &rows), None);
        assert_eq!(
            refusal(&json!([{"n": -1}]), &rows).map(|r| r.1).as_deref(),
            Some("at `0.n`, -1 is less than the minimum of 0")
        );
        assert!(
            refusal(&json!([[1, 2]]), &rows)
                .unwrap()
                .1
                .contains("not of type 'object'")
        );
    }
}
