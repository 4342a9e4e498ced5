//! graph.svg: a layered drawing of the DAG, computed here (no Graphviz needed).
//!
//! Layer = longest path from a source, drawn top to bottom; a source feeding only later layers
//! is drawn just above its first reader (never stretching its task group). An edge spanning
//! several layers runs through an invisible waypoint in each layer it crosses, so it never
//! runs under a box. The order within each layer comes from crossing reduction
//! ([`super::order`]), the horizontal positions from [`super::place`]. Task groups are titled
//! frames holding their boxes and nothing else.
//!
//! Edges leave a box at ports spread along its bottom and enter at ports along its top, one
//! slot per incoming edge, wide enough for the edge's label, which is written just above the
//! box inside its width: a box is widened to hold its labels (a dashboard reading 14 results
//! is a wide box), so labels never overlap each other, a box or a frame's title. Edges of a
//! `map` or `mapvalues` binding are drawn as double lines into a stacked box (one call per
//! item), explained by a legend.
//!
//! Why not a layout crate: the Rust ones (rust-sugiyama, layout-rs) compute float coordinates
//! and know neither clusters nor ports with labels, which are most of what this drawing needs;
//! the algorithm here is a few hundred lines of integer arithmetic, so the file is
//! byte-identical on every machine.

use serde::Serialize;

use super::graph::Graph;
use super::order::{self, Layered};
use super::place::{self, Room};

const MARGIN: i64 = 24;
const BOX_HEIGHT: i64 = 46;
const H_GAP: i64 = 32;
/// Between two waypoints: parallel long edges run as a bundle.
const WAYPOINT_GAP: i64 = 10;
const V_GAP: i64 = 76;
const MIN_BOX_WIDTH: i64 = 120;
const WAYPOINT_WIDTH: i64 = 8;
/// Approximate advance of one character of the monospace texts, by font size.
const ID_CHAR: i64 = 8;
const FN_CHAR: i64 = 7;
const LABEL_CHAR: i64 = 7;
/// Room between two labels above a box, and the least slot of an unlabelled port.
const LABEL_GAP: i64 = 12;
const MIN_SLOT: i64 = 24;
/// Label baseline above the box it labels.
const LABEL_RISE: i64 = 8;
/// Edges arrive straight down through the last this many pixels above a box.
const LABEL_LANE: i64 = 24;
/// A frame reaches this far above its first row (room for its title) and below its last.
const CLUSTER_TOP: i64 = 44;
const CLUSTER_BOTTOM: i64 = 12;
const CLUSTER_PAD: i64 = 14;
const TITLE_CHAR: i64 = 8;
/// How far a fanned-out box's stacked copy sits to the right and below.
const STACK: i64 = 4;
const LEGEND_HEIGHT: i64 = 28;

