//! A spec whose tasks have been resolved against the discovered registry.
//!
//! This is what schema generation, code generation and the fingerprint consume: every task
//! instance knows the exact function it calls (import path, alias, parameter schema) and every
//! skip condition is resolved the same way.

use super::model::{EnvReference, Spec, TaskInstance};
use crate::contracts::TaskSignature;
use serde_json::Value as Json;

/// A registered function as the compiler uses it (docs/compatibility.md, “Discovery”).
#[derive(Debug, Clone, PartialEq)]
pub struct KnownTask {
    pub function_name: String,
    pub public_module_path: String,
    /// `<public_module_path>.<function_name>`
    pub importable_reference: String,
    /// Name it is imported as in generated code: `<fn>` or `<fn>_<n>` when several registered
    /// functions share the name.
    pub alias: String,
    /// Tagged `io`: replaced by a mock in the mock-io DAG.
    pub io: bool,
    /// The registry's JSON schema of the function's parameters (what a form may fill).
    pub json_schema: Json,
    /// Every parameter, hidden ones included, and the return type (from introspection).
    pub signature: TaskSignature,
    pub title: Option<String>,
    pub description: Option<String>,
}

/// A validated workflow ready for generation.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    pub spec: Spec,
    /// Task instances in execution order (groups flattened).
    pub instances: Vec<Instance>,
    /// What the lints found; levels decide which are errors, warnings or nothing
    /// (`super::lints::judge`).
    pub findings: Vec<super::lints::Finding>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub def: TaskInstance,
    /// Index into `spec.workflow` of the group holding this instance.
    pub group: Option<usize>,
    pub task: KnownTask,
    /// The effective skipif (own, else the spec default), resolved.
    pub skipif: Option<ResolvedSkipif>,
    /// Ids of upstream instances whose return values this one reads.
    pub dependencies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSkipif {
    pub conditions: Vec<KnownTask>,
    pub unpack_depth: i64,
}

impl Workflow {
    /// Every `${{ env.NAME }}` the workflow reads, with the instance reading it, in spec order.
    pub fn env_references(&self) -> Vec<(&Instance, EnvReference)> {
        self.instances
            .iter()
            .flat_map(|i| i.def.env_references().into_iter().map(move |r| (i, r)))
            .collect()
    }

    /// The terminal instance whose return value is the workflow result.
    pub fn terminal(&self) -> Option<&Instance> {
        self.instances.last()
    }

    /// Every distinct function imported by the DAG (tasks then conditions), first use first.
    pub fn imported_functions(&self) -> Vec<&KnownTask> {
        let tasks = self.instances.iter().map(|i| &i.task);
        let conditions = self
            .instances
            .iter()
            .flat_map(|i| i.skipif.iter().flat_map(|s| &s.conditions));
        let mut out: Vec<&KnownTask> = Vec::new();
        for t in tasks.chain(conditions) {
            if !out
                .iter()
                .any(|o| o.importable_reference == t.importable_reference)
            {
                out.push(t);
            }
        }
        out
    }
}
