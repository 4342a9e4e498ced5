//! The workflow fingerprint: what a compiled workflow's behaviour depends on.
//!
//! A compiled workflow is reused (no solve, no discovery, no code generation) when nothing it
//! depends on has changed, so this module is precise about what "depends on" means. There are
//! two digests, both blake3 over a canonical JSON document (object keys sorted, compact):
//!
//! # `structural`: changes behaviour
//!
//! * a format version of this document (bumped when its shape changes);
//! * the workflow `id` (it names the generated package and the CLI entry point);
//! * every requirement, in spec order: conda `name`, `version` and channel base URL; PyPI
//!   `name`, source kind and its coordinates (`git` + `rev`/`branch`/`tag`, `url`, `path` as
//!   written, `editable`, `subdirectory`, `extras`, `version`). The *content* of a `path:`
//!   source is not in the fingerprint; it is in the discovery key (editing a task library's
//!   code re-runs discovery, and reaches this fingerprint only through the schemas and import
//!   paths discovery reports);
//! * for every task instance in execution order: its `id`; the resolved import path of its
//!   function (`public.module.function`) and whether it is an io task; the function's parameter
//!   schema with cosmetic keys removed (see below); its introspected signature (every
//!   parameter's name, kind, whether it has a default, is hidden from the form or unwraps skip
//!   sentinels, and its type; the return type), which the binding and edge checks read, types
//!   again without cosmetic keys; its `partial` bindings (names and values,
//!   variables as variables); `map`/`mapvalues` argnames and argvalues; the *effective* `skipif`
//!   (its own, else `task-instance-defaults`) as the resolved import paths of the conditions
//!   and `unpack_depth`; and its edges (the ids whose return values it reads).
//!
//! # `cosmetic`: shows in the outputs, never changes behaviour
//!
//! * instance `name`s, task-group titles and descriptions and group membership (they only lay
//!   out the form), `metadata`, `rjsf-overrides`;
//! * the spec line of every `${{ env.NAME }}` (the generated CLI names it when the variable is
//!   unset);
//! * the schema keys `title`, `description`, `default` and `examples`, wherever they appear as
//!   schema keywords (a *parameter* named `title` is structure, not cosmetics).
//!
//! Defaults are cosmetic because the generated DAG never writes them: the function's own
//! default applies at run time, and the schema default only pre-fills the form.
//!
//! Changing a cosmetic field re-runs code generation only (the outputs show the new text);
//! changing a structural one also changes the structural fingerprint of every output. Neither
//! digest contains absolute paths, timestamps or host names, so the same spec and registry give
//! the same fingerprint in any checkout on any machine.

use crate::digest;
use crate::spec::model::{Literal, MapOp, Requirement, Spanned, Value, Variable, WorkflowEntry};
use crate::spec::resolved::{KnownTask, Workflow};
use serde_json::{Value as Json, json};

/// Version of the canonical documents below.
const FORMAT: u32 = 2;

/// Schema keywords that only describe, never constrain.
const COSMETIC_KEYWORDS: &[&str] = &["title", "description", "default", "examples"];

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fingerprint {
    pub structural: String,
    pub cosmetic: String,
}

/// Computes both digests of a validated workflow.
pub fn fingerprint(wf: &Workflow) -> Fingerprint {
    Fingerprint {
        structural: digest::json(&structural_document(wf)),
        cosmetic: digest::json(&cosmetic_document(wf)),
    }
}

/// The canonical document the structural digest is taken of.
pub fn structural_document(wf: &Workflow) -> Json {
    let requirements: Vec<Json> = wf.spec.requirements.iter().map(requirement).collect();
    let instances: Vec<Json> = wf
        .instances
        .iter()
        .map(|i| {
            json!({
                "id": i.def.id.value,
                "task": task(&i.task),
                "partial": i.def.partial.iter().map(|(k, v)| json!([k.value, value(&v.value)])).collect::<Vec<_>>(),
                "map": i.def.map.as_ref().map(map_op),
                "mapvalues": i.def.mapvalues.as_ref().map(map_op),
                "skipif": i.skipif.as_ref().map(|s| json!({
                    "conditions": s.conditions.iter().map(|c| c.importable_reference.clone()).collect::<Vec<_>>(),
                    "unpack_depth": s.unpack_depth,
                })),
                "edges": i.dependencies,
            })
        })
        .collect();
    json!({"format": FORMAT, "id": wf.spec.id.value, "requirements": requirements, "instances": instances})
}

