//! The Draft 2020-12 keywords, each reporting what Python `jsonschema` 4.26 reports for it
//! (`jsonschema._keywords`): the same message wording, Python `repr`s of values, and the same
//! subschema and instance steps. `format` is an annotation only, as in Python without a format
//! checker; keywords wt does not know are ignored, as Python ignores them.

use super::evaluated::{evaluated_indexes, evaluated_keys};
use super::resolver::Scope;
use super::validator::{Error, Errors, Invalid, Siblings, Validator};
use super::values::{compare_values, equal, is_type, not_a_multiple, unique};
use super::{py_repr, py_str_repr};
use serde_json::Value as Json;
use std::cmp::Ordering;
use std::collections::VecDeque;

/// The errors of one keyword (`keyword: value`, inside `schema`) for `instance`.
pub fn apply<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    keyword: &str,
    value: &'s Json,
    instance: &Json,
    schema: &'s Siblings,
) -> Errors {
    let inst = || py_repr(instance);
    let fail = |message: String| Ok(vec![Error::new(message)]);
    let ok = || Ok(Vec::new());
    match keyword {
        "$ref" => {
            let (target, _) = v
                .registry
                .lookup(str_of(value), scope)
                .map_err(unresolvable)?;
            v.descend(&target.scope, instance, target.schema, None, None)
        }
        "$dynamicRef" => {
            let target = v
                .registry
                .lookup_dynamic(str_of(value), scope)
                .map_err(unresolvable)?;
            v.descend(&target.scope, instance, target.schema, None, None)
        }
        "type" => {
            let types: Vec<&Json> = match value {
                Json::Array(types) => types.iter().collect(),
                other => vec![other],
            };
            if types
                .iter()
                .any(|t| t.as_str().is_some_and(|t| is_type(instance, t)))
            {
                return ok();
            }
            let reprs: Vec<String> = types.iter().map(|t| py_repr(t)).collect();
            fail(format!("{} is not of type {}", inst(), reprs.join(", ")))
        }
        "enum" => match value.as_array() {
            Some(options) if !options.iter().any(|o| equal(o, instance)) => {
                fail(format!("{} is not one of {}", inst(), py_repr(value)))
            }
            _ => ok(),
        },
        "const" if !equal(instance, value) => fail(format!("{} was expected", py_repr(value))),
        "properties" => properties(v, scope, value, instance),
        "patternProperties" => pattern_properties(v, scope, value, instance),
        "additionalProperties" => additional_properties(v, scope, value, instance, schema),
        "propertyNames" => {
            let mut out = Vec::new();
            for name in instance.as_object().into_iter().flat_map(|m| m.keys()) {
                out.extend(v.descend(scope, &Json::from(name.as_str()), value, None, None)?);
            }
            Ok(out)
        }
        "required" => {
            let (Some(object), Some(names)) = (instance.as_object(), value.as_array()) else {
                return ok();
            };
            Ok(names
                .iter()
                .filter(|name| name.as_str().is_none_or(|n| !object.contains_key(n)))
                .map(|name| Error::new(format!("{} is a required property", py_repr(name))))
                .collect())
        }
        "dependentRequired" => {
            let (Some(object), Some(deps)) = (instance.as_object(), value.as_object()) else {
                return ok();
            };
            let mut out = Vec::new();
            for (property, needs) in deps.iter().filter(|(p, _)| object.contains_key(*p)) {
                for each in needs.as_array().into_iter().flatten() {
                    if each.as_str().is_none_or(|n| !object.contains_key(n)) {
                        out.push(Error::new(format!(
                            "{} is a dependency of {}",
                            py_repr(each),
                            py_str_repr(property)
                        )));
                    }
                }
            }
            Ok(out)
        }
        "dependentSchemas" => {
            let (Some(object), Some(deps)) = (instance.as_object(), value.as_object()) else {
                return ok();
            };
            let mut out = Vec::new();
            for (property, dependency) in deps.iter().filter(|(p, _)| object.contains_key(*p)) {
                out.extend(v.descend(
                    scope,
                    instance,
                    dependency,
                    None,
                    Some(property.as_str().into()),
                )?);
            }
            Ok(out)
        }
        "minProperties" | "maxProperties" => {
            let (Some(object), Some(n)) = (instance.as_object(), value.as_f64()) else {
                return ok();
            };
            let count = object.len() as f64;
            let message = match keyword {
                "minProperties" if count < n => {
                    if n == 1.0 {
                        "should be non-empty"
                    } else {
                        "does not have enough properties"
                    }
                }
                "maxProperties" if count > n => {
                    if n == 0.0 {
                        "is expected to be empty"
                    } else {
                        "has too many properties"
                    }
                }
                _ => return ok(),
            };
            fail(format!("{} {message}", inst()))
        }
        "minItems" | "maxItems" | "minLength" | "maxLength" => {
            let size = match (keyword, instance) {
                ("minItems" | "maxItems", Json::Array(items)) => items.len(),
                ("minLength" | "maxLength", Json::String(s)) => s.chars().count(),
                _ => return ok(),
            };
            let (Some(n), size) = (value.as_f64(), size as f64) else {
                return ok();
            };
            let message = if keyword.starts_with("min") && size < n {
                if n == 1.0 {
                    "should be non-empty"
                } else {
                    "is too short"
                }
            } else if keyword.starts_with("max") && size > n {
                if n == 0.0 {
                    "is expected to be empty"
                } else {
                    "is too long"
                }
            } else {
                return ok();
            };
            fail(format!("{} {message}", inst()))
        }
        "uniqueItems" => match instance {
            Json::Array(items) if value == &Json::Bool(true) && !unique(items) => {
                fail(format!("{} has non-unique elements", inst()))
            }
            _ => ok(),
        },
        "pattern" => match (instance, value) {
            (Json::String(text), Json::String(pattern)) if !v.search(pattern, text)? => fail(
                format!("{} does not match {}", inst(), py_str_repr(pattern)),
            ),
            _ => ok(),
        },
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
            let Some(order) = compare_values(instance, value) else {
                return ok();
            };
            let bound = py_repr(value);
            match (keyword, order) {
                ("minimum", Ordering::Less) => {
                    fail(format!("{} is less than the minimum of {bound}", inst()))
                }
                ("maximum", Ordering::Greater) => {
                    fail(format!("{} is greater than the maximum of {bound}", inst()))
                }
                ("exclusiveMinimum", Ordering::Less | Ordering::Equal) => fail(format!(
                    "{} is less than or equal to the minimum of {bound}",
                    inst()
                )),
                ("exclusiveMaximum", Ordering::Greater | Ordering::Equal) => fail(format!(
                    "{} is greater than or equal to the maximum of {bound}",
                    inst()
                )),
                _ => ok(),
            }
        }
        "multipleOf" => {
            match (instance.as_number(), value.as_number()) {
                (Some(x), Some(d)) if !instance.is_boolean() && not_a_multiple(x, d) => fail(
                    format!("{} is not a multiple of {}", inst(), py_repr(value)),
                ),
                _ => ok(),
            }
        }
        "allOf" => {
            let mut out = Vec::new();
            for (index, subschema) in value.as_array().into_iter().flatten().enumerate() {
                out.extend(v.descend(scope, instance, subschema, None, Some(index.into()))?);
            }
            Ok(out)
        }
        "anyOf" => {
            for subschema in value.as_array().into_iter().flatten() {
                if v.is_valid(scope, instance, subschema)? {
                    return ok();
                }
            }
            fail(format!(
                "{} is not valid under any of the given schemas",
                inst()
            ))
        }
        "oneOf" => one_of(v, scope, value, instance),
        "not" if v.is_valid(scope, instance, value)? => fail(format!(
            "{} should not be valid under {}",
            inst(),
            py_repr(value)
        )),
        "if" => {
            let branch = if v.is_valid(scope, instance, value)? {
                "then"
            } else {
                "else"
            };
            match schema.get(branch) {
                Some(subschema) => v.descend(scope, instance, subschema, None, Some(branch.into())),
                None => ok(),
            }
        }
        "prefixItems" => {
            let mut out = Vec::new();
            let items = instance.as_array().into_iter().flatten();
            for (index, (item, subschema)) in items
                .zip(value.as_array().into_iter().flatten())
                .enumerate()
            {
                out.extend(v.descend(
                    scope,
                    item,
                    subschema,
                    Some(index.into()),
                    Some(index.into()),
                )?);
            }
            Ok(out)
        }
        "items" => items(v, scope, value, instance, schema),
        "contains" => contains(v, scope, value, instance, schema),
        "unevaluatedItems" => {
            let Json::Array(items) = instance else {
                return ok();
            };
            let seen = evaluated_indexes(v, scope, instance, schema)?;
            let extras: Vec<String> = items
                .iter()
                .enumerate()
                .filter(|(i, _)| !seen.contains(i))
                .map(|(_, item)| py_repr(item))
                .collect();
            if extras.is_empty() {
                return ok();
            }
            fail(format!(
                "Unevaluated items are not allowed ({} {} unexpected)",
                extras.join(", "),
                was_were(extras.len())
            ))
        }
        "unevaluatedProperties" => unevaluated_properties(v, scope, value, instance, schema),
        _ => ok(),
    }
}

