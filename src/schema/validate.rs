//! JSON Schema (Draft 2020-12) validation with `wt_contracts`-shaped errors.
//!
//! Generated workflows, the runner and form front-ends all consume
//! `wt_contracts.ValidationErrorItem`s (`{message, path, schema_path, validator, input}`), which
//! the published implementation fills from Python `jsonschema` errors. We validate with the
//! `jsonschema` crate and translate each error into what Python would have reported for the
//! same failure: Python's message wording and `repr` of values, `schema_path` built the way
//! Python builds it (`$ref` hops are not recorded), integer array indices in `path`, and every
//! error rather than the first, sorted by `path`.

use super::pyrepr::{py_float_repr, py_repr, py_str_repr};
use crate::contracts::ValidationErrorItem;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::Location;
use serde_json::{Value as Json, json};
use std::cmp::Ordering;

/// Validates `instance` against `schema` (Draft 2020-12, formats not asserted, as Python's
/// `Draft202012Validator` without a format checker) and returns every error, sorted by path.
///
/// A non-object instance is rejected up front with a single `type` error, because every
/// document we validate (params, formdata) is an object and the conversion code relies on it.
/// A schema that cannot be compiled (e.g. an unresolvable `$ref`) yields one error with
/// `validator: null` rather than a panic, so a broken artifact surfaces as a 422-shaped answer.
pub fn validate(instance: &Json, schema: &Json) -> Vec<ValidationErrorItem> {
    if !instance.is_object() {
        return vec![ValidationErrorItem {
            message: format!("{} is not of type 'object'", py_repr(instance)),
            path: vec![],
            schema_path: vec![json!("type")],
            validator: Some("type".into()),
            input: instance.clone(),
        }];
    }
    let validator = match jsonschema::draft202012::options()
        .should_validate_formats(false)
        .build(schema)
    {
        Ok(v) => v,
        Err(e) => {
            return vec![ValidationErrorItem {
                message: format!("Invalid schema: {e}"),
                path: vec![],
                schema_path: python_schema_path(e.evaluation_path()),
                validator: None,
                input: instance.clone(),
            }];
        }
    };
    let mut keyed: Vec<(Vec<usize>, ValidationErrorItem)> = validator
        .iter_errors(instance)
        .map(|e| {
            (
                schema_order(schema, e.evaluation_path()),
                convert(&e, instance, Some(schema)),
            )
        })
        .collect();
    // Python yields errors in schema traversal order (keywords as written, depth first); the
    // crate has its own order. Python's sort by path is stable, so at one path the schema order
    // shows through: reproduce it before the path sort.
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    sorted(keyed.into_iter().map(|(_, item)| item).collect())
}

/// Position of each step of an evaluation path within the schema (key index in its object,
/// array index), following local `$ref`s, so errors can be put in schema order.
fn schema_order(root: &Json, location: &Location) -> Vec<usize> {
    let mut key = Vec::new();
    let mut current = Some(root);
    for segment in location.segments() {
        let raw = segment.to_string();
        let Some(node) = current else {
            key.push(usize::MAX);
            continue;
        };
        match node {
            Json::Object(map) => {
                key.push(map.keys().position(|k| *k == raw).unwrap_or(usize::MAX));
                current = map.get(&raw);
                if raw == "$ref" {
                    current = current
                        .and_then(Json::as_str)
                        .and_then(|r| r.strip_prefix('#'))
                        .and_then(|pointer| root.pointer(pointer));
                }
            }
            Json::Array(items) => {
                let i = raw.parse::<usize>().unwrap_or(usize::MAX);
                key.push(i);
                current = items.get(i);
            }
            _ => {
                key.push(usize::MAX);
                current = None;
            }
        }
    }
    key
}

/// Checks that `schema` is itself a valid Draft 2020-12 schema (the meta-schema check the
/// published compiler runs on params.json and rjsf.json before writing them), returning every
/// violation in the same shape as [`validate`].
pub fn check_schema(schema: &Json) -> Vec<ValidationErrorItem> {
    let meta = jsonschema::draft202012::meta::validator();
    sorted(
        meta.iter_errors(schema)
            .map(|e| convert(&e, schema, None))
            .collect(),
    )
}

/// Sorts by path (stable, so errors at one path keep the validator's keyword order) and drops
/// exact duplicates, which arise when several crate errors map onto one Python error.
fn sorted(items: Vec<ValidationErrorItem>) -> Vec<ValidationErrorItem> {
    let mut unique: Vec<ValidationErrorItem> = Vec::with_capacity(items.len());
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    unique.sort_by(|a, b| cmp_path(&a.path, &b.path));
    unique
}