#[derive(Debug, Clone, Serialize)]
pub struct SvgNode {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub cx: i64,
    pub id: String,
    pub function: String,
    /// Called once per item of a `map` or `mapvalues`: drawn as a stack.
    pub fan_out: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SvgEdge {
    /// SVG path data of the arrow.
    pub path: String,
    pub fan_out: bool,
    pub label: String,
    pub label_x: i64,
    pub label_y: i64,
    /// The width reserved for the label.
    pub label_width: i64,
}

/// The titled frame of a task group.
#[derive(Debug, Clone, Serialize)]
pub struct SvgCluster {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SvgLayout {
    pub width: i64,
    pub height: i64,
    pub clusters: Vec<SvgCluster>,
    pub nodes: Vec<SvgNode>,
    pub edges: Vec<SvgEdge>,
    /// Top of the legend, drawn when some edge fans out.
    pub legend_y: Option<i64>,
}

fn row_y(layer: usize) -> i64 {
    MARGIN + CLUSTER_TOP + layer as i64 * (BOX_HEIGHT + V_GAP)
}

fn label_width(label: &str) -> i64 {
    label.chars().count() as i64 * LABEL_CHAR
}

fn slot_width(label: &str) -> i64 {
    if label.is_empty() {
        MIN_SLOT
    } else {
        label_width(label) + LABEL_GAP
    }
}

/// The layer each node is drawn in: its longest-path layer, except that a source moves down
/// to just above its first reader, as far as its group's other members reach.
fn drawing_layers(graph: &Graph) -> Vec<usize> {
    let mut layer: Vec<usize> = graph.nodes.iter().map(|n| n.layer).collect();
    let mut group_bottom = vec![0; graph.groups.len()];
    for n in &graph.nodes {
        if let Some(g) = n.cluster {
            group_bottom[g] = group_bottom[g].max(n.layer);
        }
    }
    let mut has_inputs = vec![false; graph.nodes.len()];
    let mut first_reader: Vec<Option<usize>> = vec![None; graph.nodes.len()];
    for e in &graph.edges {
        has_inputs[e.to] = true;
        let reader = graph.nodes[e.to].layer;
        first_reader[e.from] = Some(first_reader[e.from].map_or(reader, |r| r.min(reader)));
    }
    for (i, n) in graph.nodes.iter().enumerate() {
        if let (false, Some(reader)) = (has_inputs[i], first_reader[i]) {
            let limit = n.cluster.map_or(usize::MAX, |g| group_bottom[g]);
            layer[i] = (reader - 1).min(limit).max(n.layer);
        }
    }
    layer
}

impl SvgLayout {
    pub fn of(graph: &Graph) -> SvgLayout {
        let n = graph.nodes.len();
        let node_layer = drawing_layers(graph);
        // Items 0..n are the nodes; waypoints follow.
        let mut layer = node_layer.clone();
        let mut cluster: Vec<Option<usize>> = graph.nodes.iter().map(|n| n.cluster).collect();
        // Room for the labels of the edges entering each box.
        let mut slots = vec![0; n];
        let mut fanned = vec![false; n];
        for e in &graph.edges {
            slots[e.to] += slot_width(&e.label);
            fanned[e.to] |= e.fan_out.is_some();
        }
        let mut width: Vec<i64> = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                let text = (node.id.chars().count() as i64 * ID_CHAR)
                    .max(node.function.chars().count() as i64 * FN_CHAR);
                (text + 24).max(slots[i] + 16).max(MIN_BOX_WIDTH)
            })
            .collect();
        // Each edge as the chain of items it passes through.
        let mut chains: Vec<Vec<usize>> = Vec::with_capacity(graph.edges.len());
        for e in &graph.edges {
            let mut chain = vec![e.from];
            let inside = graph.nodes[e.from]
                .cluster
                .filter(|&c| graph.nodes[e.to].cluster == Some(c));
            for l in node_layer[e.from] + 1..node_layer[e.to] {
                layer.push(l);
                cluster.push(inside);
                width.push(WAYPOINT_WIDTH);
                chain.push(layer.len() - 1);
            }
            chain.push(e.to);
            chains.push(chain);
        }
        let waypoint: Vec<bool> = (0..layer.len()).map(|i| i >= n).collect();
        let layered = Layered {
            layer,
            cluster,
            edges: chains
                .iter()
                .flat_map(|c| c.windows(2).map(|p| (p[0], p[1])))
                .collect(),
        };
        let all: Vec<usize> = (0..layered.layer.len()).collect();
        let rows = order::reduce_crossings(&layered, order::initial(&layered, &all));
        let cluster_min: Vec<i64> = graph
            .groups
            .iter()
            .map(|g| g.title.chars().count() as i64 * TITLE_CHAR + 2 * CLUSTER_PAD)
            .collect();
        let placed = place::place(
            &layered,
            &rows,
            &Room {
                width: &width,
                waypoint: &waypoint,
                gap: H_GAP,
                narrow_gap: WAYPOINT_GAP,
                pad: CLUSTER_PAD,
                cluster_min: &cluster_min,
            },
        );
        // Shift everything right of the margin.
        let left = (0..layered.layer.len())
            .map(|i| placed.cx[i] - width[i] / 2)
            .chain(placed.bands.iter().map(|b| b.0))
            .min()
            .unwrap_or(0);
        let shift = MARGIN - left;
        let cx: Vec<i64> = placed.cx.iter().map(|x| x + shift).collect();