fn str_of(value: &Json) -> &str {
    value.as_str().unwrap_or_default()
}

fn unresolvable(message: String) -> Invalid {
    Invalid {
        message: format!("Invalid schema: {message}"),
        schema_path: VecDeque::new(),
    }
}

fn was_were(n: usize) -> &'static str {
    if n == 1 { "was" } else { "were" }
}

/// `'a', 'b'` for a message listing names.
fn names(names: &[&String]) -> String {
    let reprs: Vec<String> = names.iter().map(|n| py_str_repr(n)).collect();
    reprs.join(", ")
}

fn properties<'s>(v: &Validator<'s>, scope: &Scope, value: &'s Json, instance: &Json) -> Errors {
    let (Some(object), Some(properties)) = (instance.as_object(), value.as_object()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, subschema) in properties {
        if let Some(member) = object.get(name) {
            let step = Json::from(name.as_str());
            out.extend(v.descend(scope, member, subschema, Some(step.clone()), Some(step))?);
        }
    }
    Ok(out)
}

fn pattern_properties<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    value: &'s Json,
    instance: &Json,
) -> Errors {
    let (Some(object), Some(patterns)) = (instance.as_object(), value.as_object()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (pattern, subschema) in patterns {
        for (name, member) in object {
            if v.search(pattern, name)? {
                let (path, at) = (Json::from(name.as_str()), Json::from(pattern.as_str()));
                out.extend(v.descend(scope, member, subschema, Some(path), Some(at))?);
            }
        }
    }
    Ok(out)
}

/// The instance's names that neither `properties` nor `patternProperties` cover.
fn additional_names<'i>(
    v: &Validator<'_>,
    object: &'i serde_json::Map<String, Json>,
    schema: &Siblings,
) -> Result<Vec<&'i String>, Invalid> {
    let known = schema.get("properties").and_then(Json::as_object);
    let patterns = schema.get("patternProperties").and_then(Json::as_object);
    let mut extras = Vec::new();
    for name in object.keys() {
        if known.is_some_and(|k| k.contains_key(name)) {
            continue;
        }
        if !v.matches_any(patterns.into_iter().flat_map(|p| p.keys()), name)? {
            extras.push(name);
        }
    }
    Ok(extras)
}

