//! JSON Schema (Draft 2020-12) validation with `wt_contracts`-shaped errors.
//!
//! Generated workflows, the runner and form front-ends all consume
//! `wt_contracts.ValidationErrorItem`s (`{message, path, schema_path, validator, input}`), which
//! the published implementation fills from Python `jsonschema` 4.26 errors. This validator
//! follows that library's own structure (its keyword functions, its `descend`, its reference
//! resolution), so each error is the one Python reports for the same failure: Python's message
//! wording and `repr` of values, `schema_path` as Python builds it (`$ref` hops are not
//! recorded), integer array indices in `path`, and every error rather than the first, in
//! schema order, sorted by `path`.

mod evaluated;
mod keywords;
mod resolver;
mod validator;
mod values;

use super::pyrepr::{py_repr, py_str_repr};
use crate::contracts::ValidationErrorItem;
use resolver::Registry;
use serde_json::{Value as Json, json};
use std::cmp::Ordering;
use validator::{Error, Validator};

/// Validates `instance` against `schema` (Draft 2020-12, formats not asserted, as Python's
/// `Draft202012Validator` without a format checker) and returns every error, sorted by path.
///
/// A non-object instance is rejected up front with a single `type` error, because every
/// document we validate (params, formdata) is an object and the conversion code relies on it.
/// A schema that cannot be applied (an unresolvable `$ref`, a `pattern` that is not a regular
/// expression) yields one error with `validator: null` rather than a panic, so a broken
/// artifact surfaces as a 422-shaped answer.
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
    let (registry, scope) = Registry::new(schema);
    let validator = Validator::new(registry, keywords::apply);
    match validator.descend(&scope, instance, schema, None, None) {
        Ok(errors) => sorted(errors),
        Err(invalid) => vec![ValidationErrorItem {
            message: invalid.message,
            path: vec![],
            schema_path: invalid.schema_path.into(),
            validator: None,
            input: instance.clone(),
        }],
    }
}

/// Checks that `schema` is itself a valid Draft 2020-12 schema (the meta-schema check the
/// published compiler runs on params.json and rjsf.json before writing them), returning every
/// violation in the same shape as [`validate`].
pub fn check_schema(schema: &Json) -> Vec<ValidationErrorItem> {
    static NO_ROOT: Json = Json::Bool(true);
    let (registry, _) = Registry::new(&NO_ROOT);
    let meta = registry.meta_schema();
    let validator = Validator::new(registry, keywords::apply);
    match validator.descend(&meta.scope, schema, meta.schema, None, None) {
        Ok(errors) => sorted(errors),
        Err(invalid) => panic!("the bundled meta-schema applies: {}", invalid.message),
    }
}

/// Python's `sorted(errors, key=lambda e: e.path)`: stable, so errors at one path keep the
/// schema's keyword order.
fn sorted(errors: Vec<Error>) -> Vec<ValidationErrorItem> {
    let mut items: Vec<ValidationErrorItem> = errors
        .into_iter()
        .map(|e| ValidationErrorItem {
            message: e.message,
            path: e.path.into(),
            schema_path: e.schema_path.into(),
            validator: e.validator.flatten(),
            input: e.instance.unwrap_or(Json::Null),
        })
        .collect();
    items.sort_by(|a, b| cmp_path(&a.path, &b.path));
    items
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