/// The canonical document the cosmetic digest is taken of.
pub fn cosmetic_document(wf: &Workflow) -> Json {
    let groups: Vec<Json> = wf
        .spec
        .workflow
        .iter()
        .filter_map(|e| match e {
            WorkflowEntry::Group(g) => Some(json!({
                "title": g.title.value,
                "description": g.description,
                "members": g.tasks.iter().map(|t| t.id.value.clone()).collect::<Vec<_>>(),
            })),
            WorkflowEntry::Task(_) => None,
        })
        .collect();
    let o = &wf.spec.rjsf_overrides;
    json!({
        "format": FORMAT,
        "names": wf.instances.iter().map(|i| i.def.name.clone()).collect::<Vec<_>>(),
        "groups": groups,
        "metadata": wf.spec.metadata,
        "rjsf_overrides": {"properties": o.properties, "$defs": o.defs, "uiSchema": o.ui_schema},
        "env_lines": wf.env_references().iter().map(|(_, r)| r.span.line).collect::<Vec<_>>(),
        "schema_text": wf.instances.iter().map(|i| json!({
            "title": i.task.title, "description": i.task.description, "schema": i.task.json_schema,
        })).collect::<Vec<_>>(),
    })
}

/// The canonical form of a spec's requirements (the `requirements` input of the solve step).
pub fn requirements_document(requirements: &[crate::spec::model::Requirement]) -> Json {
    Json::Array(requirements.iter().map(requirement).collect())
}

fn task(t: &KnownTask) -> Json {
    let no_text = |s: &Option<Json>| s.as_ref().map(|s| strip_cosmetic(s, false));
    let parameters: Vec<Json> = t
        .signature
        .parameters
        .iter()
        .map(|p| {
            json!([
                p.name,
                p.kind,
                p.has_default,
                p.hidden,
                p.skip_fallback,
                no_text(&p.schema)
            ])
        })
        .collect();
    json!({
        "ref": t.importable_reference,
        "io": t.io,
        "schema": strip_cosmetic(&t.json_schema, false),
        "parameters": parameters,
        "returns": no_text(&t.signature.return_schema),
    })
}

/// Removes cosmetic schema keywords. `in_properties` is true for the map under `properties`
/// (or `$defs`), whose keys are parameter names, not keywords.
pub fn strip_cosmetic(schema: &Json, in_properties: bool) -> Json {
    match schema {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(k, _)| in_properties || !COSMETIC_KEYWORDS.contains(&k.as_str()))
                .map(|(k, v)| {
                    let names_follow = !in_properties
                        && matches!(k.as_str(), "properties" | "$defs" | "patternProperties");
                    (k.clone(), strip_cosmetic(v, names_follow))
                })
                .collect(),
        ),
        Json::Array(a) => Json::Array(a.iter().map(|v| strip_cosmetic(v, false)).collect()),
        other => other.clone(),
    }
}

fn requirement(r: &Requirement) -> Json {
    match r {
        Requirement::Conda(c) => json!({
            "conda": c.name.value, "version": c.version, "channel": c.channel.value.base_url,
        }),
        Requirement::Pypi(p) => json!({
            "pypi": p.name.value, "git": p.git, "rev": p.rev, "branch": p.branch, "tag": p.tag,
            "path": p.path.as_ref().map(|s| s.value.clone()), "editable": p.editable, "url": p.url,
            "subdirectory": p.subdirectory, "extras": p.extras, "version": p.version,
        }),
    }
}

fn map_op(op: &MapOp) -> Json {
    json!({
        "argnames": op.argnames.iter().map(|n| n.value.clone()).collect::<Vec<_>>(),
        "argvalues": op.argvalues.iter().map(|v| variable(&v.value)).collect::<Vec<_>>(),
        "list": op.argvalues_is_list,
    })
}

fn variable(v: &Variable) -> Json {
    match v {
        Variable::TaskReturn(id) => json!({"return": id}),
        Variable::Env(name) => json!({"env": name}),
    }
}

fn value(v: &Value) -> Json {
    match v {
        Value::Literal(Literal::Null) => json!({"lit": null}),
        Value::Literal(Literal::Bool(b)) => json!({"lit": b}),
        Value::Literal(Literal::Int(i)) => json!({"lit": i}),
        Value::Literal(Literal::Float(f)) => json!({"float": format!("{f:?}")}),
        Value::Literal(Literal::Str(s)) => json!({"lit": s}),
        Value::Var(var) => variable(var),
        Value::Dict(entries) => {
            json!({"dict": entries.iter().map(|(k, v)| json!([k, value(&v.value)])).collect::<Vec<_>>()})
        }
        Value::List(items) => {
            json!({"list": items.iter().map(|v: &Spanned<Value>| value(&v.value)).collect::<Vec<_>>()})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_keywords_not_parameter_names() {
        let schema = json!({
            "title": "F", "properties": {"title": {"type": "string", "title": "Title", "default": "x"}},
            "$defs": {"M": {"title": "M", "properties": {"a": {"type": "integer", "description": "d"}}}}
        });
        assert_eq!(
            strip_cosmetic(&schema, false),
            json!({"properties": {"title": {"type": "string"}}, "$defs": {"M": {"properties": {"a": {"type": "integer"}}}}})
        );
    }
}
