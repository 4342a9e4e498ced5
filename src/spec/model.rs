//! The spec.yaml model, as parsed (before tasks are resolved against the registry).
//!
//! Every field that an error may point at keeps its [`Span`]. Field names follow the YAML keys
//! of the published format (`wt_compiler.spec` of wt-compiler 0.10.3; docs/compatibility.md, “Spec
//! format”), hyphenated keys in snake_case here.

use crate::yaml::Span;
use indexmap::IndexMap;

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A whole spec.yaml.
/// What a build needs of a spec before any step has run: its id and requirements. It is
/// remembered by the spec's text (see `project::prepare`), so a build whose specs did not
/// change parses none of them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpecHead {
    pub id: Spanned<String>,
    pub requirements: Vec<Requirement>,
    pub requirements_span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub id: Spanned<String>,
    pub requirements: Vec<Requirement>,
    /// Where `requirements` is written (the spec's start when it is missing), for errors about
    /// them as a whole.
    pub requirements_span: Span,
    /// Catalog metadata; kept verbatim (extra keys allowed), never part of the fingerprint.
    pub metadata: Option<serde_json::Value>,
    pub rjsf_overrides: RjsfOverrides,
    /// `task-instance-defaults.skipif`, applied to instances without their own `skipif`.
    pub default_skipif: Option<Skipif>,
    pub workflow: Vec<WorkflowEntry>,
}

impl Spec {
    pub fn head(&self) -> SpecHead {
        SpecHead {
            id: self.id.clone(),
            requirements: self.requirements.clone(),
            requirements_span: self.requirements_span,
        }
    }

    /// Every task instance in execution order (groups flattened), with the index of the group
    /// (in `workflow`) that holds it.
    /// The `lints:` levels of the task instance `id` (for `super::lints::judge`).
    pub fn instance_lints(&self, id: &str) -> Option<&super::lints::LintLevels> {
        self.flat_instances()
            .into_iter()
            .find(|(i, _)| i.id.value == id)
            .map(|(i, _)| &i.lints)
    }

    pub fn flat_instances(&self) -> Vec<(&TaskInstance, Option<usize>)> {
        let mut out = Vec::new();
        for (i, entry) in self.workflow.iter().enumerate() {
            match entry {
                WorkflowEntry::Task(t) => out.push((t, None)),
                WorkflowEntry::Group(g) => out.extend(g.tasks.iter().map(|t| (t, Some(i)))),
            }
        }
        out
    }
}

/// `rjsf-overrides`: dotted paths patched into rjsf.json.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RjsfOverrides {
    pub properties: IndexMap<String, serde_json::Value>,
    pub defs: IndexMap<String, serde_json::Value>,
    pub ui_schema: IndexMap<String, serde_json::Value>,
}

impl RjsfOverrides {
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty() && self.defs.is_empty() && self.ui_schema.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Requirement {
    Conda(CondaRequirement),
    Pypi(PypiRequirement),
}

impl Requirement {
    pub fn name(&self) -> &Spanned<String> {
        match self {
            Requirement::Conda(c) => &c.name,
            Requirement::Pypi(p) => &p.name,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Requirement::Conda(c) => c.span,
            Requirement::Pypi(p) => p.span,
        }
    }
}

/// A conda package: `{name, version, channel}` or `{requirement: "channel::name >=1"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CondaRequirement {
    pub name: Spanned<String>,
    /// A rattler NamelessMatchSpec such as `>=1.0` or `*`.
    pub version: String,
    pub channel: Spanned<Channel>,
    pub span: Span,
}

/// A resolved conda channel.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Channel {
    /// The short name if it is a known channel, else the URL.
    pub name: String,
    pub base_url: String,
}

/// A PyPI package from a local path, git, a URL, or an index version.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PypiRequirement {
    pub name: Spanned<String>,
    pub git: Option<String>,
    pub rev: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    /// As written in spec.yaml (may be relative to the spec's folder).
    pub path: Option<Spanned<String>>,
    pub editable: Option<bool>,
    pub url: Option<String>,
    pub subdirectory: Option<String>,
    pub extras: Vec<String>,
    pub version: Option<String>,
    pub span: Span,
}

impl Default for Spanned<String> {
    fn default() -> Self {
        Spanned::new(String::new(), Span::default())
    }
}

/// (A spec holds tens of entries, so the size difference between variants costs nothing worth
/// a `Box`.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WorkflowEntry {
    Task(TaskInstance),
    Group(TaskGroup),
}

/// `type: task-group`: a heading in the form; execution order is the flattened list.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskGroup {
    pub title: Spanned<String>,
    pub description: String,
    pub tasks: Vec<TaskInstance>,
    pub span: Span,
}

