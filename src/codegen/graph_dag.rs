//! The graph DAG modules: `dags/run_graph.py` and its mock-io variant, for the `parallel` and
//! `async` execution modes.
//!
//! The same workflow as `run_sequential.py`, written as data: one `Node` per task instance
//! with its task, its bound values (`Ref("<id>")` for another instance's result, `Env("NAME")`
//! for an environment variable, read when the node starts), its call (`Call()`, `Map(...)`,
//! `MapValues(...)`), its skip conditions and the instances it depends on. The generated
//! `scheduler` module runs the nodes; nothing here executes anything at import time.

use serde::Serialize;
use std::cell::RefCell;
use std::collections::BTreeSet;

use super::dag::{DagNames, Imports, Mock, imports};
use super::imports::from_import_block;
use super::python::{
    INDENT, RefNames, exploded_call, exploded_list, py_str, py_value, py_variable,
};
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

/// Everything the graph template needs, already rendered as Python.
#[derive(Debug, Clone, Serialize)]
pub struct GraphModule {
    pub mock_io: bool,
    pub stdlib_imports: String,
    pub third_party_imports: String,
    pub mocks: Vec<Mock>,
    /// One `Node(...)` per instance, indented as items of the `NODES` list.
    pub nodes: Vec<String>,
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

/// `Node(...)` for one instance, as an item of the module-level `NODES` list.
fn node(inst: &Instance, names: &DagNames, data: &AsData, mocked: bool) -> String {
    let level = 1;
    let strs = |items: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        items.map(|s| py_str(s)).collect()
    };
    let mut args = vec![
        format!("id={}", py_str(&inst.def.id.value)),
        format!("task={}", names.alias(&inst.task)),
    ];
    if !inst.dependencies.is_empty() {
        let deps = strs(&mut inst.dependencies.iter());
        args.push(format!("depends_on={}", exploded_list(&deps, level + 1)));
    }
    if !inst.def.partial.is_empty() {
        let inner = INDENT.repeat(level + 2);
        let mut dict = String::from("{\n");
        for (key, value) in &inst.def.partial {
            dict.push_str(&format!(
                "{inner}{}: {},\n",
                py_str(&key.value),
                py_value(&value.value, level + 2, data)
            ));
        }
        dict.push_str(&INDENT.repeat(level + 1));
        dict.push('}');
        args.push(format!("partial={dict}"));
    }
    if let Some((op, is_mapvalues)) = inst.def.fan_out() {
        let argnames = strs(&mut op.argnames.iter().map(|a| &a.value));
        let values: Vec<String> = op
            .argvalues
            .iter()
            .map(|v| py_variable(&v.value, data))
            .collect();
        let argvalues = if op.argvalues_is_list || values.len() != 1 {
            exploded_list(&values, level + 2)
        } else {
            values[0].clone()
        };
        args.push(format!(
            "call={}",
            exploded_call(
                data.uses(if is_mapvalues { "MapValues" } else { "Map" }),
                &[
                    format!("argnames={}", exploded_list(&argnames, level + 2)),
                    format!("argvalues={argvalues}"),
                ],
                level + 1,
            )
        ));
    }
    if let Some(skipif) = &inst.skipif {
        let conditions: Vec<String> = skipif.conditions.iter().map(|c| names.alias(c)).collect();
        args.push(format!(
            "skipif={}",
            exploded_call(
                data.uses("Skipif"),
                &[
                    format!("conditions={}", exploded_list(&conditions, level + 2)),
                    format!("unpack_depth={}", skipif.unpack_depth),
                ],
                level + 1,
            )
        ));
    }
    if mocked {
        args.push("validate=False".into());
    }
    if inst.task.io {
        args.push("io=True".into());
    }
    exploded_call(data.uses("Node"), &args, level)
}