        // Ports. Outgoing edges leave a box spread evenly along its bottom, ordered by where
        // they go; incoming edges enter at consecutive slots along its top, ordered by where
        // they come from, the slots centred on the box.
        let mut outgoing: Vec<Vec<(i64, usize)>> = vec![Vec::new(); n];
        let mut incoming: Vec<Vec<(i64, usize)>> = vec![Vec::new(); n];
        for (k, c) in chains.iter().enumerate() {
            outgoing[c[0]].push((cx[c[1]], k));
            incoming[c[c.len() - 1]].push((cx[c[c.len() - 2]], k));
        }
        let mut out_port = vec![0; chains.len()];
        let mut in_port = vec![0; chains.len()];
        for (i, list) in outgoing.iter_mut().enumerate() {
            list.sort();
            let (x, w, count) = (cx[i] - width[i] / 2, width[i], list.len() as i64);
            for (r, &(_, k)) in list.iter().enumerate() {
                out_port[k] = x + w * (r as i64 + 1) / (count + 1);
            }
        }
        for (i, list) in incoming.iter_mut().enumerate() {
            list.sort();
            let total: i64 = list
                .iter()
                .map(|&(_, k)| slot_width(&graph.edges[k].label))
                .sum();
            let mut x = cx[i] - total / 2;
            for &(_, k) in list.iter() {
                let slot = slot_width(&graph.edges[k].label);
                in_port[k] = x + slot / 2;
                x += slot;
            }
        }

        let nodes = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| SvgNode {
                x: cx[i] - width[i] / 2,
                y: row_y(node_layer[i]),
                width: width[i],
                height: BOX_HEIGHT,
                cx: cx[i],
                id: node.id.clone(),
                function: node.function.clone(),
                fan_out: fanned[i],
            })
            .collect();
        let edges = graph
            .edges
            .iter()
            .zip(&chains)
            .enumerate()
            .map(|(k, (e, chain))| {
                // Points alternate: leaving the bottom of a row, entering the top of the next.
                let mut points = vec![(out_port[k], row_y(node_layer[e.from]) + BOX_HEIGHT)];
                for &w in &chain[1..chain.len() - 1] {
                    let top = row_y(layered.layer[w]);
                    points.push((cx[w], top));
                    points.push((cx[w], top + BOX_HEIGHT));
                }
                // The curve ends above the label lane; the edge then drops straight through
                // its own label to the box, crossing no other label.
                let top = row_y(node_layer[e.to]);
                points.push((in_port[k], top - LABEL_LANE));
                let mut path = format!("M {} {}", points[0].0, points[0].1);
                for (i, pair) in points.windows(2).enumerate() {
                    let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                    if i % 2 == 0 {
                        let bend = (y2 - y1) / 2;
                        path.push_str(&format!(
                            " C {x1} {} {x2} {} {x2} {y2}",
                            y1 + bend,
                            y2 - bend
                        ));
                    } else {
                        path.push_str(&format!(" L {x2} {y2}"));
                    }
                }
                path.push_str(&format!(" L {} {}", in_port[k], top - 2));
                SvgEdge {
                    path,
                    fan_out: e.fan_out.is_some(),
                    label: e.label.clone(),
                    label_x: in_port[k],
                    label_y: top - LABEL_RISE,
                    label_width: label_width(&e.label),
                }
            })
            .collect();

        let clusters = graph
            .groups
            .iter()
            .enumerate()
            .filter_map(|(c, group)| {
                let members = (0..n).filter(|&i| graph.nodes[i].cluster == Some(c));
                let (top, bottom) = members.fold((usize::MAX, 0), |(t, b), i| {
                    (t.min(node_layer[i]), b.max(node_layer[i]))
                });
                (top != usize::MAX).then(|| {
                    let (x, width) = placed.bands[c];
                    let y = row_y(top) - CLUSTER_TOP;
                    SvgCluster {
                        x: x + shift,
                        y,
                        width,
                        height: row_y(bottom) + BOX_HEIGHT + CLUSTER_BOTTOM - y,
                        title: group.title.clone(),
                    }
                })
            })
            .collect::<Vec<_>>();

        let depth = node_layer.iter().map(|l| l + 1).max().unwrap_or(1);
        let mut height = row_y(depth - 1) + BOX_HEIGHT + CLUSTER_BOTTOM + MARGIN;
        let legend_y = graph.edges.iter().any(|e| e.fan_out.is_some()).then(|| {
            height += LEGEND_HEIGHT;
            height - MARGIN - LEGEND_HEIGHT + 8
        });
        let right = (0..layered.layer.len())
            .map(|i| cx[i] + width[i] / 2 + STACK)
            .chain(clusters.iter().map(|c| c.x + c.width))
            .max()
            .unwrap_or(MARGIN + MIN_BOX_WIDTH);
        let legend_width = if legend_y.is_some() { 590 } else { 0 };
        SvgLayout {
            width: (right + MARGIN).max(legend_width + 2 * MARGIN),
            height,
            clusters,
            nodes,
            edges,
            legend_y,
        }
    }
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_xml() {
        assert_eq!(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
