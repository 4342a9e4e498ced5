//! Builds the [`Spec`] model from the positioned YAML tree, collecting every structural error
//! (wrong types, unknown or missing keys, malformed ids and variables) instead of stopping at
//! the first. Checks that need the task registry live in `validate`.

use super::fields::{Fields, expect_str};
use super::lints::{Level, Lint, LintLevels};
use super::model::*;
use super::python::{is_builtin, is_identifier, is_keyword};
use super::requirements::parse_requirements;
use super::shape::{self, Shape};
use super::variables::{parse_required_variable, parse_value};
use crate::diag::Diagnostic;
use crate::yaml::{Node, NodeKind, Span};
use indexmap::IndexMap;

/// Longest allowed task instance id (it becomes a Python variable and a form key).
pub const MAX_INSTANCE_ID: usize = 32;
/// Longest allowed workflow id (it becomes part of the package name).
pub const MAX_SPEC_ID: usize = 64;

/// Parses spec.yaml text. On failure returns every problem found.
pub fn parse_spec(text: &str) -> Result<Spec, Vec<Diagnostic>> {
    match parse_spec_partial(text) {
        (Some(spec), errors) if errors.is_empty() => Ok(spec),
        (_, errors) => Err(errors),
    }
}

/// Parses as much of the spec as is well-formed, with every problem found. The spec is `None`
/// only when even its outline (root mapping, `id`) is unusable; otherwise later checks can run
/// on it so that all of a spec's problems are reported at once.
pub fn parse_spec_partial(text: &str) -> (Option<Spec>, Vec<Diagnostic>) {
    let root = match crate::yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let d = Diagnostic::new(e.span, format!("invalid YAML: {}", e.message))
                .width(1)
                .help("Fix the YAML syntax at this position.");
            return (None, vec![d]);
        }
    };
    let mut errors = Vec::new();
    let spec = spec_from_node(&root, &mut errors);
    (spec, errors)
}

fn spec_from_node(root: &Node, errors: &mut Vec<Diagnostic>) -> Option<Spec> {
    if root.as_map().is_none() {
        errors.push(Diagnostic::new(
            root.span,
            format!(
                "A spec must be a mapping with `id`, `requirements` and `workflow`, found {}.",
                root.type_name()
            ),
        ));
        return None;
    }
    let mut f = Fields::new(root, &shape::SPEC, errors);
    let id = f.required_str("id");
    if let Some(id) = &id {
        check_id(id, "workflow", MAX_SPEC_ID, f.errors);
    }
    let requirements_span = root.get("requirements").map_or(root.span, |r| r.span);
    let requirements = match f.take("requirements") {
        Some(r) => parse_requirements(r, f.errors),
        None => {
            f.errors.push(
                Diagnostic::new(root.span, "The spec has no `requirements`; they are needed to discover tasks.")
                    .help("Add `requirements:` listing the task libraries this workflow uses (`requirements: []` if none)."),
            );
            Vec::new()
        }
    };
    let metadata = f.take("metadata").map(|m| parse_metadata(m, f.errors));
    let rjsf_overrides = f
        .take("rjsf-overrides")
        .map(|o| parse_overrides(o, f.errors))
        .unwrap_or_default();
    let default_skipif = f.take("task-instance-defaults").and_then(|d| {
        let mut g = Fields::new(d, &shape::TASK_INSTANCE_DEFAULTS, f.errors);
        let s = g
            .take("skipif")
            .filter(|n| !n.is_null())
            .and_then(|n| parse_skipif(n, g.errors));
        g.finish();
        s
    });
    let workflow = match f.take("workflow") {
        Some(w) => parse_workflow(w, f.errors),
        None => Vec::new(),
    };
    if root.get("workflow").is_none() {
        f.errors.push(
            Diagnostic::new(root.span, "The spec has no `workflow`.")
                .help("Add `workflow:` with the list of task instances to run."),
        );
    }
    f.finish();
    Some(Spec {
        id: id?,
        requirements,
        requirements_span,
        metadata,
        rjsf_overrides,
        default_skipif,
        workflow,
    })
}

