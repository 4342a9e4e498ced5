//! graph.svg: a layered drawing of the DAG, computed here (no Graphviz needed).
//!
//! Layer = longest path from a source, drawn top to bottom. An edge spanning several layers
//! is routed through an invisible waypoint in each layer it crosses, so it never runs under
//! a box. Within a layer, items are placed in execution order for the first layer and by the
//! mean position of their upstream items below it (one barycenter pass). Edges leave and
//! enter boxes at ports spread along the box edge. Every coordinate is an integer, so the
//! file is byte-identical on every machine.

use serde::Serialize;

use super::graph::Graph;

const MARGIN: i64 = 24;
const BOX_HEIGHT: i64 = 46;
const H_GAP: i64 = 32;
const V_GAP: i64 = 64;
const MIN_BOX_WIDTH: i64 = 120;
const WAYPOINT_WIDTH: i64 = 16;
/// Approximate advance of one character of the monospace labels.
const ID_CHAR: i64 = 8;
const FN_CHAR: i64 = 7;

#[derive(Debug, Clone, Serialize)]
pub struct SvgNode {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    pub cx: i64,
    pub id: String,
    pub function: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SvgEdge {
    /// SVG path data of the arrow.
    pub path: String,
    pub label: String,
    pub label_x: i64,
    pub label_y: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SvgLayout {
    pub width: i64,
    pub height: i64,
    pub nodes: Vec<SvgNode>,
    pub edges: Vec<SvgEdge>,
}

/// A box (`node` = its graph index) or a waypoint of a long edge, placed in a layer.
struct Item {
    layer: usize,
    width: i64,
    cx: i64,
}

fn row_y(layer: usize) -> i64 {
    MARGIN + layer as i64 * (BOX_HEIGHT + V_GAP)
}

impl SvgLayout {
    pub fn of(graph: &Graph) -> SvgLayout {
        // Items 0..n are the nodes; waypoints follow.
        let mut items: Vec<Item> = graph
            .nodes
            .iter()
            .map(|n| {
                let text = (n.id.chars().count() as i64 * ID_CHAR)
                    .max(n.function.chars().count() as i64 * FN_CHAR);
                Item {
                    layer: n.layer,
                    width: (text + 24).max(MIN_BOX_WIDTH),
                    cx: 0,
                }
            })
            .collect();
        // Each edge as the chain of items it passes through.
        let chains: Vec<Vec<usize>> = graph
            .edges
            .iter()
            .map(|e| {
                let mut chain = vec![e.from];
                for layer in graph.nodes[e.from].layer + 1..graph.nodes[e.to].layer {
                    items.push(Item {
                        layer,
                        width: WAYPOINT_WIDTH,
                        cx: 0,
                    });
                    chain.push(items.len() - 1);
                }
                chain.push(e.to);
                chain
            })
            .collect();
        let mut preds: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
        for chain in &chains {
            for pair in chain.windows(2) {
                preds[pair[1]].push(pair[0]);
            }
        }

        let depth = items.iter().map(|i| i.layer + 1).max().unwrap_or(0);
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
        for (i, item) in items.iter().enumerate() {
            rows[item.layer].push(i);
        }
        let row_width = |row: &[usize], items: &[Item]| {
            row.iter().map(|&i| items[i].width).sum::<i64>() + H_GAP * (row.len() as i64 - 1).max(0)
        };
        let content_width = rows
            .iter()
            .map(|r| row_width(r, &items))
            .max()
            .unwrap_or(0)
            .max(MIN_BOX_WIDTH);
        for (l, row) in rows.iter_mut().enumerate() {
            if l > 0 {
                let mut keyed: Vec<(i64, usize)> = row
                    .iter()
                    .map(|&i| {
                        let p = &preds[i];
                        let key = if p.is_empty() {
                            0
                        } else {
                            p.iter().map(|&j| items[j].cx).sum::<i64>() / p.len() as i64
                        };
                        (key, i)
                    })
                    .collect();
                keyed.sort();
                *row = keyed.into_iter().map(|(_, i)| i).collect();
            }
            let mut x = MARGIN + (content_width - row_width(row, &items)) / 2;
            for &i in row.iter() {
                items[i].cx = x + items[i].width / 2;
                x += items[i].width + H_GAP;
            }
        }

        // Ports: the outgoing (incoming) edges of a box leave (enter) it spread along its
        // bottom (top), ordered by where they go to (come from). Each edge's rank among its
        // box's edges is computed once, by sorting each box's edges: linear in the edges, not
        // quadratic.
        let ranks = |outgoing: bool| -> (Vec<i64>, Vec<i64>) {
            let mut peers: Vec<Vec<(i64, usize)>> = vec![Vec::new(); graph.nodes.len()];
            for (k, c) in chains.iter().enumerate() {
                let (item, neighbour) = if outgoing {
                    (c[0], c[1])
                } else {
                    (c[c.len() - 1], c[c.len() - 2])
                };
                peers[item].push((items[neighbour].cx, k));
            }
            let mut rank = vec![0; chains.len()];
            let mut count = vec![0; chains.len()];
            for list in &mut peers {
                list.sort();
                for (r, &(_, k)) in list.iter().enumerate() {
                    rank[k] = r as i64;
                    count[k] = list.len() as i64;
                }
            }
            (rank, count)
        };
        let (out_rank, out_count) = ranks(true);
        let (in_rank, in_count) = ranks(false);
        let port = |item: usize, edge: usize, outgoing: bool| {
            let (rank, n) = if outgoing {
                (out_rank[edge], out_count[edge])
            } else {
                (in_rank[edge], in_count[edge])
            };
            let w = items[item].width;
            items[item].cx - w / 2 + w * (rank + 1) / (n + 1)
        };
        // How many earlier edges enter the same box, for each edge (staggers the labels).
        let mut entering_before = vec![0usize; chains.len()];
        let mut entered: Vec<usize> = vec![0; graph.nodes.len()];
        for (k, c) in chains.iter().enumerate() {
            let to = c[c.len() - 1];
            entering_before[k] = entered[to];
            entered[to] += 1;
        }

        let nodes = graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| SvgNode {
                x: items[i].cx - items[i].width / 2,
                y: row_y(n.layer),
                width: items[i].width,
                height: BOX_HEIGHT,
                cx: items[i].cx,
                id: n.id.clone(),
                function: n.function.clone(),
            })
            .collect();
        let edges = graph
            .edges
            .iter()
            .zip(&chains)
            .enumerate()
            .map(|(k, (e, chain))| {
                // Points alternate: leaving the bottom of a row, entering the top of the next.
                let mut points = vec![(
                    port(e.from, k, true),
                    row_y(graph.nodes[e.from].layer) + BOX_HEIGHT,
                )];
                for &w in &chain[1..chain.len() - 1] {
                    points.push((items[w].cx, row_y(items[w].layer)));
                    points.push((items[w].cx, row_y(items[w].layer) + BOX_HEIGHT));
                }
                points.push((port(e.to, k, false), row_y(graph.nodes[e.to].layer) - 2));
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
                // The label sits on the last segment; labels of edges entering the same box
                // are staggered along it so they do not overlap.
                let ((x1, y1), (x2, y2)) = (points[points.len() - 2], points[points.len() - 1]);
                let t = [0.5, 0.75, 0.25][entering_before[k] % 3];
                let (lx, ly) = cubic_point((x1, y1), (x2, y2), t);
                SvgEdge {
                    path,
                    label: e.label.clone(),
                    label_x: lx,
                    label_y: ly + 4,
                }
            })
            .collect();
        let height = if rows.is_empty() {
            2 * MARGIN + BOX_HEIGHT
        } else {
            row_y(rows.len() - 1) + BOX_HEIGHT + MARGIN
        };
        SvgLayout {
            width: content_width + 2 * MARGIN,
            height,
            nodes,
            edges,
        }
    }
}

/// The point at `t` of the vertical-tangent cubic from `a` to `b` drawn by the edges.
fn cubic_point(a: (i64, i64), b: (i64, i64), t: f64) -> (i64, i64) {
    let bend = ((b.1 - a.1) / 2) as f64;
    let (x1, y1, x2, y2) = (a.0 as f64, a.1 as f64, b.0 as f64, b.1 as f64);
    let u = 1.0 - t;
    let x = u * u * u * x1 + 3.0 * u * u * t * x1 + 3.0 * u * t * t * x2 + t * t * t * x2;
    let y = u * u * u * y1
        + 3.0 * u * u * t * (y1 + bend)
        + 3.0 * u * t * t * (y2 - bend)
        + t * t * t * y2;
    (x.round() as i64, y.round() as i64)
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
