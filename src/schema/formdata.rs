//! Conversions between grouped form data (rjsf.json shape) and flat params (params.json shape).
//!
//! A form renders rjsf.json, where grouped instances sit under their group's title; the DAG
//! reads params keyed by instance id. These conversions are what the generated package, the
//! runner and the CLI expose (`wt_contracts.formdata` of wt-contracts 0.2.0; docs/compatibility.md,
//! “Form data and parameters”), with two changes:
//! - group membership is decided only by rjsf properties marked `"ecoscope:task_group": true`.
//!   The published implementation treated any property with `properties` as a group, so a
//!   grouped instance whose id equalled an argument name of an earlier direct instance was
//!   nested under the wrong key.
//! - the converted document is validated against the other schema too, so a conversion never
//!   hands out something the receiving side would reject.
//!
//! Errors are `wt_contracts.ValidationErrorItem`s, ready to be returned as a 422 `detail`.

use super::pyrepr::py_str_repr;
use super::validate::validate;
use crate::contracts::ValidationErrorItem;
use serde_json::{Map, Value as Json, json};

fn properties(schema: &Json) -> Option<&Map<String, Json>> {
    schema.get("properties").and_then(Json::as_object)
}

/// Whether an rjsf.json property is a task group (and not an ordinary instance).
fn is_group(property: &Json) -> bool {
    property.get("ecoscope:task_group") == Some(&Json::Bool(true))
}

fn finish(out: Map<String, Json>, schema: &Json) -> Result<Json, Vec<ValidationErrorItem>> {
    let out = Json::Object(out);
    let errors = validate(&out, schema);
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Flattens form data: direct instances are copied, each group's members are lifted to the top.
///
/// `formdata` is validated against `rjsf` first and the result against `params`.
pub fn formdata_to_params(
    formdata: &Json,
    rjsf: &Json,
    params: &Json,
) -> Result<Json, Vec<ValidationErrorItem>> {
    let errors = validate(formdata, rjsf);
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(formdata) = formdata.as_object() else {
        unreachable!("validate rejects non-objects")
    };
    let rjsf_props = properties(rjsf);
    let mut out = Map::new();
    for (key, value) in formdata {
        let grouped = rjsf_props.and_then(|p| p.get(key)).is_some_and(is_group);
        match (grouped, value) {
            (true, Json::Object(members)) => {
                out.extend(members.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            // Not a group (or a group value that is not an object, which validation against a
            // group's `type: object` already rejects): keep it and let params.json judge.
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    finish(out, params)
}

/// Groups flat params: an id that is a direct rjsf property stays at the top, an id listed by a
/// task group moves under that group's title.
///
/// `params` is validated against `params_schema` first and the result against `rjsf`. An id
/// found nowhere in rjsf.json is an error item (the published implementation raised KeyError).
pub fn params_to_formdata(
    params: &Json,
    rjsf: &Json,
    params_schema: &Json,
) -> Result<Json, Vec<ValidationErrorItem>> {
    let errors = validate(params, params_schema);
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(params) = params.as_object() else {
        unreachable!("validate rejects non-objects")
    };
    let empty = Map::new();
    let rjsf_props = properties(rjsf).unwrap_or(&empty);
    let groups: Vec<(&String, &Map<String, Json>)> = rjsf_props
        .iter()
        .filter(|(_, p)| is_group(p))
        .filter_map(|(title, p)| properties(p).map(|members| (title, members)))
        .collect();
    let mut out = Map::new();
    let mut missing = Vec::new();
    for (key, value) in params {
        if rjsf_props.get(key).is_some_and(|p| !is_group(p)) {
            out.insert(key.clone(), value.clone());
        } else if let Some((title, _)) =
            groups.iter().find(|(_, members)| members.contains_key(key))
        {
            let slot = out.entry(title.to_string()).or_insert_with(|| json!({}));
            if let Json::Object(slot) = slot {
                slot.insert(key.clone(), value.clone());
            }
        } else {
            missing.push(ValidationErrorItem {
                message: format!(
                    "Key {} is not present in rjsf schema's flat or grouped properties.",
                    py_str_repr(key)
                ),
                path: vec![json!(key)],
                schema_path: vec![json!("properties")],
                validator: None,
                input: value.clone(),
            });
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    finish(out, rjsf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rjsf where a direct instance `first` has an argument named `y`, and a group holds an
    /// instance whose id is `y`: the case the published implementation got wrong.
    fn schemas() -> (Json, Json) {
        let first = json!({"type": "object", "properties": {"y": {"type": "integer"}}, "required": ["y"], "additionalProperties": false});
        let y = json!({"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"], "additionalProperties": false});
        let params = json!({
            "type": "object",
            "properties": {"first": first, "y": y},
            "required": ["first", "y"],
            "additionalProperties": false
        });
        let rjsf = json!({
            "type": "object",
            "properties": {
                "first": first,
                "G": {"type": "object", "ecoscope:task_group": true, "properties": {"y": y}, "additionalProperties": false}
            },
            "additionalProperties": false
        });
        (params, rjsf)
    }

    #[test]
    fn membership_comes_from_the_group_marker_only() {
        let (params, rjsf) = schemas();
        let p = json!({"first": {"y": 1}, "y": {"b": 2}});
        let f = params_to_formdata(&p, &rjsf, &params).unwrap();
        assert_eq!(f, json!({"first": {"y": 1}, "G": {"y": {"b": 2}}}));
        assert_eq!(formdata_to_params(&f, &rjsf, &params).unwrap(), p);
    }

    #[test]
    fn invalid_formdata_is_rejected_with_every_error() {
        let (params, rjsf) = schemas();
        let errors = formdata_to_params(
            &json!({"first": {"y": "no"}, "G": {"y": {}}, "zzz": 1}),
            &rjsf,
            &params,
        )
        .unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Additional properties are not allowed ('zzz' was unexpected)",
                "'b' is a required property",
                "'no' is not of type 'integer'"
            ]
        );
        assert_eq!(errors[1].path, vec![json!("G"), json!("y")]);
        assert_eq!(errors[2].path, vec![json!("first"), json!("y")]);
    }

    #[test]
    fn converted_output_is_checked_against_the_other_schema() {
        let (params, rjsf) = schemas();
        // Valid formdata for rjsf (nothing required at the rjsf root) but missing instances
        // params.json requires.
        let errors = formdata_to_params(&json!({"first": {"y": 1}}), &rjsf, &params).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].message, "'y' is a required property");
        assert_eq!(errors[0].validator.as_deref(), Some("required"));
    }

    #[test]
    fn params_unknown_to_rjsf_are_reported() {
        let (mut params, rjsf) = schemas();
        params["properties"]["extra"] = json!({"type": "object"});
        let errors = params_to_formdata(
            &json!({"first": {"y": 1}, "y": {"b": 2}, "extra": {}}),
            &rjsf,
            &params,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "Key 'extra' is not present in rjsf schema's flat or grouped properties."
        );
        assert_eq!(errors[0].path, vec![json!("extra")]);
    }

    #[test]
    fn non_object_documents_are_rejected() {
        let (params, rjsf) = schemas();
        let errors = formdata_to_params(&json!("x"), &rjsf, &params).unwrap_err();
        assert_eq!(errors[0].message, "'x' is not of type 'object'");
        let errors = params_to_formdata(&json!(null), &rjsf, &params).unwrap_err();
        assert_eq!(errors[0].message, "None is not of type 'object'");
    }
}
