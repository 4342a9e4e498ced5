//! The sequential DAG modules: `dags/run_sequential.py` and its mock-io variant.
//!
//! Each task instance becomes one `wt_task` method chain (docs/compatibility.md, “The sequential
//! DAG”):
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
//! An instance whose result nothing reads (and that is not the terminal one) is written as a
//! bare expression statement instead of an assignment, so the module passes ruff's unused
//! variable check. Instance ids are the result variables and registry aliases the imported
//! function names; should one of them clash with another or with a name the module itself
//! uses, the generated name gets `_` appended (spec validation normally rejects such ids).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::imports::{FromImport, from_import_block};
use super::python::{
    INDENT, exploded_call, exploded_list, is_identifier, py_str, py_value, py_variable,
};
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

/// Everything the DAG template needs, already rendered as Python.
#[derive(Debug, Clone, Serialize)]
pub struct DagModule {
    pub mock_io: bool,
    /// `import x` lines (standard library section), newline-terminated.
    pub stdlib_imports: String,
    /// `from x import y` lines (third-party section), newline-terminated.
    pub third_party_imports: String,
    pub mocks: Vec<Mock>,
    /// One statement per instance, each indented for the body of `main`.
    pub statements: Vec<String>,
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
                let chain = chain(inst, &names, mocked(&inst.task));
                let is_terminal = workflow.terminal().is_some_and(|t| t.def.id.value == id);
                let mut stmt = String::new();
                if mocked(&inst.task) {
                    stmt.push_str(&format!(
                        "{INDENT}# `{id}` calls a mocked io task: its inputs are not validated.\n"
                    ));
                }
                if read.contains(id) || is_terminal {
                    stmt.push_str(&format!("{INDENT}{} = {chain}\n", names.var(id)));
                } else {
                    stmt.push_str(&format!(
                        "{INDENT}# No later task reads the result of `{id}`.\n"
                    ));
                    stmt.push_str(&format!("{INDENT}{chain}\n"));
                }
                stmt
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

/// The parenthesized method chain of one instance, starting at the `=` of a line indented
/// one level (the body of `main`).
fn chain(inst: &Instance, names: &DagNames, mocked: bool) -> String {
    let var = |id: &str| names.var(id);
    let links_indent = 2;
    let mut links = vec![format!("task({})", names.alias(&inst.task))];
    if !mocked {
        links.push(".validate()".into());
    }
    links.push(format!(
        ".set_task_instance_id({})",
        py_str(&inst.def.id.value)
    ));
    links.push(".handle_errors()".into());
    links.push(".with_tracing()".into());
    if let Some(skipif) = &inst.skipif {
        let conditions: Vec<String> = skipif.conditions.iter().map(|c| names.alias(c)).collect();
        links.push(exploded_call(
            ".skipif",
            &[
                format!(
                    "conditions={}",
                    exploded_list(&conditions, links_indent + 1)
                ),
                format!("unpack_depth={}", skipif.unpack_depth),
            ],
            links_indent,
        ));
    }

    let params_splat = format!("**(params.get({}) or {{}})", py_str(&inst.def.id.value));
    let mut args = Vec::new();
    let mut odd_keys = Vec::new();
    for (key, value) in &inst.def.partial {
        if is_identifier(&key.value) {
            args.push(format!(
                "{}={}",
                key.value,
                py_value(&value.value, links_indent + 1, &var)
            ));
        } else {
            odd_keys.push((key, value));
        }
    }
    if !odd_keys.is_empty() {
        // Argument names that are Python keywords can only be passed through a dict.
        let inner = INDENT.repeat(links_indent + 2);
        let mut dict = String::from("**{\n");
        for (key, value) in odd_keys {
            dict.push_str(&format!(
                "{inner}{}: {},\n",
                py_str(&key.value),
                py_value(&value.value, links_indent + 2, &var)
            ));
        }
        dict.push_str(&INDENT.repeat(links_indent + 1));
        dict.push('}');
        args.push(dict);
    }
    if args.is_empty() {
        links.push(format!(".partial({params_splat})"));
    } else {
        args.push(params_splat);
        links.push(exploded_call(".partial", &args, links_indent));
    }

    match inst.def.fan_out() {
        None => links.push(".call()".into()),
        Some((op, is_mapvalues)) => {
            let argnames: Vec<String> = op.argnames.iter().map(|a| py_str(&a.value)).collect();
            let values: Vec<String> = op
                .argvalues
                .iter()
                .map(|v| py_variable(&v.value, &var))
                .collect();
            let argvalues = if op.argvalues_is_list || values.len() != 1 {
                exploded_list(&values, links_indent + 1)
            } else {
                values[0].clone()
            };
            links.push(exploded_call(
                if is_mapvalues { ".mapvalues" } else { ".map" },
                &[
                    format!("argnames={}", exploded_list(&argnames, links_indent + 1)),
                    format!("argvalues={argvalues}"),
                ],
                links_indent,
            ));
        }
    }

    let inner = INDENT.repeat(links_indent);
    let mut out = String::from("(\n");
    for link in links {
        out.push_str(&format!("{inner}{link}\n"));
    }
    out.push_str(INDENT);
    out.push(')');
    out
}
