//! The graph DAG modules: `dags/run_graph.py` and its mock-io variant, for the `parallel` and
//! `async` execution modes.
//!
//! The same workflow as `run_sequential.py`, written as data: one `Node` per task instance
//! with its task, its bound values (`Ref("<id>")` for another instance's result, `Env("NAME")`
//! for an environment variable, read when the node starts), its call (`Call()`, `Map(...)`,
//! `MapValues(...)`), its skip conditions and the instances it depends on. The generated
//! `scheduler` module runs the nodes; nothing here executes anything at import time.
//! `templates/package/dags/run_graph.py.j2` holds the shape of a `Node(...)`; this module
//! chooses the names and writes the bound values as Python ([`NodeArgs`]).

use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeSet;

use super::dag::{Binding, DagNames, FanOutArgs, Imports, Mock, SkipifArgs, imports};
use super::imports::from_import_block;
use super::python::{RefNames, py_str, py_value};
use crate::spec::resolved::{Instance, Workflow};

/// Names the graph module binds or reads besides the task functions.
const MODULE_NAMES: &[&str] = &[
    "warnings",
    "_validate",
    "metadata",
    "create_func_magicmock",
    "main",
    "params",
    "validate_params_schema",
    "executor",
    "Call",
    "Env",
    "Map",
    "MapValues",
    "Node",
    "Ref",
    "Skipif",
    "run",
    "NODES",
    "NODES_BY_ID",
    "float",
];

/// Variables as data: `Ref("<id>")` and `Env("NAME")`, noting which scheduler names the
/// module then uses.
#[derive(Default)]
struct AsData {
    used: RefCell<BTreeSet<&'static str>>,
}

impl AsData {
    fn uses(&self, name: &'static str) -> &'static str {
        self.used.borrow_mut().insert(name);
        name
    }
}

impl RefNames for AsData {
    fn var_for(&self, task_id: &str) -> String {
        format!("{}({})", self.uses("Ref"), py_str(task_id))
    }

    fn env_for(&self, name: &str) -> String {
        format!("{}({})", self.uses("Env"), py_str(name))
    }
}

/// What `run_graph.py.j2` needs. The module's shape (each `Node(...)`, its arguments and
/// their order) is the template's; this holds names and the Python expressions of bound
/// values, each already indented for the one place the template puts it.
#[derive(Debug, Clone, Serialize)]
pub struct GraphModule {
    pub mock_io: bool,
    pub stdlib_imports: String,
    pub third_party_imports: String,
    pub mocks: Vec<Mock>,
    /// One node per instance, in execution order.
    pub nodes: Vec<NodeArgs>,
    /// The instance whose result `main` returns (absent for an empty workflow).
    pub terminal: Option<String>,
    /// What the module imports from `..scheduler`, sorted as isort sorts it.
    pub scheduler_imports: String,
}

impl GraphModule {
    pub fn build(workflow: &Workflow, mock_io: bool) -> GraphModule {
        let names = DagNames::reserving(workflow, MODULE_NAMES);
        let Imports {
            stdlib,
            third_party,
            mocks,
        } = imports(workflow, &names, mock_io, false);
        let data = AsData::default();
        let nodes = workflow
            .instances
            .iter()
            .map(|inst| node(inst, &names, &data, mock_io && inst.task.io))
            .collect();
        // CamelCase classes, then the function: isort's order by type.
        let mut used: Vec<&str> = data.used.into_inner().into_iter().collect();
        used.push("run");
        GraphModule {
            mock_io,
            stdlib_imports: stdlib,
            third_party_imports: from_import_block(&third_party),
            mocks,
            nodes,
            terminal: workflow.terminal().map(|t| py_str(&t.def.id.value)),
            scheduler_imports: used.join(", "),
        }
    }
}

/// The arguments of one instance's `Node(...)`.
#[derive(Debug, Clone, Serialize)]
pub struct NodeArgs {
    pub id: String,
    /// The task function's name in the module.
    pub task: String,
    pub depends_on: Vec<String>,
    /// The spec's `partial` bindings: name and value as Python.
    pub partial: Vec<Binding>,
    pub fan_out: Option<FanOutArgs>,
    pub skipif: Option<SkipifArgs>,
    /// A mocked io task: its inputs are not validated.
    pub mocked: bool,
    pub io: bool,
}

/// The indentation level, in the template, of an entry of `partial={`.
const PARTIAL_ENTRY_LEVEL: usize = 3;

fn node(inst: &Instance, names: &DagNames, data: &AsData, mocked: bool) -> NodeArgs {
    data.uses("Node");
    let fan_out = FanOutArgs::of(inst, data);
    if let Some(f) = &fan_out {
        data.uses(if f.mapvalues { "MapValues" } else { "Map" });
    }
    let skipif = SkipifArgs::of(inst, names);
    if skipif.is_some() {
        data.uses("Skipif");
    }
    NodeArgs {
        id: inst.def.id.value.clone(),
        task: names.alias(&inst.task),
        depends_on: inst.dependencies.clone(),
        partial: inst
            .def
            .partial
            .iter()
            .map(|(key, value)| Binding {
                name: key.value.clone(),
                value: py_value(&value.value, PARTIAL_ENTRY_LEVEL, data),
            })
            .collect(),
        fan_out,
        skipif,
        mocked,
        io: inst.task.io,
    }
}
