//! Unbound parameters: what the user still has to (or may) supply for each task instance.
//!
//! An instance's arguments come from three places: the spec (`partial`), upstream tasks
//! (`map` / `mapvalues` argnames, and `partial` references), and the run-time params document.
//! Only the last kind belongs in params.json / rjsf.json, so each instance's schema is the
//! registry's function schema minus every argument the spec already binds (docs/compatibility.md,
//! “Parameter schemas”; `wt_compiler.compiler` of wt-compiler 0.10.3).
//!
//! Both documents are built from the one [`Unbound`] value computed here, so they always agree
//! on which instances appear, their schemas and the names of hoisted definitions.

use super::refs::{reachable_defs, rename_refs};
use crate::spec::resolved::{Instance, Workflow};
use indexmap::IndexSet;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

/// One instance that still has at least one parameter to fill.
#[derive(Debug, Clone, PartialEq)]
pub struct UnboundInstance<'a> {
    pub instance: &'a Instance,
    /// The instance's form schema: `properties`, `required`, `title`, ... without `$defs`
    /// (its `$ref`s point into [`Unbound::defs`]).
    pub schema: Json,
}

impl UnboundInstance<'_> {
    pub fn id(&self) -> &str {
        &self.instance.def.id.value
    }

    /// Whether the run cannot start without a value for this instance.
    pub fn has_required(&self) -> bool {
        self.schema
            .get("required")
            .and_then(Json::as_array)
            .is_some_and(|r| !r.is_empty())
    }
}

/// Unbound parameters of a workflow, in execution order, with the shared top-level `$defs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unbound<'a> {
    pub instances: Vec<UnboundInstance<'a>>,
    pub defs: Map<String, Json>,
}

impl<'a> Unbound<'a> {
    pub fn get(&self, id: &str) -> Option<&UnboundInstance<'a>> {
        self.instances.iter().find(|u| u.id() == id)
    }
}

/// Computes the unbound parameters of every instance (see the module docs), omitting instances
/// left without properties.
pub fn unbound(wf: &Workflow) -> Unbound<'_> {
    let mut defs = Map::new();
    let mut instances = Vec::new();
    for instance in &wf.instances {
        if let Some(schema) = instance_schema(instance, &mut defs) {
            instances.push(UnboundInstance { instance, schema });
        }
    }
    Unbound { instances, defs }
}

/// Argument names the spec binds for `inst`; `return` is never a parameter either.
fn bound_names(inst: &Instance) -> IndexSet<&str> {
    let mut out: IndexSet<&str> = IndexSet::from(["return"]);
    out.extend(inst.def.partial.iter().map(|(k, _)| k.value.as_str()));
    for op in [&inst.def.map, &inst.def.mapvalues].into_iter().flatten() {
        out.extend(op.argnames.iter().map(|n| n.value.as_str()));
    }
    out
}

