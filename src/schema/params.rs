//! params.json: the flat parameter schema the DAG validates its input against.
//!
//! One property per instance id (execution order), each the instance's unbound parameter
//! schema. Unlike the published implementation (docs/compatibility.md, “Where wt departs on
//! purpose”) the root is a closed, typed
//! object that requires every instance with a required parameter, so an empty or partial
//! params document is rejected before the run starts instead of failing deep inside a task.

use super::ui;
use super::unbound_params::unbound;
use crate::spec::resolved::Workflow;
use serde_json::{Map, Value as Json, json};

/// Builds params.json. Root keys, in order: `type`, `properties`, `required`, `$defs`,
/// `uiSchema`, `additionalProperties`.
pub fn params_schema(wf: &Workflow) -> Json {
    let u = unbound(wf);
    let mut properties = Map::new();
    let mut ui_schema = Map::new();
    for inst in &u.instances {
        properties.insert(inst.id().to_string(), inst.schema.clone());
        ui::add_instance_order(&mut ui_schema, inst.id(), &inst.schema);
    }
    let required: Vec<&str> = u
        .instances
        .iter()
        .filter(|i| i.has_required())
        .map(|i| i.id())
        .collect();
    ui_schema.insert(
        "ui:order".into(),
        json!(properties.keys().collect::<Vec<_>>()),
    );
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "$defs": u.defs,
        "uiSchema": ui_schema,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::testkit::*;

    #[test]
    fn root_is_typed_closed_and_requires_instances_with_required_params() {
        let wf = workflow(vec![
            task(inst("sum", "Sum", add_task()).partial("a", 1)),
            task(inst("greet", "Greet", greet_task())),
            task(
                inst("bound", "", add_task())
                    .partial("a", 1)
                    .partial("b", 2),
            ),
        ]);
        let p = params_schema(&wf);
        let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "type",
                "properties",
                "required",
                "$defs",
                "uiSchema",
                "additionalProperties"
            ]
        );
        assert_eq!(p["type"], json!("object"));
        assert_eq!(p["required"], json!(["sum"]));
        assert_eq!(p["additionalProperties"], json!(false));
        let ids: Vec<&String> = p["properties"].as_object().unwrap().keys().collect();
        assert_eq!(ids, ["sum", "greet"]);
        assert_eq!(p["$defs"], json!({}));
    }

    #[test]
    fn ui_order_only_for_instances_with_several_properties() {
        let wf = workflow(vec![
            task(inst("one", "", add_task()).partial("a", 1)),
            task(inst("two", "", add_task())),
        ]);
        let p = params_schema(&wf);
        assert_eq!(
            p["uiSchema"],
            json!({"two": {"ui:order": ["a", "b"]}, "ui:order": ["one", "two"]})
        );
    }

    #[test]
    fn groups_are_flattened() {
        let wf = workflow(vec![
            group(
                "Inputs",
                "The inputs.",
                vec![inst("x", "", add_task()), inst("y", "", add_task())],
            ),
            task(inst("z", "", add_task())),
        ]);
        let p = params_schema(&wf);
        let ids: Vec<&String> = p["properties"].as_object().unwrap().keys().collect();
        assert_eq!(ids, ["x", "y", "z"]);
        assert_eq!(p["uiSchema"]["ui:order"], json!(["x", "y", "z"]));
    }
}
