//! The DAG as a Graphviz digraph (`wt graph --format dot`), for `dot -Tsvg` and the tools that
//! read DOT: task groups as clusters, `map` and `mapvalues` edges drawn double and bold into a
//! double-bordered box (one call per item), every edge labelled with the receiving arguments.
//! Ids and labels are always quoted, so no task id can clash with a DOT keyword.

use super::graph::Graph;

/// A DOT quoted string: `"` and `\` escaped, line breaks as `\n`.
pub fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The digraph named `title`.
pub fn dot(graph: &Graph, title: &str) -> String {
    let mut out = format!("digraph {} {{\n", quoted(title));
    out.push_str("  graph [rankdir=TB, fontname=\"monospace\", nodesep=0.3, ranksep=0.5];\n");
    out.push_str(
        "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", color=\"#3b5b92\", \
         fontname=\"monospace\", fontsize=12];\n",
    );
    out.push_str("  edge [color=\"#555555\", fontname=\"monospace\", fontsize=10];\n");
    let fanned = |i: usize| graph.edges.iter().any(|e| e.to == i && e.fan_out.is_some());
    let node = |i: usize, indent: &str| {
        let n = &graph.nodes[i];
        let extra = if fanned(i) { ", peripheries=2" } else { "" };
        format!(
            "{indent}{} [label={}{extra}];\n",
            quoted(&n.id),
            quoted(&format!("{}\n{}", n.id, n.function))
        )
    };
    for (c, group) in graph.groups.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph {} {{\n",
            quoted(&format!("cluster_{c}"))
        ));
        out.push_str(&format!(
            "    label={}; labeljust=l; style=\"rounded,dashed\"; color=\"#9aa6b8\";\n",
            quoted(&group.title)
        ));
        for (i, n) in graph.nodes.iter().enumerate() {
            if n.cluster == Some(c) {
                out.push_str(&node(i, "    "));
            }
        }
        out.push_str("  }\n");
    }
    for (i, n) in graph.nodes.iter().enumerate() {
        if n.cluster.is_none() {
            out.push_str(&node(i, "  "));
        }
    }
    for e in &graph.edges {
        let mut attrs = Vec::new();
        if !e.label.is_empty() {
            attrs.push(format!("label={}", quoted(&e.label)));
        }
        if let Some(f) = e.fan_out {
            attrs.push("color=\"#b3541e:#b3541e\"".to_string());
            attrs.push("penwidth=1.5".to_string());
            attrs.push(format!("tooltip={}", quoted(f.keyword())));
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        out.push_str(&format!(
            "  {} -> {}{attrs};\n",
            quoted(&graph.nodes[e.from].id),
            quoted(&graph.nodes[e.to].id)
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_ids_and_labels() {
        assert_eq!(quoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(quoted("node"), "\"node\"");
    }
}