/// Checks that an id can be a Python variable.
fn check_id(id: &Spanned<String>, what: &str, max: usize, errors: &mut Vec<Diagnostic>) {
    let s = &id.value;
    let err = |msg: String, help: String| Diagnostic::new(id.span, msg).underline(s).help(help);
    if !is_identifier(s) {
        let suggestion: String = s
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        errors.push(err(
            format!("`{s}` is not a valid {what} id: ids must be Python identifiers."),
            format!(
                "Use letters, digits and `_`, not starting with a digit, e.g. `{}`.",
                if suggestion.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("_{suggestion}")
                } else {
                    suggestion
                }
            ),
        ));
    } else if is_keyword(s) {
        errors.push(err(
            format!("`{s}` is a Python keyword and cannot be a {what} id."),
            format!("Choose another id, e.g. `{s}_`."),
        ));
    } else if is_builtin(s) {
        errors.push(err(
            format!("`{s}` is a built-in Python function and cannot be a {what} id."),
            format!("Choose another id, e.g. `{s}_value`."),
        ));
    } else if s.chars().count() > max {
        errors.push(err(
            format!("`{s}` is too long for a {what} id; the maximum is {max} characters."),
            "Choose a shorter id.".into(),
        ));
    }
}

fn parse_metadata(node: &Node, errors: &mut Vec<Diagnostic>) -> serde_json::Value {
    if node.as_map().is_none() {
        errors.push(Diagnostic::new(
            node.span,
            format!("`metadata` must be a mapping, found {}.", node.type_name()),
        ));
        return serde_json::Value::Null;
    }
    let strings = shape::METADATA
        .keys
        .iter()
        .filter(|k| matches!(k.value, Shape::Str));
    for key in strings.map(|k| k.name) {
        match node.get(key) {
            None => errors.push(
                Diagnostic::new(node.span, format!("`metadata` is missing `{key}`."))
                    .help(format!("Add `{key}: ...` to `metadata`.")),
            ),
            Some(v) if v.as_str().is_none() => errors.push(Diagnostic::new(
                v.span,
                format!(
                    "`metadata.{key}` must be a string, found {}.",
                    v.type_name()
                ),
            )),
            _ => {}
        }
    }
    match node.get("maintainers") {
        None => errors.push(
            Diagnostic::new(node.span, "`metadata` is missing `maintainers`.")
                .help("Add `maintainers: [{name: ..., email: ...}]`."),
        ),
        Some(m) => match m.as_seq() {
            Some([]) | None => errors.push(Diagnostic::new(
                m.span,
                "`metadata.maintainers` must be a non-empty list of `{name, email}`.",
            )),
            Some(items) => {
                for item in items {
                    for key in shape::MAINTAINER.names() {
                        if item.get(key).and_then(Node::as_str).is_none() {
                            errors.push(Diagnostic::new(
                                item.span,
                                format!("A maintainer needs a string `{key}`."),
                            ));
                        }
                    }
                }
            }
        },
    }
    node.to_json()
}

fn parse_overrides(node: &Node, errors: &mut Vec<Diagnostic>) -> RjsfOverrides {
    let mut f = Fields::new(node, &shape::RJSF_OVERRIDES, errors);
    let section = |f: &mut Fields, key: &str| -> IndexMap<String, serde_json::Value> {
        match f.take(key) {
            None => IndexMap::new(),
            Some(n) => match n.as_map() {
                Some(entries) => entries
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
                None => {
                    f.errors.push(Diagnostic::new(
                        n.span,
                        format!("`rjsf-overrides.{key}` must map dotted paths to values."),
                    ));
                    IndexMap::new()
                }
            },
        }
    };
    let properties = section(&mut f, "properties");
    let defs = section(&mut f, "$defs");
    let ui_schema = section(&mut f, "uiSchema");
    f.finish();
    RjsfOverrides {
        properties,
        defs,
        ui_schema,
    }
}