/// Python sorts errors by `list(e.absolute_path)`: element-wise, a prefix first. Mixed
/// int/str positions cannot happen at the same depth of one instance; ints go first anyway.
fn cmp_path(a: &[Json], b: &[Json]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = match (x, y) {
            (Json::Number(x), Json::Number(y)) => x.as_u64().cmp(&y.as_u64()),
            (Json::String(x), Json::String(y)) => x.cmp(y),
            (Json::Number(_), _) => Ordering::Less,
            (_, Json::Number(_)) => Ordering::Greater,
            _ => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

fn convert(
    err: &jsonschema::ValidationError<'_>,
    instance: &Json,
    schema: Option<&Json>,
) -> ValidationErrorItem {
    // Python reports propertyNames failures as the inner error (validator "pattern", input the
    // offending name) at the object's path.
    if let ValidationErrorKind::PropertyNames { error } = err.kind() {
        let mut item = convert(error, instance, schema);
        item.path = instance_path(instance, err.instance_path());
        return item;
    }
    let at = KeywordSite {
        schema,
        location: err.schema_path(),
    };
    let input = err.instance().clone().into_owned();
    let inst = py_repr(&input);
    let mut schema_path = python_schema_path(err.evaluation_path());
    let mut validator = Some(err.kind().keyword().to_string());
    let message = match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let mut extras = unexpected.clone();
            extras.sort();
            match at.sibling("patternProperties").and_then(Json::as_object) {
                Some(patterns) => {
                    let verb = if extras.len() == 1 { "does" } else { "do" };
                    let mut patterns: Vec<&String> = patterns.keys().collect();
                    patterns.sort();
                    let patterns: Vec<String> = patterns.iter().map(|p| py_str_repr(p)).collect();
                    format!(
                        "{} {verb} not match any of the regexes: {}",
                        join_str_reprs(&extras),
                        patterns.join(", ")
                    )
                }
                None => format!(
                    "Additional properties are not allowed ({} {} unexpected)",
                    join_str_reprs(&extras),
                    was_were(extras.len())
                ),
            }
        }
        ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
            format!("{inst} is not valid under any of the given schemas")
        }
        ValidationErrorKind::OneOfMultipleValid { context } => {
            // Python lists the later valid branches, then the first one.
            let branches = at.value().and_then(Json::as_array);
            let valid: Vec<usize> = context
                .iter()
                .enumerate()
                .filter(|(_, e)| e.is_empty())
                .map(|(i, _)| i)
                .collect();
            match (branches, valid.split_first()) {
                (Some(branches), Some((first, rest))) => {
                    let reprs: Vec<String> = rest
                        .iter()
                        .chain(std::iter::once(first))
                        .filter_map(|i| branches.get(*i))
                        .map(py_repr)
                        .collect();
                    format!("{inst} is valid under each of {}", reprs.join(", "))
                }
                _ => format!("{inst} is valid under more than one of the given schemas"),
            }
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!("{} was expected", py_repr(expected_value))
        }
        ValidationErrorKind::Contains => {
            let matched = at
                .sibling("contains")
                .and_then(|c| count_matches(schema?, c, &input));
            match (at.keyword(), matched) {
                (Some("maxContains"), _) => {
                    validator = Some("maxContains".into());
                    set_last(&mut schema_path, "contains");
                    let limit = at.value().map(py_repr).unwrap_or_default();
                    format!("Too many items match the given schema (expected at most {limit})")
                }
                (Some("minContains"), Some(matched)) if matched > 0 => {
                    validator = Some("minContains".into());
                    set_last(&mut schema_path, "contains");
                    let limit = at.value().map(py_repr).unwrap_or_default();
                    format!(
                        "Too few items match the given schema \
                         (expected at least {limit} but only {matched} matched)"
                    )
                }
                (Some("minContains"), _) => {
                    validator = Some("contains".into());
                    set_last(&mut schema_path, "contains");
                    format!("{inst} does not contain items matching the given schema")
                }
                _ => format!("{inst} does not contain items matching the given schema"),
            }
        }
        ValidationErrorKind::Enum { options } => {
            format!("{inst} is not one of {}", py_repr(options))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!(
                "{inst} is greater than or equal to the maximum of {}",
                py_repr(limit)
            )
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!(
                "{inst} is less than or equal to the minimum of {}",
                py_repr(limit)
            )
        }
        ValidationErrorKind::FalseSchema => {
            if let Some(item) = false_schema_as_python(err, instance, &at) {
                return item;
            }
            validator = None;
            format!("False schema does not allow {inst}")
        }
        ValidationErrorKind::Format { format } => {
            format!("{inst} is not a {}", py_str_repr(format))
        }
        ValidationErrorKind::MaxItems { limit } => {
            sized(&inst, *limit == 0, "is expected to be empty", "is too long")
        }
        ValidationErrorKind::MinItems { limit } => {
            sized(&inst, *limit == 1, "should be non-empty", "is too short")
        }
        ValidationErrorKind::MaxLength { limit } => {
            sized(&inst, *limit == 0, "is expected to be empty", "is too long")
        }
        ValidationErrorKind::MinLength { limit } => {
            sized(&inst, *limit == 1, "should be non-empty", "is too short")
        }
        ValidationErrorKind::MaxProperties { limit } => sized(
            &inst,
            *limit == 0,
            "is expected to be empty",
            "has too many properties",
        ),
        ValidationErrorKind::MinProperties { limit } => sized(
            &inst,
            *limit == 1,
            "should be non-empty",
            "does not have enough properties",
        ),
        ValidationErrorKind::Maximum { limit } => {
            format!("{inst} is greater than the maximum of {}", py_repr(limit))
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("{inst} is less than the minimum of {}", py_repr(limit))
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            let divisor = at
                .value()
                .map(py_repr)
                .unwrap_or_else(|| py_float_repr(*multiple_of));
            format!("{inst} is not a multiple of {divisor}")
        }
        ValidationErrorKind::Not { schema } => {
            format!("{inst} should not be valid under {}", py_repr(schema))
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{inst} does not match {}", py_str_repr(pattern))
        }
        ValidationErrorKind::Required { property } => {
            if at.keyword() == Some("dependentRequired") {
                validator = Some("dependentRequired".into());
                let trigger = at.value().and_then(Json::as_object).and_then(|deps| {
                    deps.iter().find(|(name, needs)| {
                        input.get(name.as_str()).is_some()
                            && needs.as_array().is_some_and(|n| n.contains(property))
                    })
                });
                match trigger {
                    Some((name, _)) => format!(
                        "{} is a dependency of {}",
                        py_repr(property),
                        py_str_repr(name)
                    ),
                    None => format!("{} is a required property", py_repr(property)),
                }
            } else {
                format!("{} is a required property", py_repr(property))
            }
        }
        ValidationErrorKind::Type { kind } => {
            // The schema's own spelling and order, as Python prints it.
            let types: Vec<String> = match at.value() {
                Some(Json::String(t)) => vec![t.clone()],
                Some(Json::Array(ts)) => ts
                    .iter()
                    .filter_map(|t| t.as_str().map(String::from))
                    .collect(),
                _ => match kind {
                    TypeKind::Single(t) => vec![t.to_string()],
                    TypeKind::Multiple(ts) => ts.iter().map(|t| t.to_string()).collect(),
                },
            };
            let types: Vec<String> = types.iter().map(|t| py_str_repr(t)).collect();
            format!("{inst} is not of type {}", types.join(", "))
        }
        ValidationErrorKind::UnevaluatedItems { unexpected } => {
            let items: Vec<String> = unexpected
                .iter()
                .map(|s| {
                    serde_json::from_str::<Json>(s).map_or_else(|_| py_str_repr(s), |v| py_repr(&v))
                })
                .collect();
            format!(
                "Unevaluated items are not allowed ({} {} unexpected)",
                items.join(", "),
                was_were(items.len())
            )
        }
        ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            if at.value() == Some(&Json::Bool(false)) || at.value().is_none() {
                let mut extras = unexpected.clone();
                extras.sort();
                format!(
                    "Unevaluated properties are not allowed ({} {} unexpected)",
                    join_str_reprs(&extras),
                    was_were(extras.len())
                )
            } else {
                format!(
                    "Unevaluated properties are not valid under the given schema ({} {} unevaluated and invalid)",
                    join_str_reprs(unexpected),
                    was_were(unexpected.len())
                )
            }
        }
        ValidationErrorKind::UniqueItems => format!("{inst} has non-unique elements"),
        ValidationErrorKind::Custom { message, .. } => message.clone(),
        _ => err.to_string(),
    };
    ValidationErrorItem {
        message,
        path: instance_path(instance, err.instance_path()),
        schema_path,
        validator,
        input,
    }
}

