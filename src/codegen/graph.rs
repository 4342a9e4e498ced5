//! The DAG as pictures use it: one node per task instance, one edge per dependency labelled
//! with the arguments that receive it and marked when it fans out, the task groups, and a
//! layer per node for layered drawings.

use crate::spec::model::{TaskInstance, Variable, WorkflowEntry};
use crate::spec::resolved::Workflow;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub function: String,
    /// Index into `spec.workflow` of the task group holding the instance.
    pub group: Option<usize>,
    /// Index into [`Graph::groups`] of the same group.
    pub cluster: Option<usize>,
    /// Longest path (in edges) from a node without dependencies.
    pub layer: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Index of the upstream node.
    pub from: usize,
    /// Index of the downstream node.
    pub to: usize,
    /// The arguments of the downstream task that receive the upstream result, comma-joined.
    pub label: String,
    /// Set when the downstream task is called once per item of the upstream result.
    pub fan_out: Option<FanOut>,
}

/// How an upstream result is spread over calls of the downstream task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanOut {
    /// `map`: one call per item of a list.
    Map,
    /// `mapvalues`: one call per value of `(key, value)` pairs, keys kept.
    MapValues,
}

impl FanOut {
    /// The spec key that binds it.
    pub fn keyword(self) -> &'static str {
        match self {
            FanOut::Map => "map",
            FanOut::MapValues => "mapvalues",
        }
    }
}

/// A task group holding at least one node.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// In order of their first node.
    pub groups: Vec<Group>,
}

impl Graph {
    pub fn of(workflow: &Workflow) -> Graph {
        let mut graph = Graph::default();
        let mut group_of: Vec<(usize, usize)> = Vec::new();
        for (to, inst) in workflow.instances.iter().enumerate() {
            let mut layer = 0;
            for dep in &inst.dependencies {
                // Instances are in execution order, so upstream nodes already exist.
                let Some(from) = graph.nodes.iter().position(|n| &n.id == dep) else {
                    continue;
                };
                layer = layer.max(graph.nodes[from].layer + 1);
                graph.edges.push(Edge {
                    from,
                    to,
                    label: receiving_args(&inst.def, dep).join(", "),
                    fan_out: fan_out_of(&inst.def, dep),
                });
            }
            let cluster = inst
                .group
                .map(|g| match group_of.iter().find(|(s, _)| *s == g) {
                    Some(&(_, c)) => c,
                    None => {
                        let title = match workflow.spec.workflow.get(g) {
                            Some(WorkflowEntry::Group(group)) => group.title.value.clone(),
                            _ => format!("group {g}"),
                        };
                        graph.groups.push(Group { title });
                        group_of.push((g, graph.groups.len() - 1));
                        graph.groups.len() - 1
                    }
                });
            graph.nodes.push(Node {
                id: inst.def.id.value.clone(),
                function: inst.task.function_name.clone(),
                group: inst.group,
                cluster,
                layer,
            });
        }
        graph
    }

    /// Node indices per layer, in execution order within a layer.
    pub fn layers(&self) -> Vec<Vec<usize>> {
        let depth = self.nodes.iter().map(|n| n.layer + 1).max().unwrap_or(0);
        let mut layers = vec![Vec::new(); depth];
        for (i, n) in self.nodes.iter().enumerate() {
            layers[n.layer].push(i);
        }
        layers
    }
}

/// How `inst` fans out over the result of `dep`, when its `map` or `mapvalues` reads it.
pub fn fan_out_of(inst: &TaskInstance, dep: &str) -> Option<FanOut> {
    let (op, values) = inst.fan_out()?;
    op.argvalues
        .iter()
        .any(|v| matches!(&v.value, Variable::TaskReturn(id) if id == dep))
        .then_some(if values {
            FanOut::MapValues
        } else {
            FanOut::Map
        })
}

/// The arguments of `inst` whose values read the result of `dep`, in source order.
pub fn receiving_args(inst: &TaskInstance, dep: &str) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        if !args.iter().any(|a| a == name) {
            args.push(name.to_string());
        }
    };
    for (key, value) in &inst.partial {
        let mut hit = false;
        value
            .value
            .visit_refs(value.span, &mut |id, _| hit |= id == dep);
        if hit {
            push(&key.value);
        }
    }
    if let Some((op, _)) = inst.fan_out() {
        let reads = op
            .argvalues
            .iter()
            .any(|v| matches!(&v.value, Variable::TaskReturn(id) if id == dep));
        if reads {
            op.argnames.iter().for_each(|a| push(&a.value));
        }
    }
    args
}
