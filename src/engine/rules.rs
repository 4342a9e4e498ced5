//! Build rules: one TOML file per step in `rules/`, embedded at build time.
//!
//! A rule names its step, the built-in action that runs it, the steps whose outputs it reads
//! (`deps`), the inputs whose digests make up its cache key, and its outputs (`*` for a tree
//! of files whose names are known only after the action runs).

use anyhow::{Context, Result, bail};
use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub action: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub deps: Vec<String>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// The embedded rules, checked: unique names, known deps, every `step:X` input a dep, no cycles,
/// and the order given is a valid execution order.
pub fn load() -> Result<Vec<Rule>> {
    parse_all(RULE_FILES.iter().map(|(n, t)| (*n, *t)))
}

pub fn parse_all<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    for (file, text) in files {
        let rule: Rule =
            toml::from_str(text).with_context(|| format!("rules/{file} is not a valid rule"))?;
        rules.push(rule);
    }
    for r in &rules {
        if rules.iter().filter(|o| o.name == r.name).count() > 1 {
            bail!("two rules are named `{}`", r.name);
        }
        for d in &r.deps {
            if !rules.iter().any(|o| &o.name == d) {
                bail!("rule `{}` depends on unknown step `{d}`", r.name);
            }
        }
        for i in &r.inputs {
            if let Some(step) = i.strip_prefix("step:")
                && !r.deps.iter().any(|d| d == step)
            {
                bail!(
                    "rule `{}` reads input `{i}` but does not list `{step}` in deps",
                    r.name
                );
            }
        }
    }
    topo_sort(rules)
}

/// Orders rules so every rule comes after its deps (petgraph's topological sort over the
/// rule graph, rules inserted by name so the order is stable).
fn topo_sort(mut rules: Vec<Rule>) -> Result<Vec<Rule>> {
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..rules.len()).map(|i| graph.add_node(i)).collect();
    for (i, r) in rules.iter().enumerate() {
        for d in &r.deps {
            let j = rules
                .iter()
                .position(|o| &o.name == d)
                .expect("deps were checked");
            graph.add_edge(nodes[j], nodes[i], ());
        }
    }
    let order = petgraph::algo::toposort(&graph, None).map_err(|c| {
        anyhow::anyhow!(
            "the rules' deps form a cycle through `{}`",
            rules[graph[c.node_id()]].name
        )
    })?;
    let mut slots: Vec<Option<Rule>> = rules.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .map(|n| slots[graph[n]].take().expect("each rule once"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_load_in_dependency_order() {
        let names: Vec<String> = load().unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["solve", "discover", "codegen", "package"]);
    }

    #[test]
    fn cycles_and_unknown_deps_are_errors() {
        let a = (
            "a.toml",
            "name = \"a\"\naction = \"x\"\ndeps = [\"b\"]\ninputs = []\noutputs = []\n",
        );
        let b = (
            "b.toml",
            "name = \"b\"\naction = \"x\"\ndeps = [\"a\"]\ninputs = []\noutputs = []\n",
        );
        assert!(parse_all([a, b]).unwrap_err().to_string().contains("cycle"));
        assert!(
            parse_all([a])
                .unwrap_err()
                .to_string()
                .contains("unknown step `b`")
        );
        let c = (
            "c.toml",
            "name = \"c\"\naction = \"x\"\ninputs = [\"step:a\"]\noutputs = []\n",
        );
        assert!(
            parse_all([c])
                .unwrap_err()
                .to_string()
                .contains("does not list")
        );
    }
}
