//! `rjsf-overrides`: author patches to the form schema (docs/compatibility.md, “rjsf-overrides”;
//! `wt_compiler.jsonschema` of wt-compiler 0.10.3).
//!
//! Workflow authors tune the generated form (widgets, titles, enum labels) without touching
//! task code by writing `dotted.path: value` entries. Each path is split on "." and the value is
//! set there, creating intermediate objects; the value replaces whatever was there (no merge,
//! no list indexing), exactly as the published implementation does, so existing specs render
//! the same form. Overrides apply to rjsf.json only: params.json is the execution contract.

use crate::spec::model::RjsfOverrides;
use serde_json::{Map, Value as Json};

/// Applies `overrides` to a form schema: `properties` paths under its `properties`, `defs`
/// under `$defs`, `ui_schema` under `uiSchema`.
pub fn apply_overrides(form: &mut Map<String, Json>, overrides: &RjsfOverrides) {
    for (root, entries) in [
        ("properties", &overrides.properties),
        ("$defs", &overrides.defs),
        ("uiSchema", &overrides.ui_schema),
    ] {
        for (path, value) in entries {
            set_dotted(form, root, path, value.clone());
        }
    }
}

/// Sets `value` at `root.<path split on ".">`. A non-object met on the way is replaced by an
/// object: the author asked for a nested key there, and failing the whole compile over it would
/// be less useful than doing what was written.
fn set_dotted(form: &mut Map<String, Json>, root: &str, path: &str, value: Json) {
    let mut current = object_at(form, root);
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            current.insert(segment.to_string(), value);
            return;
        }
        current = object_at(current, segment);
    }
}

fn object_at<'a>(map: &'a mut Map<String, Json>, key: &str) -> &'a mut Map<String, Json> {
    let slot = map
        .entry(key.to_string())
        .or_insert_with(|| Json::Object(Map::new()));
    if !slot.is_object() {
        *slot = Json::Object(Map::new());
    }
    slot.as_object_mut().expect("just made an object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_replaces_and_creates_intermediate_objects() {
        let mut form = json!({
            "properties": {"sum": {"properties": {"a": {"title": "A", "type": "integer"}}}},
            "$defs": {},
            "uiSchema": {"ui:order": ["sum"]}
        })
        .as_object()
        .unwrap()
        .clone();
        let mut o = RjsfOverrides::default();
        o.properties
            .insert("sum.properties.a.title".into(), json!("First number"));
        o.properties
            .insert("sum.properties.a.default".into(), json!(3));
        o.defs.insert("Unit.enum".into(), json!(["m", "km"]));
        o.ui_schema
            .insert("sum.a.ui:widget".into(), json!("updown"));
        o.ui_schema.insert("ui:order".into(), json!(["sum", "*"]));
        apply_overrides(&mut form, &o);
        assert_eq!(
            Json::Object(form),
            json!({
                "properties": {"sum": {"properties": {"a": {"title": "First number", "type": "integer", "default": 3}}}},
                "$defs": {"Unit": {"enum": ["m", "km"]}},
                "uiSchema": {"ui:order": ["sum", "*"], "sum": {"a": {"ui:widget": "updown"}}}
            })
        );
    }

    #[test]
    fn a_scalar_in_the_way_becomes_an_object() {
        let mut form = json!({"properties": {"x": 1}}).as_object().unwrap().clone();
        let mut o = RjsfOverrides::default();
        o.properties.insert("x.title".into(), json!("X"));
        apply_overrides(&mut form, &o);
        assert_eq!(
            Json::Object(form),
            json!({"properties": {"x": {"title": "X"}}})
        );
    }
}