/// The crate reports `additionalProperties: false` (with no `properties` or
/// `patternProperties` beside it) and `items: false` as false-schema failures of the offending
/// members; Python reports one error on the containing object or array. Rebuild Python's.
fn false_schema_as_python(
    err: &jsonschema::ValidationError<'_>,
    instance: &Json,
    at: &KeywordSite<'_>,
) -> Option<ValidationErrorItem> {
    let keyword = at.keyword()?;
    let mut path = instance_path(instance, err.instance_path());
    let mut container = value_at(instance, &path)?;
    let member_is_the_failure = match keyword {
        "additionalProperties" => !container.is_object() || container == err.instance().as_ref(),
        // Always reported at the item's own index.
        "items" => path.last().is_some_and(Json::is_number),
        _ => return None,
    };
    if member_is_the_failure {
        path.pop()?;
        container = value_at(instance, &path)?;
    }
    let schema_path = python_schema_path(err.evaluation_path());
    let message = match (keyword, container) {
        ("additionalProperties", Json::Object(map)) => {
            let known = at.sibling("properties").and_then(Json::as_object);
            let mut extras: Vec<String> = map
                .keys()
                .filter(|k| known.is_none_or(|p| !p.contains_key(*k)))
                .cloned()
                .collect();
            extras.sort();
            format!(
                "Additional properties are not allowed ({} {} unexpected)",
                join_str_reprs(&extras),
                was_were(extras.len())
            )
        }
        ("items", Json::Array(items)) => {
            let prefix = at
                .sibling("prefixItems")
                .and_then(Json::as_array)
                .map_or(0, Vec::len);
            let extra = items.len().saturating_sub(prefix);
            let rest = if extra == 1 {
                py_repr(&items[prefix])
            } else {
                py_repr(&Json::from(items[prefix.min(items.len())..].to_vec()))
            };
            let noun = if prefix == 1 { "item" } else { "items" };
            format!("Expected at most {prefix} {noun} but found {extra} extra: {rest}")
        }
        _ => return None,
    };
    Some(ValidationErrorItem {
        message,
        path,
        schema_path,
        validator: Some(keyword.into()),
        input: container.clone(),
    })
}

