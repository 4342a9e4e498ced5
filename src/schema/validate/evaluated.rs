//! What a schema has already evaluated, for `unevaluatedItems` and `unevaluatedProperties`:
//! the item indexes and property names that its other keywords (and the subschemas of its
//! references, valid combinators and taken conditional branch) looked at. The rules are those
//! of Python `jsonschema`'s `find_evaluated_item_indexes_by_schema` and
//! `find_evaluated_property_keys_by_schema`.

use super::resolver::Scope;
use super::validator::{Invalid, Siblings, Validator};
use serde_json::Value as Json;
use std::collections::HashSet;

/// The subschemas `schema` hands evaluation on to: its references, the branch of its
/// conditional that applies, and the combinator branches that accept the instance.
fn delegated<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    instance: &Json,
    schema: &'s Siblings,
) -> Result<Vec<(&'s Json, Scope)>, Invalid> {
    let mut out = Vec::new();
    if let Some(reference) = schema.get("$ref").and_then(Json::as_str)
        && let Ok((target, _)) = v.registry.lookup(reference, scope)
    {
        out.push((target.schema, target.scope));
    }
    if let Some(reference) = schema.get("$dynamicRef").and_then(Json::as_str)
        && let Ok(target) = v.registry.lookup_dynamic(reference, scope)
    {
        out.push((target.schema, target.scope));
    }
    if let Some(condition) = schema.get("if") {
        if v.is_valid(scope, instance, condition)? {
            out.push((condition, scope.clone()));
            if let Some(then) = schema.get("then") {
                out.push((then, scope.clone()));
            }
        } else if let Some(otherwise) = schema.get("else") {
            out.push((otherwise, scope.clone()));
        }
    }
    for keyword in ["allOf", "oneOf", "anyOf"] {
        for subschema in schema
            .get(keyword)
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if v.is_valid(scope, instance, subschema)? {
                out.push((subschema, scope.clone()));
            }
        }
    }
    Ok(out)
}

/// Indexes of `instance` (an array) evaluated by `schema`.
pub fn evaluated_indexes<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    instance: &Json,
    schema: &'s Siblings,
) -> Result<HashSet<usize>, Invalid> {
    let items = instance.as_array().map(Vec::as_slice).unwrap_or_default();
    if schema.contains_key("items") {
        return Ok((0..items.len()).collect());
    }
    let mut seen = HashSet::new();
    if let Some(prefix) = schema.get("prefixItems").and_then(Json::as_array) {
        seen.extend(0..prefix.len());
    }
    for keyword in ["contains", "unevaluatedItems"] {
        if let Some(subschema) = schema.get(keyword) {
            for (index, item) in items.iter().enumerate() {
                if v.is_valid(scope, item, subschema)? {
                    seen.insert(index);
                }
            }
        }
    }
    for (subschema, scope) in delegated(v, scope, instance, schema)? {
        if let Json::Object(map) = subschema {
            seen.extend(evaluated_indexes(v, &scope, instance, map)?);
        }
    }
    Ok(seen)
}

/// Names of `instance` (an object) evaluated by `schema`.
pub fn evaluated_keys<'s>(
    v: &Validator<'s>,
    scope: &Scope,
    instance: &Json,
    schema: &'s Siblings,
) -> Result<HashSet<String>, Invalid> {
    let Some(object) = instance.as_object() else {
        return Ok(HashSet::new());
    };
    let mut seen = HashSet::new();
    if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
        seen.extend(
            object
                .keys()
                .filter(|k| properties.contains_key(*k))
                .cloned(),
        );
    }
    for keyword in ["additionalProperties", "unevaluatedProperties"] {
        if let Some(subschema) = schema.get(keyword) {
            for (name, member) in object {
                if v.is_valid(scope, member, subschema)? {
                    seen.insert(name.clone());
                }
            }
        }
    }
    if let Some(patterns) = schema.get("patternProperties").and_then(Json::as_object) {
        for name in object.keys() {
            if v.matches_any(patterns.keys(), name)? {
                seen.insert(name.clone());
            }
        }
    }
    if let Some(dependents) = schema.get("dependentSchemas").and_then(Json::as_object) {
        for (name, subschema) in dependents {
            if object.contains_key(name)
                && let Json::Object(map) = subschema
            {
                seen.extend(evaluated_keys(v, scope, instance, map)?);
            }
        }
    }
    for (subschema, scope) in delegated(v, scope, instance, schema)? {
        if let Json::Object(map) = subschema {
            seen.extend(evaluated_keys(v, &scope, instance, map)?);
        }
    }
    Ok(seen)
}