fn parse_workflow(node: &Node, errors: &mut Vec<Diagnostic>) -> Vec<WorkflowEntry> {
    let Some(items) = node.as_seq() else {
        errors.push(Diagnostic::new(
            node.span,
            format!(
                "`workflow` must be a list of task instances or task groups, found {}.",
                node.type_name()
            ),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        if item.get("type").is_some() {
            let ty = item.get("type").unwrap();
            if ty.as_str() == Some("task-group") {
                if let Some(g) = parse_group(item, errors) {
                    out.push(WorkflowEntry::Group(g));
                }
            } else {
                errors.push(
                    Diagnostic::new(
                        ty.span,
                        format!("Unknown workflow entry type `{}`.", ty.key_text()),
                    )
                    .help("The only entry type is `task-group`; task instances have no `type`."),
                );
            }
        } else if let Some(t) = parse_instance(item, errors) {
            out.push(WorkflowEntry::Task(t));
        }
    }
    out
}

fn parse_group(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<TaskGroup> {
    let mut f = Fields::new(node, &shape::TASK_GROUP, errors);
    f.take("type");
    let title = f.required_str("title");
    let description = f.required_str("description");
    let tasks = match f.take("tasks") {
        None => {
            f.errors.push(Diagnostic::new(
                node.span,
                "A task group needs `tasks`, the list of its task instances.",
            ));
            Vec::new()
        }
        Some(t) => match t.as_seq() {
            None => {
                f.errors.push(Diagnostic::new(
                    t.span,
                    format!(
                        "`tasks` must be a list of task instances, found {}.",
                        t.type_name()
                    ),
                ));
                Vec::new()
            }
            Some(items) => {
                let mut v = Vec::new();
                for item in items {
                    if let Some(ty) = item.get("type") {
                        f.errors.push(Diagnostic::new(ty.span, "Task groups cannot be nested.").help("Move the inner group's tasks into this group or make it a top-level group."));
                    } else if let Some(inst) = parse_instance(item, f.errors) {
                        v.push(inst);
                    }
                }
                v
            }
        },
    };
    f.finish();
    Some(TaskGroup {
        title: title?,
        description: description?.value,
        tasks,
        span: node.span,
    })
}

fn parse_instance(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<TaskInstance> {
    if node.as_map().is_none() {
        errors.push(Diagnostic::new(node.span, format!("A workflow entry must be a task instance (a mapping with `id` and `task`) or a task group, found {}.", node.type_name())));
        return None;
    }
    let mut f = Fields::new(node, &shape::TASK_INSTANCE, errors);
    let id = f.required_str("id");
    if let Some(id) = &id {
        check_id(id, "task instance", MAX_INSTANCE_ID, f.errors);
    }
    let name = match f.take("name") {
        None => String::new(),
        Some(n) if n.is_null() => String::new(),
        Some(n) => expect_str(n, "name", f.errors)
            .unwrap_or_default()
            .to_string(),
    };
    let task = f.required_str("task");
    let partial = match f.take("partial") {
        None => Vec::new(),
        Some(p) if p.is_null() => Vec::new(),
        Some(p) => match p.as_map() {
            None => {
                f.errors.push(Diagnostic::new(
                    p.span,
                    format!(
                        "`partial` must map argument names to values, found {}.",
                        p.type_name()
                    ),
                ));
                Vec::new()
            }
            Some(entries) => entries
                .iter()
                .map(|(k, v)| {
                    let key = Spanned::new(k.key_text(), k.span);
                    if !is_identifier(&key.value) {
                        f.errors.push(
                            Diagnostic::new(
                                k.span,
                                format!("`{}` is not a valid argument name.", key.value),
                            )
                            .underline(&key.value)
                            .help("Argument names are Python identifiers."),
                        );
                    }
                    (key, parse_value(v, f.errors))
                })
                .collect(),
        },
    };
    let map = f.take("map").and_then(|m| parse_map_op(m, "map", f.errors));
    let mapvalues = f
        .take("mapvalues")
        .and_then(|m| parse_map_op(m, "mapvalues", f.errors));
    if let (Some(_), Some(mv)) = (&map, &mapvalues) {
        f.errors.push(Diagnostic::new(mv.span, "A task instance cannot have both `map` and `mapvalues`.").help("Choose one: `map` fans out over values, `mapvalues` over the values of (key, value) pairs."));
    }
    let skipif = f
        .take("skipif")
        .filter(|n| !n.is_null())
        .and_then(|s| parse_skipif(s, f.errors));
    let lints = f
        .take("lints")
        .filter(|n| !n.is_null())
        .map(|l| parse_lints(l, f.errors))
        .unwrap_or_default();
    f.finish();
    Some(TaskInstance {
        id: id?,
        name,
        task: task?,
        partial,
        map,
        mapvalues,
        skipif,
        lints,
        span: node.span,
    })
}

/// A task instance's `lints:`: lint names (the section's keys, so a misspelt one gets
/// did-you-mean) to levels.
fn parse_lints(node: &Node, errors: &mut Vec<Diagnostic>) -> LintLevels {
    let mut levels = LintLevels::new();
    if node.as_map().is_none() {
        errors.push(
            Diagnostic::new(
                node.span,
                format!(
                    "`lints` must map lint names to levels, found {}.",
                    node.type_name()
                ),
            )
            .help("Write e.g. `lints: {skip-flow: allow}`."),
        );
        return levels;
    }
    let f = Fields::new(node, &shape::LINTS, errors);
    for (k, v) in node.as_map().unwrap_or(&[]) {
        let Some(lint) = Lint::parse(&k.key_text()) else {
            continue;
        };
        let Some(text) = expect_str(v, lint.name(), f.errors) else {
            continue;
        };
        match Level::parse(text) {
            Some(level) => {
                levels.insert(lint, level);
            }
            None => f.errors.push(
                Diagnostic::new(v.span, format!("`{text}` is not a lint level."))
                    .underline(text)
                    .help("A lint's level is `allow`, `warn` or `deny`."),
            ),
        }
    }
    f.finish();
    levels
}

fn parse_map_op(node: &Node, what: &'static str, errors: &mut Vec<Diagnostic>) -> Option<MapOp> {
    if node.is_null() || node.as_map().is_some_and(|m| m.is_empty()) {
        return None;
    }
    let section = if what == "map" {
        &shape::MAP
    } else {
        &shape::MAPVALUES
    };
    let mut f = Fields::new(node, section, errors);
    let names_node = f.take("argnames");
    let values_node = f.take("argvalues");
    f.finish();
    let (Some(names_node), Some(values_node)) = (names_node, values_node) else {
        errors.push(Diagnostic::new(node.span, format!("`{what}` needs both `argnames` and `argvalues`.")).help("`argnames` names the parameter(s) to fan out over; `argvalues` is the `${{ workflow.<id>.return }}` that yields the values."));
        return None;
    };
    let argnames: Vec<Spanned<String>> = match &names_node.kind {
        NodeKind::Str(s) => vec![Spanned::new(s.clone(), names_node.span)],
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| {
                expect_str(i, "argnames item", errors).map(|s| Spanned::new(s.to_string(), i.span))
            })
            .collect(),
        _ => {
            errors.push(Diagnostic::new(
                names_node.span,
                format!(
                    "`argnames` must be a name or a list of names, found {}.",
                    names_node.type_name()
                ),
            ));
            return None;
        }
    };
    for n in &argnames {
        if !is_identifier(&n.value) {
            errors.push(
                Diagnostic::new(
                    n.span,
                    format!("`{}` is not a valid argument name.", n.value),
                )
                .underline(&n.value)
                .help("Argument names are Python identifiers."),
            );
        }
    }
    let (argvalues, argvalues_is_list) = match &values_node.kind {
        NodeKind::Seq(items) => (
            items
                .iter()
                .filter_map(|i| parse_required_variable(i, errors))
                .collect::<Vec<_>>(),
            true,
        ),
        _ => (
            parse_required_variable(values_node, errors)
                .into_iter()
                .collect(),
            false,
        ),
    };
    Some(MapOp {
        argnames,
        argvalues,
        argvalues_is_list,
        span: node.span,
    })
}

fn parse_skipif(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<Skipif> {
    let mut f = Fields::new(node, &shape::SKIPIF, errors);
    let conditions = match f.take("conditions") {
        None => {
            f.errors.push(Diagnostic::new(node.span, "`skipif` needs `conditions`, a list of registered condition functions.").help("Write `skipif: {conditions: [any_is_empty]}`, or `conditions: []` to disable a default."));
            Vec::new()
        }
        Some(c) => match c.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|i| {
                    expect_str(i, "condition", f.errors)
                        .map(|s| Spanned::new(s.to_string(), i.span))
                })
                .collect(),
            None => {
                f.errors.push(Diagnostic::new(
                    c.span,
                    format!(
                        "`conditions` must be a list of function names, found {}.",
                        c.type_name()
                    ),
                ));
                Vec::new()
            }
        },
    };
    let unpack_depth = match f.take("unpack_depth") {
        None => 1,
        Some(d) => match d.kind {
            NodeKind::Int(i) if i >= 0 => i,
            _ => {
                f.errors.push(Diagnostic::new(
                    d.span,
                    format!(
                        "`unpack_depth` must be a non-negative integer, found `{}`.",
                        d.key_text()
                    ),
                ).help("It is how many levels of nested lists are flattened before the conditions are called, e.g. `unpack_depth: 1`."));
                1
            }
        },
    };
    f.finish();
    Some(Skipif {
        conditions,
        unpack_depth,
        span: node.span,
    })
}

/// The span of a mapping key, for errors about a whole entry.
pub fn key_span(node: &Node, key: &str) -> Option<Span> {
    node.as_map()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(k, _)| k.span)
}