fn value_at<'a>(root: &'a Json, path: &[Json]) -> Option<&'a Json> {
    path.iter().try_fold(root, |v, seg| match seg {
        Json::Number(n) => v.get(n.as_u64()? as usize),
        Json::String(k) => v.get(k),
        _ => None,
    })
}

fn set_last(path: &mut [Json], keyword: &str) {
    if let Some(last) = path.last_mut() {
        *last = json!(keyword);
    }
}

/// How many items of `array` match a `contains` subschema (Python's `minContains` message
/// states it). The subschema is compiled with the root's `$defs` so its local `$ref`s resolve.
fn count_matches(root: &Json, contains: &Json, array: &Json) -> Option<usize> {
    let mut wrapper = json!({"allOf": [contains]});
    if let Some(defs) = root.get("$defs") {
        wrapper["$defs"] = defs.clone();
    }
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(false)
        .build(&wrapper)
        .ok()?;
    Some(
        array
            .as_array()?
            .iter()
            .filter(|item| validator.is_valid(item))
            .count(),
    )
}

fn sized(inst: &str, edge: bool, edge_text: &str, text: &str) -> String {
    format!("{inst} {}", if edge { edge_text } else { text })
}

fn was_were(n: usize) -> &'static str {
    if n == 1 { "was" } else { "were" }
}

fn join_str_reprs(names: &[String]) -> String {
    names
        .iter()
        .map(|n| py_str_repr(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The failing keyword inside the root schema, located by its canonical (document) path.
struct KeywordSite<'a> {
    schema: Option<&'a Json>,
    location: &'a Location,
}

impl<'a> KeywordSite<'a> {
    fn keyword(&self) -> Option<&'a str> {
        let s: &'a str = self.location.as_str();
        s.rsplit('/').next().filter(|k| !k.is_empty())
    }

    /// The keyword's value in the schema.
    fn value(&self) -> Option<&'a Json> {
        self.schema?.pointer(self.location.as_str())
    }

    /// Another keyword of the same subschema.
    fn sibling(&self, name: &str) -> Option<&'a Json> {
        let s = self.location.as_str();
        let parent = &s[..s.rfind('/')?];
        self.schema?.pointer(parent)?.get(name)
    }
}

