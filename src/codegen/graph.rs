//! The DAG as pictures use it: one node per task instance, one edge per dependency labelled
//! with the arguments that receive it, and a layer per node for layered drawings.

use crate::spec::model::{TaskInstance, Variable};
use crate::spec::resolved::Workflow;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub function: String,
    /// Index into `spec.workflow` of the task group holding the instance.
    pub group: Option<usize>,
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
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Graph {
    pub fn of(workflow: &Workflow) -> Graph {
        let mut graph = Graph::default();
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
                });
            }
            graph.nodes.push(Node {
                id: inst.def.id.value.clone(),
                function: inst.task.function_name.clone(),
                group: inst.group,
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
