//! rjsf.json: the hierarchical form schema a front-end renders (React JSON Schema Form).
//!
//! Same instance schemas as params.json, but laid out as the author grouped them: a task group
//! becomes one object property keyed by its title, marked `"ecoscope:task_group": true` (the
//! marker formdata conversion relies on to tell groups from instances), holding its members.
//! Form data shaped by this schema is converted to params with
//! [`formdata_to_params`](super::formdata_to_params).

use super::overrides::apply_overrides;
use super::ui;
use super::unbound_params::unbound;
use crate::spec::model::WorkflowEntry;
use crate::spec::resolved::Workflow;
use serde_json::{Map, Value as Json, json};

/// Builds rjsf.json: root keys `type`, `properties`, `$defs`, `uiSchema`,
/// `additionalProperties`, then the spec's `rjsf-overrides` applied on top.
///
/// Groups and the root are closed (`additionalProperties: false`) so stray form keys are
/// rejected rather than silently dropped (docs/compatibility.md, “Where wt departs on purpose”);
/// groups left without members (all
/// their instances fully bound) are omitted, as instances without properties are.
pub fn rjsf_schema(wf: &Workflow) -> Json {
    let u = unbound(wf);
    let mut properties = Map::new();
    let mut ui_schema = Map::new();
    for entry in &wf.spec.workflow {
        match entry {
            WorkflowEntry::Task(t) => {
                if let Some(inst) = u.get(&t.id.value) {
                    properties.insert(inst.id().to_string(), inst.schema.clone());
                    ui::add_instance_order(&mut ui_schema, inst.id(), &inst.schema);
                }
            }
            WorkflowEntry::Group(g) => {
                let members: Map<String, Json> = g
                    .tasks
                    .iter()
                    .filter_map(|t| u.get(&t.id.value))
                    .map(|inst| (inst.id().to_string(), inst.schema.clone()))
                    .collect();
                if members.is_empty() {
                    continue;
                }
                let group = json!({
                    "type": "object",
                    "description": g.description,
                    "ecoscope:task_group": true,
                    "properties": members,
                    "additionalProperties": false,
                });
                ui::add_group_order(&mut ui_schema, &g.title.value, &group);
                properties.insert(g.title.value.clone(), group);
            }
        }
    }
    ui_schema.insert(
        "ui:order".into(),
        json!(properties.keys().collect::<Vec<_>>()),
    );
    let mut form = json!({
        "type": "object",
        "properties": properties,
        "$defs": u.defs,
        "uiSchema": ui_schema,
        "additionalProperties": false,
    });
    if let Json::Object(form) = &mut form {
        apply_overrides(form, &wf.spec.rjsf_overrides);
    }
    form
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::testkit::*;

    #[test]
    fn groups_nest_under_their_title_and_instances_stay_direct() {
        let wf = workflow(vec![
            task(inst("first", "First", add_task())),
            group(
                "Inputs",
                "Numbers to add.",
                vec![
                    inst("x", "X", add_task()).partial("a", 1),
                    inst("y", "Y", add_task()),
                ],
            ),
        ]);
        let r = rjsf_schema(&wf);
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "type",
                "properties",
                "$defs",
                "uiSchema",
                "additionalProperties"
            ]
        );
        let g = &r["properties"]["Inputs"];
        assert_eq!(g["type"], json!("object"));
        assert_eq!(g["description"], json!("Numbers to add."));
        assert_eq!(g["ecoscope:task_group"], json!(true));
        assert_eq!(g["additionalProperties"], json!(false));
        let members: Vec<&String> = g["properties"].as_object().unwrap().keys().collect();
        assert_eq!(members, ["x", "y"]);
        assert_eq!(
            r["uiSchema"],
            json!({
                "first": {"ui:order": ["a", "b"]},
                "Inputs": {"ui:order": ["x", "y"], "y": {"ui:order": ["a", "b"]}},
                "ui:order": ["first", "Inputs"]
            })
        );
    }

    #[test]
    fn single_member_group_gets_only_member_orders() {
        let wf = workflow(vec![group("G", "", vec![inst("y", "", add_task())])]);
        let r = rjsf_schema(&wf);
        assert_eq!(
            r["uiSchema"],
            json!({"G": {"y": {"ui:order": ["a", "b"]}}, "ui:order": ["G"]})
        );
    }

    #[test]
    fn fully_bound_groups_are_omitted() {
        let wf = workflow(vec![
            group(
                "Bound",
                "",
                vec![inst("x", "", add_task()).partial("a", 1).partial("b", 2)],
            ),
            task(inst("z", "", add_task())),
        ]);
        let r = rjsf_schema(&wf);
        assert_eq!(r["uiSchema"]["ui:order"], json!(["z"]));
        assert!(r["properties"].get("Bound").is_none());
    }

    #[test]
    fn overrides_apply_to_rjsf_only() {
        let mut wf = workflow(vec![task(inst("sum", "Sum", add_task()))]);
        wf.spec
            .rjsf_overrides
            .properties
            .insert("sum.properties.a.title".into(), json!("Left"));
        wf.spec
            .rjsf_overrides
            .ui_schema
            .insert("sum.b.ui:widget".into(), json!("updown"));
        let r = rjsf_schema(&wf);
        assert_eq!(
            r["properties"]["sum"]["properties"]["a"]["title"],
            json!("Left")
        );
        assert_eq!(
            r["uiSchema"]["sum"],
            json!({"ui:order": ["a", "b"], "b": {"ui:widget": "updown"}})
        );
        let p = crate::schema::params_schema(&wf);
        assert_eq!(
            p["properties"]["sum"]["properties"]["a"]["title"],
            json!("A")
        );
    }
}