/// One use of a registered function in the DAG.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInstance {
    pub id: Spanned<String>,
    /// Human title (empty when absent).
    pub name: String,
    /// Bare function name or dotted `module.path.func`.
    pub task: Spanned<String>,
    /// Bound keyword arguments in source order.
    pub partial: Vec<(Spanned<String>, Spanned<Value>)>,
    pub map: Option<MapOp>,
    pub mapvalues: Option<MapOp>,
    /// The instance's own skipif (`None` when absent or null; defaults apply then).
    pub skipif: Option<Skipif>,
    /// Lint levels for this instance alone (`lints: {skip-flow: allow}`).
    pub lints: super::lints::LintLevels,
    pub span: Span,
}

/// One `${{ env.NAME }}` a task instance reads, and where the spec says so.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvReference {
    pub name: String,
    /// The argument it feeds (a `partial` key, or the `map`/`mapvalues` argvalues).
    pub argument: String,
    pub span: Span,
}

impl TaskInstance {
    /// Every `${{ env.NAME }}` this instance reads, in spec order.
    pub fn env_references(&self) -> Vec<EnvReference> {
        let mut out = Vec::new();
        for (key, v) in &self.partial {
            v.value.visit_env(v.span, &mut |name, span| {
                out.push(EnvReference {
                    name: name.to_string(),
                    argument: key.value.clone(),
                    span,
                })
            });
        }
        if let Some((op, _)) = self.fan_out() {
            for v in &op.argvalues {
                if let Variable::Env(name) = &v.value {
                    out.push(EnvReference {
                        name: name.clone(),
                        argument: "argvalues".into(),
                        span: v.span,
                    });
                }
            }
        }
        out
    }

    /// The fan-out operation, if any, and whether it is `mapvalues`.
    pub fn fan_out(&self) -> Option<(&MapOp, bool)> {
        self.map
            .as_ref()
            .map(|m| (m, false))
            .or(self.mapvalues.as_ref().map(|m| (m, true)))
    }

    /// Ids of the task instances whose return values this instance reads, in first-use order.
    pub fn dependencies(&self) -> Vec<Spanned<String>> {
        let mut out: Vec<Spanned<String>> = Vec::new();
        let mut add = |id: &str, span: Span| {
            if !out.iter().any(|d| d.value == id) {
                out.push(Spanned::new(id.to_string(), span));
            }
        };
        for (_, v) in &self.partial {
            v.value.visit_refs(v.span, &mut add);
        }
        if let Some((op, _)) = self.fan_out() {
            for v in &op.argvalues {
                if let Variable::TaskReturn(id) = &v.value {
                    add(id, v.span);
                }
            }
        }
        out
    }
}

/// `map` / `mapvalues`: `argnames` and `argvalues` (one variable or a list of them).
#[derive(Debug, Clone, PartialEq)]
pub struct MapOp {
    pub argnames: Vec<Spanned<String>>,
    pub argvalues: Vec<Spanned<Variable>>,
    /// Whether `argvalues` was written as a list (renders as a Python list literal).
    pub argvalues_is_list: bool,
    pub span: Span,
}

/// `skipif`: conditions (registered functions) and how deep to flatten their arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipif {
    pub conditions: Vec<Spanned<String>>,
    pub unpack_depth: i64,
    pub span: Span,
}

/// A bound argument value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Literal(Literal),
    Var(Variable),
    Dict(Vec<(String, Spanned<Value>)>),
    List(Vec<Spanned<Value>>),
}

impl Value {
    /// Calls `f` for every `${{ ... }}` variable inside this value, with its position.
    pub fn visit_vars(&self, span: Span, f: &mut impl FnMut(&Variable, Span)) {
        match self {
            Value::Var(var) => f(var, span),
            Value::Literal(_) => {}
            Value::Dict(entries) => entries
                .iter()
                .for_each(|(_, v)| v.value.visit_vars(v.span, f)),
            Value::List(items) => items.iter().for_each(|v| v.value.visit_vars(v.span, f)),
        }
    }

    /// Calls `f` for every `${{ workflow.<id>.return }}` inside this value.
    pub fn visit_refs(&self, span: Span, f: &mut impl FnMut(&str, Span)) {
        self.visit_vars(span, &mut |var, at| {
            if let Variable::TaskReturn(id) = var {
                f(id, at)
            }
        });
    }

    /// Calls `f` for every `${{ env.NAME }}` inside this value.
    pub fn visit_env(&self, span: Span, f: &mut impl FnMut(&str, Span)) {
        self.visit_vars(span, &mut |var, at| {
            if let Variable::Env(name) = var {
                f(name, at)
            }
        });
    }
}

/// An inline YAML scalar.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// A `${{ ... }}` expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Variable {
    /// `${{ workflow.<id>.return }}`
    TaskReturn(String),
    /// `${{ env.<NAME> }}`, read when the DAG runs.
    Env(String),
}
