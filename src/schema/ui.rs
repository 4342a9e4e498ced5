//! The `uiSchema` field ordering shared by params.json and rjsf.json.
//!
//! JSON object key order is not something every form renderer honours, so the published
//! implementation spells the intended order out as RJSF `ui:order` lists, but only where there
//! is something to order (more than one entry). We reproduce its rules exactly
//! (docs/compatibility.md, “Parameter schemas”)
//! so existing front-ends lay forms out the same way.

use serde_json::{Map, Value as Json, json};

fn property_names(schema: &Json) -> Vec<Json> {
    schema
        .get("properties")
        .and_then(Json::as_object)
        .map(|p| p.keys().map(|k| json!(k)).collect())
        .unwrap_or_default()
}

/// `{<id>: {"ui:order": [props]}}` for an instance with more than one property.
pub fn add_instance_order(ui: &mut Map<String, Json>, id: &str, schema: &Json) {
    let props = property_names(schema);
    if props.len() > 1 {
        ui.insert(id.to_string(), json!({"ui:order": props}));
    }
}

/// For a group: `{<title>: {"ui:order": [member ids]}}` when it has more than one member, and
/// `{<title>: {<id>: {"ui:order": [props]}}}` for each member with more than one property.
pub fn add_group_order(ui: &mut Map<String, Json>, title: &str, group: &Json) {
    let members = property_names(group);
    if members.len() > 1 {
        ui.insert(title.to_string(), json!({"ui:order": members}));
    }
    let Some(member_schemas) = group.get("properties").and_then(Json::as_object) else {
        return;
    };
    for (id, schema) in member_schemas {
        let props = property_names(schema);
        if props.len() > 1 {
            let entry = ui.entry(title.to_string()).or_insert_with(|| json!({}));
            if let Json::Object(entry) = entry {
                entry.insert(id.clone(), json!({"ui:order": props}));
            }
        }
    }
}
