//! The sequential DAG modules: `dags/run_sequential.py` and its mock-io variant.
//!
//! Each task instance becomes one `wt_task` method chain (docs/compatibility.md, “The sequential
//! DAG”), whose shape `templates/package/dags/run_sequential.py.j2` holds:
//!
//! ```text
//! <id> = (
//!     task(<alias>)
//!     .validate()                          # not for io tasks in the mock variant
//!     .set_task_instance_id("<id>")
//!     .handle_errors()
//!     .with_tracing()
//!     .skipif(conditions=[...], unpack_depth=<n>)   # when the instance has skip conditions
//!     .partial(<bindings>, **(params.get("<id>") or {}))
//!     .call()  |  .map(argnames=[...], argvalues=<expr>)  |  .mapvalues(...)
//! )
//! ```
//!
//! This module chooses the names and writes the bound values as Python ([`Statement`]).
//!
//! An instance whose result nothing reads (and that is not the terminal one) is written as a
//! bare expression statement instead of an assignment, so the module passes ruff's unused
//! variable check. Instance ids are the result variables and registry aliases the imported
//! function names; should one of them clash with another or with a name the module itself
//! uses, the generated name gets `_` appended (spec validation normally rejects such ids).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::imports::{FromImport, from_import_block};
use super::python::{RefNames, exploded_call, is_identifier, py_str, py_value, py_variable};
use crate::spec::resolved::{Instance, KnownTask, Workflow};

/// Names the DAG module binds or reads besides the instance results and task functions.
const MODULE_NAMES: &[&str] = &[
    "os",
    "warnings",
    "task",
    "_validate",
    "metadata",
    "create_func_magicmock",
    "main",
    "float",
    "params",
    "validate_params_schema",
];

/// The Python names chosen for one workflow's DAG module.
pub struct DagNames {
    /// Instance id -> result variable.
    vars: HashMap<String, String>,
    /// Importable reference -> module-level name of the function.
    aliases: HashMap<String, String>,
}

impl DagNames {
    pub fn of(workflow: &Workflow) -> DagNames {
        DagNames::reserving(workflow, MODULE_NAMES)
    }

    /// Names for a module that itself binds or reads `reserved`.
    pub fn reserving(workflow: &Workflow, reserved: &[&str]) -> DagNames {
        let mut taken: HashSet<String> = reserved.iter().map(|s| s.to_string()).collect();
        let mut vars = HashMap::new();
        for inst in &workflow.instances {
            let name = unique_name(&inst.def.id.value, &mut taken);
            vars.insert(inst.def.id.value.clone(), name);
        }
        let mut aliases = HashMap::new();
        for func in workflow.imported_functions() {
            let name = unique_name(&func.alias, &mut taken);
            aliases.insert(func.importable_reference.clone(), name);
        }
        DagNames { vars, aliases }
    }

    pub fn var(&self, id: &str) -> String {
        self.vars.get(id).cloned().unwrap_or_else(|| sanitize(id))
    }

    pub fn alias(&self, func: &KnownTask) -> String {
        self.aliases
            .get(&func.importable_reference)
            .cloned()
            .unwrap_or_else(|| sanitize(&func.alias))
    }
}

/// `wanted` made a valid identifier that is not yet in `taken` (then recorded there).
fn unique_name(wanted: &str, taken: &mut HashSet<String>) -> String {
    let mut name = sanitize(wanted);
    while taken.contains(&name) {
        name.push('_');
    }
    taken.insert(name.clone());
    name
}

fn sanitize(s: &str) -> String {
    if is_identifier(s) {
        return s.to_string();
    }
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) || !is_identifier(&out) {
        out.insert(0, '_');
    }
    out
}

/// A module-level mock replacing an io function's import in the mock-io variant.
#[derive(Debug, Clone, Serialize)]
pub struct Mock {
    pub alias: String,
    pub call: String,
}

/// What `run_sequential.py.j2` needs. The module's shape (each instance's method chain, its
/// links and their order) is the template's; this holds names and the Python expressions of
/// bound values, each already indented for the one place the template puts it.
#[derive(Debug, Clone, Serialize)]
pub struct DagModule {
    pub mock_io: bool,
    /// `import x` lines (standard library section), newline-terminated.
    pub stdlib_imports: String,
    /// `from x import y` lines (third-party section), newline-terminated.
    pub third_party_imports: String,
    pub mocks: Vec<Mock>,
    /// One statement per instance, in execution order.
    pub statements: Vec<Statement>,
    /// The variable `main` returns (absent for an empty workflow).
    pub terminal: Option<String>,
}

impl DagModule {
    pub fn build(workflow: &Workflow, mock_io: bool) -> DagModule {
        let names = DagNames::of(workflow);
        let mocked = |f: &KnownTask| mock_io && f.io;

        let Imports {
            stdlib,
            mut third_party,
            mocks,
        } = imports(workflow, &names, mock_io, true);
        if !workflow.instances.is_empty() {
            third_party.push(FromImport::new("wt_task", "task", "task"));
        }
        let read: HashSet<&str> = workflow
            .instances
            .iter()
            .flat_map(|i| i.dependencies.iter().map(String::as_str))
            .collect();
        let terminal = workflow.terminal().map(|t| names.var(&t.def.id.value));
        let statements = workflow
            .instances
            .iter()
            .map(|inst| {
                let id = inst.def.id.value.as_str();
                let is_terminal = workflow.terminal().is_some_and(|t| t.def.id.value == id);
                Statement::of(
                    inst,
                    &names,
                    mocked(&inst.task),
                    read.contains(id) || is_terminal,
                )
            })
            .collect();

        DagModule {
            mock_io,
            stdlib_imports: stdlib,
            third_party_imports: from_import_block(&third_party),
            mocks,
            statements,
            terminal,
        }
    }
}

