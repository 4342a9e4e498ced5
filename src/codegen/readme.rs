//! README.md pieces: the fingerprint YAML block and a mermaid flowchart of the DAG.

use super::graph::Graph;

/// A YAML scalar for `s`: plain when that reads back as the same string, else double-quoted.
pub fn yaml_scalar(s: &str) -> String {
    let safe_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./@+=-".contains(c));
    let first_ok = s.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '/');
    // A plain scalar that could resolve to a number must be quoted (decimal and float
    // spellings, and the 0x/0o/0b prefixes), and so must the boolean and null keywords.
    let numeric_like = s.starts_with(|c: char| c.is_ascii_digit())
        && (s
            .chars()
            .all(|c| c.is_ascii_digit() || "eE._+-".contains(c))
            || ["0x", "0X", "0o", "0O", "0b", "0B"]
                .iter()
                .any(|p| s.starts_with(p)));
    let keyword = matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "nan" | "inf"
    );
    if !s.is_empty() && safe_chars && first_ok && !numeric_like && !keyword {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe inside a quoted mermaid label (`"` and markup characters as entity codes).
pub fn mermaid_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The body of a ```mermaid block: `flowchart TD`, one node per instance (labelled
/// `id: function`), task groups as subgraphs, one labelled edge per dependency (thick for a
/// `map` or `mapvalues` binding).
/// Node names are `n<index>` so no id can collide with mermaid keywords such as `end`.
pub fn mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart TD\n");
    let node = |i: usize| {
        let n = &graph.nodes[i];
        format!(
            "n{i}[\"{}: {}\"]",
            mermaid_text(&n.id),
            mermaid_text(&n.function)
        )
    };
    // Groups are numbered in the order of their first node: a group is written, whole, where
    // its first node would be.
    let mut written_groups = 0;
    for (i, n) in graph.nodes.iter().enumerate() {
        match (n.group, n.cluster) {
            (Some(g), Some(c)) if c == written_groups => {
                written_groups += 1;
                out.push_str(&format!(
                    "    subgraph g{g}[\"{}\"]\n",
                    mermaid_text(&graph.groups[c].title)
                ));
                for (j, m) in graph.nodes.iter().enumerate() {
                    if m.cluster == Some(c) {
                        out.push_str(&format!("        {}\n", node(j)));
                    }
                }
                out.push_str("    end\n");
            }
            (Some(_), Some(_)) => {}
            _ => out.push_str(&format!("    {}\n", node(i))),
        }
    }
    for e in &graph.edges {
        // A thick link: the downstream task runs once per item (`map`, `mapvalues`).
        let arrow = if e.fan_out.is_some() { "==>" } else { "-->" };
        if e.label.is_empty() {
            out.push_str(&format!("    n{} {arrow} n{}\n", e.from, e.to));
        } else {
            out.push_str(&format!(
                "    n{} {arrow}|\"{}\"| n{}\n",
                e.from,
                mermaid_text(&e.label),
                e.to
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars() {
        assert_eq!(yaml_scalar("abc123"), "abc123");
        assert_eq!(yaml_scalar("0.10.3"), "\"0.10.3\"");
        assert_eq!(yaml_scalar("1e5"), "\"1e5\"");
        assert_eq!(yaml_scalar("9f86d081884c7d65"), "9f86d081884c7d65");
        assert_eq!(yaml_scalar("0x1f"), "\"0x1f\"");
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar(""), "\"\"");
        assert_eq!(yaml_scalar("wt-0.1.0"), "wt-0.1.0");
    }
}