/// The instance path as Python's `absolute_path`: array positions as integers, object keys
/// (even numeric-looking ones) as strings. Decided by walking the instance, since the location
/// string alone cannot tell `["0"]` from `[0]`.
fn instance_path(instance: &Json, location: &Location) -> Vec<Json> {
    let mut out = Vec::new();
    let mut current = Some(instance);
    for segment in location.segments() {
        let raw = segment.to_string();
        match current {
            Some(Json::Array(items)) => match raw.parse::<usize>() {
                Ok(i) => {
                    out.push(json!(i));
                    current = items.get(i);
                }
                Err(_) => {
                    out.push(json!(raw));
                    current = None;
                }
            },
            Some(Json::Object(map)) => {
                current = map.get(&raw);
                out.push(json!(raw));
            }
            _ => out.push(json!(raw)),
        }
    }
    out
}

/// Keywords whose next path segment is a name (a string even when it looks like a number).
const NAMED_CHILDREN: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose next path segment is an array index.
const INDEXED_CHILDREN: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// Python's `absolute_schema_path` from the crate's evaluation path (which records `$ref`
/// traversals): `$ref` hops are dropped, as Python's validator never records them, and indices
/// of `allOf`/`anyOf`/`oneOf`/`prefixItems` become integers.
fn python_schema_path(location: &Location) -> Vec<Json> {
    enum Next {
        Keyword,
        Name,
        Index,
    }
    let mut out = Vec::new();
    let mut next = Next::Keyword;
    for segment in location.segments() {
        let raw = segment.to_string();
        next = match next {
            Next::Name => {
                out.push(json!(raw));
                Next::Keyword
            }
            Next::Index => {
                out.push(raw.parse::<u64>().map_or_else(|_| json!(raw), |i| json!(i)));
                Next::Keyword
            }
            Next::Keyword => {
                if raw != "$ref" {
                    out.push(json!(raw));
                }
                if NAMED_CHILDREN.contains(&raw.as_str()) {
                    Next::Name
                } else if INDEXED_CHILDREN.contains(&raw.as_str()) {
                    Next::Index
                } else {
                    Next::Keyword
                }
            }
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(instance: Json, schema: Json) -> ValidationErrorItem {
        let mut errors = validate(&instance, &schema);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        errors.remove(0)
    }

    #[test]
    fn non_object_instance_is_a_single_type_error() {
        let errors = validate(&json!([1]), &json!({"type": "object"}));
        assert_eq!(
            errors,
            vec![ValidationErrorItem {
                message: "[1] is not of type 'object'".into(),
                path: vec![],
                schema_path: vec![json!("type")],
                validator: Some("type".into()),
                input: json!([1]),
            }]
        );
    }

    #[test]
    fn type_error_matches_wt_contracts_docstring_example() {
        let e = one(
            json!({"age": "old"}),
            json!({"properties": {"age": {"type": "integer"}}}),
        );
        assert_eq!(e.message, "'old' is not of type 'integer'");
        assert_eq!(e.path, vec![json!("age")]);
        assert_eq!(
            e.schema_path,
            vec![json!("properties"), json!("age"), json!("type")]
        );
        assert_eq!(e.validator.as_deref(), Some("type"));
        assert_eq!(e.input, json!("old"));
    }

    #[test]
    fn ref_hops_are_not_in_schema_path_and_indices_are_integers() {
        let schema = json!({
            "properties": {"xs": {"type": "array", "items": {"$ref": "#/$defs/N"}}},
            "$defs": {"N": {"type": "object", "properties": {"0": {"type": "string"}}}}
        });
        let e = one(json!({"xs": [{"0": 1}]}), schema);
        assert_eq!(e.path, vec![json!("xs"), json!(0), json!("0")]);
        assert_eq!(
            e.schema_path,
            vec![
                json!("properties"),
                json!("xs"),
                json!("items"),
                json!("properties"),
                json!("0"),
                json!("type")
            ]
        );
    }

    #[test]
    fn additional_properties_message_lists_sorted_extras() {
        let e = one(
            json!({"b": 1, "a": 2}),
            json!({"additionalProperties": false}),
        );
        assert_eq!(
            e.message,
            "Additional properties are not allowed ('a', 'b' were unexpected)"
        );
        let e = one(
            json!({"q": 1}),
            json!({"patternProperties": {"^x": {}}, "additionalProperties": false}),
        );
        assert_eq!(e.message, "'q' does not match any of the regexes: '^x'");
    }

    #[test]
    fn unbuildable_schema_is_reported_not_panicked() {
        let errors = validate(&json!({}), &json!({"$ref": "#/$defs/Missing"}));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].validator, None);
    }

    #[test]
    fn check_schema_flags_bad_keywords() {
        assert!(check_schema(&json!({"type": "object"})).is_empty());
        let errors = check_schema(&json!({"type": "objekt"}));
        assert!(!errors.is_empty());
        assert_eq!(errors[0].path, vec![json!("type")]);
    }
}