fn additional_properties<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    value: &'s Json,
    instance: &Json,
    schema: &'s Siblings,
) -> Errors {
    let Some(object) = instance.as_object() else {
        return Ok(Vec::new());
    };
    let mut extras = additional_names(v, object, schema)?;
    if value.is_object() {
        let mut out = Vec::new();
        for name in extras {
            out.extend(v.descend(
                scope,
                &object[name],
                value,
                Some(name.as_str().into()),
                None,
            )?);
        }
        return Ok(out);
    }
    if value != &Json::Bool(false) || extras.is_empty() {
        return Ok(Vec::new());
    }
    extras.sort();
    let message = match schema.get("patternProperties").and_then(Json::as_object) {
        Some(patterns) => {
            let verb = if extras.len() == 1 { "does" } else { "do" };
            let mut patterns: Vec<&String> = patterns.keys().collect();
            patterns.sort();
            format!(
                "{} {verb} not match any of the regexes: {}",
                names(&extras),
                names(&patterns)
            )
        }
        None => format!(
            "Additional properties are not allowed ({} {} unexpected)",
            names(&extras),
            was_were(extras.len())
        ),
    };
    Ok(vec![Error::new(message)])
}

fn one_of<'s>(v: &Validator<'s>, scope: &Scope, value: &'s Json, instance: &Json) -> Errors {
    let branches = value.as_array().map(Vec::as_slice).unwrap_or_default();
    let inst = py_repr(instance);
    let mut first_valid = None;
    for (index, subschema) in branches.iter().enumerate() {
        if v.descend(scope, instance, subschema, None, Some(index.into()))?
            .is_empty()
        {
            first_valid = Some(index);
            break;
        }
    }
    let Some(first) = first_valid else {
        return Ok(vec![Error::new(format!(
            "{inst} is not valid under any of the given schemas"
        ))]);
    };
    let mut more = Vec::new();
    for subschema in &branches[first + 1..] {
        if v.is_valid(scope, instance, subschema)? {
            more.push(py_repr(subschema));
        }
    }
    if more.is_empty() {
        return Ok(Vec::new());
    }
    more.push(py_repr(&branches[first]));
    Ok(vec![Error::new(format!(
        "{inst} is valid under each of {}",
        more.join(", ")
    ))])
}

