//! Checks a parsed spec against the discovered registry and resolves it into a [`Workflow`].
//!
//! Covers every rule of the published implementation (docs/compatibility.md, “Validation rules”)
//! plus what it misses
//! (§9.1–9.2): bound arguments must be real parameters, skip conditions must be registered,
//! an argument cannot be bound twice, group titles cannot collide with each other or with task
//! ids (they share the form's top level), and ids cannot shadow names the generated code uses.
//! Parameters come from the introspected signature, so a parameter the registry schema hides
//! (`Field(exclude=True)`) can be bound, and must be when it is required. Once every task
//! resolves, the edges are type-checked (`edges.rs`). All problems are collected and reported
//! together.

use super::model::{Spanned, Spec, TaskInstance, WorkflowEntry};
use super::python::RESERVED_BY_GENERATED_CODE;
use super::resolved::{Instance, KnownTask, ResolvedSkipif, Workflow};
use crate::contracts::{RegistryOutput, Signatures, TaskSignature};
use crate::diag::{Diagnostic, did_you_mean};
use indexmap::IndexMap;
use std::collections::HashMap;

/// Registered functions by function name, then public module path (registry order).
pub struct KnownTasks {
    by_name: IndexMap<String, Vec<KnownTask>>,
}

impl KnownTasks {
    /// The registry's tasks with their introspected signatures; a task `signatures` does not
    /// describe gets the signature its registry schema implies.
    pub fn from_registry(registry: &RegistryOutput, signatures: &Signatures) -> KnownTasks {
        let mut by_name: IndexMap<String, Vec<KnownTask>> = IndexMap::new();
        for (fqn, entry) in &registry.entries {
            let same = by_name.entry(entry.function_name.clone()).or_default();
            let alias = if same.is_empty() {
                entry.function_name.clone()
            } else {
                format!("{}_{}", entry.function_name, same.len())
            };
            same.push(KnownTask {
                function_name: entry.function_name.clone(),
                public_module_path: entry.public_module_path.clone(),
                importable_reference: format!(
                    "{}.{}",
                    entry.public_module_path, entry.function_name
                ),
                alias,
                io: entry.metadata.tags.iter().any(|t| t == "io"),
                signature: signatures
                    .tasks
                    .get(fqn)
                    .cloned()
                    .unwrap_or_else(|| TaskSignature::from_registry_schema(&entry.json_schema)),
                json_schema: entry.json_schema.clone(),
                title: entry.metadata.title.clone(),
                description: entry.metadata.description.clone(),
            });
        }
        KnownTasks { by_name }
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    pub fn all(&self) -> impl Iterator<Item = &KnownTask> {
        self.by_name.values().flatten()
    }

    /// Resolves a bare function name or a dotted `module.path.func` reference.
    pub fn resolve(
        &self,
        reference: &Spanned<String>,
        what: &str,
    ) -> Result<KnownTask, Diagnostic> {
        let r = &reference.value;
        let err = |msg: String, help: String| {
            Diagnostic::new(reference.span, msg).underline(r).help(help)
        };
        if let Some((module, func)) = r.rsplit_once('.') {
            let bad_module = module
                .split('.')
                .find(|seg| !super::python::is_identifier(seg));
            if !super::python::is_identifier(func) || bad_module.is_some() {
                return Err(err(
                    format!("`{r}` is not a valid importable reference."),
                    format!(
                        "Write the {what} as `package.module.function` or as a bare registered function name."
                    ),
                ));
            }
            let candidates = self.by_name.get(func).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(t) = candidates.iter().find(|t| t.public_module_path == module) {
                return Ok(t.clone());
            }
            if candidates.is_empty() {
                let hint = did_you_mean(func, self.names());
                return Err(err(
                    format!("Task `{func}` is not registered.{hint}"),
                    self.listing(),
                ));
            }
            let modules: Vec<String> = candidates
                .iter()
                .map(|t| format!("`{}`", t.public_module_path))
                .collect();
            return Err(err(
                format!("Task `{func}` is not registered in module `{module}`."),
                format!("It is registered in {}.", modules.join(", ")),
            ));
        }
        match self.by_name.get(r.as_str()).map(Vec::as_slice) {
            Some([one]) => Ok(one.clone()),
            Some(many) if many.len() > 1 => Err(err(
                format!("Several registered tasks are named `{r}`."),
                format!(
                    "Qualify it with its module: {}.",
                    many.iter()
                        .map(|t| format!("`{}`", t.importable_reference))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
            _ => {
                let hint = did_you_mean(r, self.names());
                Err(err(
                    format!("Task `{r}` is not registered.{hint}"),
                    self.listing(),
                ))
            }
        }
    }

    fn listing(&self) -> String {
        if self.by_name.is_empty() {
            return "No tasks were discovered: check that the task libraries in `requirements` register functions with `@register` under the `wt_registry` entry point.".into();
        }
        let names: Vec<&str> = self.names().collect();
        let shown = names
            .iter()
            .take(12)
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let more = if names.len() > 12 {
            format!(" and {} more (see `wt tasks`)", names.len() - 12)
        } else {
            String::new()
        };
        format!("Registered tasks: {shown}{more}.")
    }
}

/// Validates the spec against the registry and resolves every task.
pub fn validate(spec: &Spec, known: &KnownTasks) -> Result<Workflow, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let flat = spec.flat_instances();
    let position: HashMap<&str, usize> = {
        let mut m = HashMap::new();
        for (i, (inst, _)) in flat.iter().enumerate() {
            m.entry(inst.id.value.as_str()).or_insert(i);
        }
        m
    };
    check_ids(spec, &flat, known, &mut errors);
    check_group_titles(spec, &position, &mut errors);

    let mut instances = Vec::new();
    for (index, (inst, group)) in flat.iter().enumerate() {
        let task = known
            .resolve(&inst.task, "task")
            .map_err(|e| errors.push(e))
            .ok();
        let skipif_def = inst.skipif.as_ref().or(spec.default_skipif.as_ref());
        let conditions: Vec<KnownTask> = skipif_def
            .map(|s| {
                s.conditions
                    .iter()
                    .filter_map(|c| {
                        known
                            .resolve(c, "skip condition")
                            .map_err(|e| errors.push(e))
                            .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let deps = inst.dependencies();
        check_dependencies(inst, index, &deps, &flat, &position, &mut errors);
        if let Some(task) = &task {
            check_bound_arguments(inst, task, &mut errors);
            check_hidden_bound(inst, task, &mut errors);
        }
        if let Some(task) = task {
            instances.push(Instance {
                def: (*inst).clone(),
                group: *group,
                task,
                skipif: skipif_def.map(|s| ResolvedSkipif {
                    conditions,
                    unpack_depth: s.unpack_depth,
                }),
                dependencies: deps.into_iter().map(|d| d.value).collect(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut wf = Workflow {
        spec: spec.clone(),
        instances,
        findings: Vec::new(),
    };
    // Edge types need every task resolved, so they are checked once the rest holds.
    let (edge_errors, findings) = super::edges::check_edges(&wf);
    if edge_errors.is_empty() {
        wf.findings = findings;
        Ok(wf)
    } else {
        Err(edge_errors)
    }
}

fn check_ids(
    spec: &Spec,
    flat: &[(&TaskInstance, Option<usize>)],
    known: &KnownTasks,
    errors: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, &TaskInstance> = HashMap::new();
    for (inst, _) in flat {
        let id = &inst.id;
        let err = |msg: String, help: String| {
            Diagnostic::new(id.span, msg)
                .underline(&id.value)
                .help(help)
        };
        if id.value == spec.id.value {
            errors.push(err(
                format!("Task id `{}` is the same as the workflow id.", id.value),
                "Task ids and the workflow id must differ; rename the task instance.".into(),
            ));
        }
        if known.by_name.contains_key(&id.value) {
            errors.push(err(
                format!("`{}` is the name of a registered task and cannot be a task instance id.", id.value),
                format!("The id would shadow the imported function in generated code; choose another id, e.g. `{}_result`.", id.value),
            ));
        } else if RESERVED_BY_GENERATED_CODE.contains(&id.value.as_str()) {
            errors.push(err(
                format!("`{}` is a name the generated workflow code uses and cannot be a task instance id.", id.value),
                format!("Choose another id, e.g. `{}_result`.", id.value),
            ));
        }
        match seen.get(id.value.as_str()) {
            Some(first) => errors.push(err(
                format!(
                    "Task id `{}` is used twice (first on line {}).",
                    id.value, first.id.span.line
                ),
                "Task instance ids must be unique in a workflow; rename one of them.".into(),
            )),
            None => {
                seen.insert(&id.value, inst);
            }
        }
    }
}

fn check_group_titles(spec: &Spec, position: &HashMap<&str, usize>, errors: &mut Vec<Diagnostic>) {
    let mut titles: HashMap<&str, usize> = HashMap::new();
    for entry in &spec.workflow {
        let WorkflowEntry::Group(g) = entry else {
            continue;
        };
        let t = &g.title;
        if let Some(line) = titles.get(t.value.as_str()) {
            errors.push(
                Diagnostic::new(
                    t.span,
                    format!(
                        "Task group title `{}` is used twice (first on line {line}).",
                        t.value
                    ),
                )
                .underline(&t.value)
                .help("Group titles are keys of the web form; give each group its own title."),
            );
        } else {
            titles.insert(&t.value, t.span.line);
        }
        if position.contains_key(t.value.as_str()) {
            errors.push(
                Diagnostic::new(t.span, format!("Task group title `{}` is also a task instance id.", t.value))
                    .underline(&t.value)
                    .help("Group titles and top-level task ids share the web form's top level; rename the group or the task."),
            );
        }
    }
}

fn check_dependencies(
    inst: &TaskInstance,
    index: usize,
    deps: &[Spanned<String>],
    flat: &[(&TaskInstance, Option<usize>)],
    position: &HashMap<&str, usize>,
    errors: &mut Vec<Diagnostic>,
) {
    for dep in deps {
        let err = |msg: String, help: String| Diagnostic::new(dep.span, msg).help(help);
        if dep.value == inst.id.value {
            errors.push(err(
                format!("Task `{}` uses its own return value.", inst.id.value),
                "A task instance cannot depend on itself; reference an upstream task's `return`."
                    .into(),
            ));
            continue;
        }
        match position.get(dep.value.as_str()) {
            None => {
                let hint = did_you_mean(&dep.value, flat.iter().map(|(i, _)| i.id.value.as_str()));
                let ids = flat
                    .iter()
                    .take(index)
                    .map(|(i, _)| format!("`{}`", i.id.value))
                    .collect::<Vec<_>>();
                errors.push(err(
                    format!("Task `{}` uses the result of `{}`, which is not a task id of this workflow.{hint}", inst.id.value, dep.value),
                    if ids.is_empty() { "No task is defined before this one.".into() } else { format!("Tasks defined before this one: {}.", ids.join(", ")) },
                ));
            }
            Some(&pos) if pos > index => {
                let later = flat[pos].0;
                errors.push(err(
                    format!(
                        "Tasks are not in topological order: `{}` uses the result of `{}`, which is defined later (line {}).",
                        inst.id.value, dep.value, later.id.span.line
                    ),
                    format!("Move `{}` above `{}`.", dep.value, inst.id.value),
                ));
            }
            _ => {}
        }
    }
}

/// Bound argument names (partial keys, argnames) must be parameters of the function (hidden
/// ones included: they exist to be bound), each bound once.
fn check_bound_arguments(inst: &TaskInstance, task: &KnownTask, errors: &mut Vec<Diagnostic>) {
    let sig = &task.signature;
    let accepts_any = sig.accepts_any_keyword()
        || task
            .json_schema
            .get("additionalProperties")
            .is_some_and(|a| a != &serde_json::Value::Bool(false));
    let params: Vec<&str> = sig
        .parameters
        .iter()
        .filter(|p| p.bindable())
        .map(|p| p.name.as_str())
        .collect();
    let mut bound: HashMap<&str, usize> = HashMap::new();
    for name in bound_names(inst) {
        if !accepts_any && sig.parameter(&name.value).is_none() {
            let hint = did_you_mean(&name.value, params.iter().copied());
            errors.push(
                Diagnostic::new(
                    name.span,
                    format!(
                        "`{}` is not a parameter of task `{}`.{hint}",
                        name.value, task.function_name
                    ),
                )
                .underline(&name.value)
                .help(if params.is_empty() {
                    format!("`{}` takes no parameters.", task.function_name)
                } else {
                    format!(
                        "Its parameters are {}.",
                        params
                            .iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            );
        }
        if let Some(line) = bound.insert(&name.value, name.span.line) {
            errors.push(
                Diagnostic::new(
                    name.span,
                    format!(
                        "Argument `{}` of task `{}` is bound twice (also on line {line}).",
                        name.value, inst.id.value
                    ),
                )
                .underline(&name.value)
                .help("Bind each argument once: in `partial` or as a `map`/`mapvalues` argname."),
            );
        }
    }
}

/// The argument names the spec binds: `partial` keys, then `map`/`mapvalues` argnames.
fn bound_names(inst: &TaskInstance) -> impl Iterator<Item = &Spanned<String>> {
    let fan_names = inst.fan_out().map(|(op, _)| op.argnames.iter());
    inst.partial
        .iter()
        .map(|(k, _)| k)
        .chain(fan_names.into_iter().flatten())
}

/// A required parameter hidden from the form (`Field(exclude=True)`) can only come from the
/// spec: left unbound, the run could never supply it.
fn check_hidden_bound(inst: &TaskInstance, task: &KnownTask, errors: &mut Vec<Diagnostic>) {
    let bound: Vec<&str> = bound_names(inst).map(|n| n.value.as_str()).collect();
    let missing: Vec<String> = task
        .signature
        .parameters
        .iter()
        .filter(|p| p.bindable() && p.hidden && !p.has_default && !bound.contains(&p.name.as_str()))
        .map(|p| format!("`{}`", p.name))
        .collect();
    if missing.is_empty() {
        return;
    }
    let (noun, them) = if missing.len() == 1 {
        ("parameter", "it")
    } else {
        ("parameters", "each")
    };
    errors.push(
        Diagnostic::new(
            inst.id.span,
            format!(
                "Task `{}` ({}) leaves the required {noun} {} unbound, and the form cannot supply {them}: it is hidden from the schema (`Field(exclude=True)`).",
                inst.id.value,
                task.function_name,
                missing.join(", ")
            ),
        )
        .underline(&inst.id.value)
        .help(format!(
            "Bind {them} in `partial` (usually to an upstream result, `${{{{ workflow.<id>.return }}}}`) or as a `map`/`mapvalues` argname."
        )),
    );
}