/// What a DAG module imports: the standard library lines, the params validator, the task
/// functions (or, in the mock-io variant, the mock factory), and the mocks it defines.
pub struct Imports {
    /// `import x` lines, newline-terminated.
    pub stdlib: String,
    pub third_party: Vec<FromImport>,
    pub mocks: Vec<Mock>,
}

/// The imports of a DAG module over `workflow`; `os` only when `env_via_os` and the spec reads
/// an environment variable.
pub fn imports(workflow: &Workflow, names: &DagNames, mock_io: bool, env_via_os: bool) -> Imports {
    let mocked = |f: &KnownTask| mock_io && f.io;
    let mut stdlib = String::new();
    if env_via_os && !workflow.env_references().is_empty() {
        stdlib.push_str("import os\n");
    }
    if mock_io {
        stdlib.push_str("import warnings\n");
    }
    let mut third_party = vec![FromImport::new("wt_contracts", "validate", "_validate")];
    let mut mocks = Vec::new();
    for func in workflow.imported_functions() {
        let alias = names.alias(func);
        if mocked(func) {
            let call = exploded_call(
                "create_func_magicmock",
                &[
                    format!("anchor={}", py_str(&func.public_module_path)),
                    format!("func_name={}", py_str(&func.function_name)),
                ],
                0,
            );
            mocks.push(Mock { alias, call });
        } else {
            third_party.push(FromImport::new(
                &func.public_module_path,
                &func.function_name,
                &alias,
            ));
        }
    }
    if !mocks.is_empty() {
        third_party.push(FromImport::new(
            "wt_task.testing",
            "create_func_magicmock",
            "create_func_magicmock",
        ));
    }
    Imports {
        stdlib,
        third_party,
        mocks,
    }
}

/// One instance's method chain in `main`, as `run_sequential.py.j2` writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    /// The instance id, as the spec spells it (in comments and as a string).
    pub id: String,
    /// The variable bound to the result; `None` when nothing reads it (a bare expression
    /// statement, so the module passes ruff's unused-variable check).
    pub var: Option<String>,
    /// The task function's name in the module.
    pub alias: String,
    /// A mocked io task: its inputs are not validated.
    pub mocked: bool,
    pub skipif: Option<SkipifArgs>,
    /// `name=value` bindings of the spec's `partial` whose names are identifiers.
    pub keywords: Vec<Binding>,
    /// Bindings whose names are not identifiers (Python keywords): passed through `**{...}`.
    pub other_keywords: Vec<Binding>,
    pub fan_out: Option<FanOutArgs>,
}

/// A bound argument: its name and its value as Python.
#[derive(Debug, Clone, Serialize)]
pub struct Binding {
    pub name: String,
    pub value: String,
}

/// The arguments of `.skipif(...)` (or the graph's `Skipif(...)`).
#[derive(Debug, Clone, Serialize)]
pub struct SkipifArgs {
    /// The condition functions' names.
    pub conditions: Vec<String>,
    pub unpack_depth: i64,
}

/// The arguments of `.map(...)` / `.mapvalues(...)` (or the graph's `Map(...)`).
#[derive(Debug, Clone, Serialize)]
pub struct FanOutArgs {
    pub mapvalues: bool,
    pub argnames: Vec<String>,
    /// The values' expressions: written as a list when `as_list`, else the one expression.
    pub argvalues: Vec<String>,
    pub as_list: bool,
}

impl FanOutArgs {
    pub fn of(inst: &Instance, names: &dyn RefNames) -> Option<FanOutArgs> {
        let (op, mapvalues) = inst.def.fan_out()?;
        let argvalues: Vec<String> = op
            .argvalues
            .iter()
            .map(|v| py_variable(&v.value, names))
            .collect();
        Some(FanOutArgs {
            mapvalues,
            argnames: op.argnames.iter().map(|a| a.value.clone()).collect(),
            as_list: op.argvalues_is_list || argvalues.len() != 1,
            argvalues,
        })
    }
}

impl SkipifArgs {
    pub fn of(inst: &Instance, names: &DagNames) -> Option<SkipifArgs> {
        let skipif = inst.skipif.as_ref()?;
        Some(SkipifArgs {
            conditions: skipif.conditions.iter().map(|c| names.alias(c)).collect(),
            unpack_depth: skipif.unpack_depth,
        })
    }
}

/// The indentation level, in the template, of a `name=value` line inside `.partial(`; a
/// `**{` entry is one deeper. Values exploding over several lines close at their own line's
/// level.
const PARTIAL_ARG_LEVEL: usize = 3;

impl Statement {
    fn of(inst: &Instance, names: &DagNames, mocked: bool, assigned: bool) -> Statement {
        let var = |id: &str| names.var(id);
        let mut keywords = Vec::new();
        let mut other_keywords = Vec::new();
        for (key, value) in &inst.def.partial {
            if is_identifier(&key.value) {
                keywords.push(Binding {
                    name: key.value.clone(),
                    value: py_value(&value.value, PARTIAL_ARG_LEVEL, &var),
                });
            } else {
                other_keywords.push(Binding {
                    name: key.value.clone(),
                    value: py_value(&value.value, PARTIAL_ARG_LEVEL + 1, &var),
                });
            }
        }
        let id = inst.def.id.value.clone();
        Statement {
            var: assigned.then(|| names.var(&id)),
            id,
            alias: names.alias(&inst.task),
            mocked,
            skipif: SkipifArgs::of(inst, names),
            keywords,
            other_keywords,
            fan_out: FanOutArgs::of(inst, &var),
        }
    }
}