fn items<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    value: &'s Json,
    instance: &Json,
    schema: &'s Siblings,
) -> Errors {
    let Json::Array(array) = instance else {
        return Ok(Vec::new());
    };
    let prefix = schema
        .get("prefixItems")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    if array.len() <= prefix {
        return Ok(Vec::new());
    }
    let extra = array.len() - prefix;
    if value == &Json::Bool(false) {
        let rest = if extra == 1 {
            py_repr(&array[prefix])
        } else {
            py_repr(&Json::from(array[prefix..].to_vec()))
        };
        let noun = if prefix == 1 { "item" } else { "items" };
        return Ok(vec![Error::new(format!(
            "Expected at most {prefix} {noun} but found {extra} extra: {rest}"
        ))]);
    }
    let mut out = Vec::new();
    for (index, item) in array.iter().enumerate().skip(prefix) {
        out.extend(v.descend(scope, item, value, Some(index.into()), None)?);
    }
    Ok(out)
}

fn contains<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    value: &'s Json,
    instance: &Json,
    schema: &'s Siblings,
) -> Errors {
    let Json::Array(array) = instance else {
        return Ok(Vec::new());
    };
    let bound = |name: &str, default: usize| {
        schema
            .get(name)
            .cloned()
            .unwrap_or_else(|| Json::from(default))
    };
    let (min, max) = (bound("minContains", 1), bound("maxContains", array.len()));
    let mut matches = 0usize;
    for item in array {
        if v.is_valid(scope, item, value)? {
            matches += 1;
            if max.as_f64().is_some_and(|m| matches as f64 > m) {
                return Ok(vec![
                    Error::new(format!(
                        "Too many items match the given schema (expected at most {})",
                        py_repr(&max)
                    ))
                    .reported_as("maxContains"),
                ]);
            }
        }
    }
    if min.as_f64().is_none_or(|m| matches as f64 >= m) {
        return Ok(Vec::new());
    }
    if matches == 0 {
        return Ok(vec![Error::new(format!(
            "{} does not contain items matching the given schema",
            py_repr(instance)
        ))]);
    }
    Ok(vec![Error::new(format!(
        "Too few items match the given schema (expected at least {} but only {matches} matched)",
        py_repr(&min)
    ))
    .reported_as("minContains")])
}

fn unevaluated_properties<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    value: &'s Json,
    instance: &Json,
    schema: &'s Siblings,
) -> Errors {
    let Some(object) = instance.as_object() else {
        return Ok(Vec::new());
    };
    let seen = evaluated_keys(v, scope, instance, schema)?;
    let mut unevaluated = Vec::new();
    for (name, member) in object.iter().filter(|(name, _)| !seen.contains(*name)) {
        // Python lists a name once per error its subschema gives.
        let errors = v.descend(scope, member, value, Some(name.as_str().into()), None)?;
        unevaluated.extend(std::iter::repeat_n(name, errors.len()));
    }
    if unevaluated.is_empty() {
        return Ok(Vec::new());
    }
    let message = if value == &Json::Bool(false) {
        unevaluated.sort();
        format!(
            "Unevaluated properties are not allowed ({} {} unexpected)",
            names(&unevaluated),
            was_were(unevaluated.len())
        )
    } else {
        format!(
            "Unevaluated properties are not valid under the given schema ({} {} unevaluated and invalid)",
            names(&unevaluated),
            was_were(unevaluated.len())
        )
    };
    Ok(vec![Error::new(message)])
}