/// The instance's unbound schema, hoisting the definitions it still uses into `top_defs`.
/// `None` when nothing is left to fill.
fn instance_schema(inst: &Instance, top_defs: &mut Map<String, Json>) -> Option<Json> {
    let Json::Object(mut map) = inst.task.json_schema.clone() else {
        return None;
    };
    if !map.contains_key("description")
        && let Some(description) = &inst.task.description
    {
        map.insert("description".into(), Json::String(description.clone()));
    }
    let omit = bound_names(inst);
    let visible: IndexSet<String> = match map.get_mut("properties") {
        Some(Json::Object(props)) => {
            props.retain(|name, _| !omit.contains(name.as_str()));
            props.keys().cloned().collect()
        }
        _ => return None,
    };
    // The registry keeps a hidden (`Field(exclude=True)`) parameter in `required` while dropping
    // its property; the form can never supply it, so only visible ones stay required.
    let required: Vec<Json> = map
        .get("required")
        .and_then(Json::as_array)
        .map(|r| {
            r.iter()
                .filter(|n| n.as_str().is_some_and(|n| visible.contains(n)))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    // Always written, even when empty: consumers should not have to guess what a missing
    // `required` means.
    map.insert("required".into(), Json::Array(required));
    map.insert("title".into(), Json::String(inst.def.name.clone()));
    if map
        .get("properties")
        .and_then(Json::as_object)
        .is_none_or(Map::is_empty)
    {
        return None;
    }
    let local_defs = match map.shift_remove("$defs") {
        Some(Json::Object(d)) => d,
        _ => Map::new(),
    };
    let mut schema = Json::Object(map);
    let reachable = reachable_defs(&schema, &local_defs);
    // Registry order, not discovery order, so the output is stable and reads like the source.
    let names: Vec<String> = local_defs
        .keys()
        .filter(|n| reachable.contains(*n))
        .cloned()
        .collect();
    let rename = hoist(&local_defs, &names, top_defs);
    if !rename.is_empty() {
        rename_refs(&mut schema, &|n| rename.get(n).cloned());
    }
    Some(schema)
}

/// Moves `names` (definitions of one task schema) into `top`, returning the renames applied.
///
/// A definition whose name is free, or already taken by an identical definition, keeps its
/// name (tasks sharing a model share the definition). On a clash with different content it
/// becomes `Name_2`, `Name_3`, ... (the first suffix that is free or holds identical content),
/// and every `$ref` to it — in the instance schema and in the other hoisted definitions — is
/// rewritten. Renaming one definition changes the content of the ones referring to it, so the
/// check repeats until nothing moves; each name's suffix only grows, so this terminates.
fn hoist(
    local: &Map<String, Json>,
    names: &[String],
    top: &mut Map<String, Json>,
) -> HashMap<String, String> {
    let mut suffix: Vec<usize> = vec![1; names.len()];
    let target = |i: usize, suffix: &[usize]| -> String {
        if suffix[i] == 1 {
            names[i].clone()
        } else {
            format!("{}_{}", names[i], suffix[i])
        }
    };
    let content = |i: usize, suffix: &[usize]| -> Json {
        let map: HashMap<&str, String> = (0..names.len())
            .map(|j| (names[j].as_str(), target(j, suffix)))
            .collect();
        let mut def = local[&names[i]].clone();
        rename_refs(&mut def, &|n| map.get(n).filter(|t| *t != n).cloned());
        def
    };
    loop {
        let mut changed = false;
        for i in 0..names.len() {
            loop {
                let t = target(i, &suffix);
                let taken_here =
                    (0..names.len()).any(|j| j != i && (names[j] == t || target(j, &suffix) == t));
                let fits = !taken_here
                    && top
                        .get(&t)
                        .is_none_or(|existing| *existing == content(i, &suffix));
                if fits {
                    break;
                }
                suffix[i] += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    for i in 0..names.len() {
        let t = target(i, &suffix);
        if !top.contains_key(&t) {
            top.insert(t, content(i, &suffix));
        }
    }
    (0..names.len())
        .filter(|&i| suffix[i] > 1)
        .map(|i| (names[i].clone(), target(i, &suffix)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::testkit::*;
    use serde_json::json;

    #[test]
    fn bound_arguments_are_removed_from_properties_and_required() {
        let wf = workflow(vec![task(inst("sum", "Sum", add_task()).partial("a", 1))]);
        let u = unbound(&wf);
        assert_eq!(
            u.instances[0].schema,
            json!({
                "additionalProperties": false,
                "properties": {"b": {"title": "B", "type": "integer"}},
                "required": ["b"],
                "type": "object",
                "description": "Add two integers.",
                "title": "Sum"
            })
        );
    }

    #[test]
    fn map_and_mapvalues_argnames_are_bound_too() {
        let wf = workflow(vec![
            task(inst("src", "", add_task())),
            task(inst("m", "", add_task()).map(&["a"], "src")),
            task(inst("mv", "", add_task()).mapvalues(&["b"], "src")),
        ]);
        let u = unbound(&wf);
        assert_eq!(u.get("m").unwrap().schema["required"], json!(["b"]));
        assert_eq!(u.get("mv").unwrap().schema["required"], json!(["a"]));
    }

    #[test]
    fn fully_bound_instances_are_omitted() {
        let wf = workflow(vec![task(
            inst("sum", "", add_task()).partial("a", 1).partial("b", 2),
        )]);
        assert!(unbound(&wf).instances.is_empty());
    }

    #[test]
    fn existing_description_wins_and_required_is_always_written() {
        let wf = workflow(vec![task(inst("g", "Greet", greet_task()))]);
        let s = &unbound(&wf).instances[0].schema;
        assert_eq!(s["description"], json!("From the schema."));
        assert_eq!(s["required"], json!([]));
        assert_eq!(s["title"], json!("Greet"));
    }

    #[test]
    fn only_reachable_defs_are_hoisted_transitively() {
        let wf = workflow(vec![task(
            inst("ev", "Events", events_task()).partial("extra", json!({"k": "x"})),
        )]);
        let u = unbound(&wf);
        // `Extra` is bound, so it is dropped; `Unit` is only reachable from inside `TimeRange`
        // (through `anyOf`), which the published implementation missed.
        let names: Vec<&String> = u.defs.keys().collect();
        assert_eq!(names, ["EarthRangerConnection", "TimeRange", "Unit"]);
        assert!(u.instances[0].schema.get("$defs").is_none());
    }

    #[test]
    fn identical_defs_are_shared_and_different_ones_renamed() {
        let other = known_task(
            "other",
            json!({
                "$defs": {
                    "TimeRange": {"type": "string", "title": "TimeRange"},
                    "Holder": {"properties": {"t": {"$ref": "#/$defs/TimeRange"}}, "type": "object"}
                },
                "properties": {"h": {"$ref": "#/$defs/Holder"}, "t": {"$ref": "#/$defs/TimeRange"}},
                "required": ["h"],
                "type": "object"
            }),
        );
        let wf = workflow(vec![
            task(inst("ev", "", events_task())),
            task(inst("ev2", "", events_task())),
            task(inst("o", "", other.clone())),
            task(inst("o2", "", other)),
        ]);
        let u = unbound(&wf);
        let names: Vec<&String> = u.defs.keys().collect();
        assert_eq!(
            names,
            [
                "EarthRangerConnection",
                "Extra",
                "TimeRange",
                "Unit",
                "TimeRange_2",
                "Holder"
            ]
        );
        assert_eq!(
            u.defs["TimeRange_2"],
            json!({"type": "string", "title": "TimeRange"})
        );
        assert_eq!(
            u.defs["Holder"]["properties"]["t"],
            json!({"$ref": "#/$defs/TimeRange_2"})
        );
        for id in ["o", "o2"] {
            let s = &u.get(id).unwrap().schema;
            assert_eq!(s["properties"]["t"], json!({"$ref": "#/$defs/TimeRange_2"}));
            assert_eq!(s["properties"]["h"], json!({"$ref": "#/$defs/Holder"}));
        }
        assert_eq!(
            u.get("ev2").unwrap().schema["properties"]["time_range"],
            json!({"$ref": "#/$defs/TimeRange"})
        );
    }

    #[test]
    fn a_def_that_changes_only_through_a_renamed_ref_is_renamed_too() {
        // Both tasks have Outer -> Inner; Inner differs, so Outer differs after the rename.
        let mk = |inner_type: &str| {
            known_task(
                &format!("t_{inner_type}"),
                json!({
                    "$defs": {
                        "Outer": {"properties": {"i": {"$ref": "#/$defs/Inner"}}, "type": "object"},
                        "Inner": {"type": inner_type}
                    },
                    "properties": {"o": {"$ref": "#/$defs/Outer"}},
                    "required": ["o"],
                    "type": "object"
                }),
            )
        };
        let wf = workflow(vec![
            task(inst("x", "", mk("string"))),
            task(inst("y", "", mk("integer"))),
        ]);
        let u = unbound(&wf);
        let names: Vec<&String> = u.defs.keys().collect();
        assert_eq!(names, ["Outer", "Inner", "Outer_2", "Inner_2"]);
        assert_eq!(
            u.defs["Outer_2"]["properties"]["i"],
            json!({"$ref": "#/$defs/Inner_2"})
        );
        assert_eq!(
            u.get("y").unwrap().schema["properties"]["o"],
            json!({"$ref": "#/$defs/Outer_2"})
        );
    }

    #[test]
    fn a_task_owning_name_2_does_not_collide_with_its_own_rename() {
        let first = known_task(
            "first",
            json!({"$defs": {"A": {"type": "string"}}, "properties": {"a": {"$ref": "#/$defs/A"}}, "type": "object"}),
        );
        let second = known_task(
            "second",
            json!({
                "$defs": {"A": {"type": "integer"}, "A_2": {"type": "boolean"}},
                "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"$ref": "#/$defs/A_2"}},
                "type": "object"
            }),
        );
        let wf = workflow(vec![
            task(inst("f", "", first)),
            task(inst("s", "", second)),
        ]);
        let u = unbound(&wf);
        assert_eq!(u.defs["A"], json!({"type": "string"}));
        assert_eq!(u.defs["A_2"], json!({"type": "boolean"}));
        assert_eq!(u.defs["A_3"], json!({"type": "integer"}));
        let s = &u.get("s").unwrap().schema;
        assert_eq!(s["properties"]["a"], json!({"$ref": "#/$defs/A_3"}));
        assert_eq!(s["properties"]["b"], json!({"$ref": "#/$defs/A_2"}));
    }
}
