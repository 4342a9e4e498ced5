//! The DAG picture on a real-sized workflow (tests/fixtures/graph_50: 50 instances, five task
//! groups, map and mapvalues fan-outs, a dashboard reading 14 results): snapshots of the SVG,
//! Graphviz and mermaid pictures; the geometry of the SVG (no box or label overlaps another,
//! no edge runs through a box, few crossings); and the SVG drawn by a real browser (Debian's
//! chromium, which scripts/install-chromium.sh installs) into docs/graph-50.png.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use wt::codegen::picture::Format;

use crate::support::{codegen_only, runs};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    root().join("tests/fixtures/graph_50/spec.yaml")
}

/// graph.svg of the fixture's workspace, as `wt compile` writes it.
fn compiled_svg() -> String {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let files = codegen_only::generate(&text, fixture().parent().unwrap(), wt::config::PLATFORMS);
    files["graph.svg"].clone()
}

// ---------------------------------------------------------------------------------------------
// Reading the geometry back from the SVG text

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// The value of attribute `name` in the element text `el`.
fn attr(el: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = el.find(&key)? + key.len();
    let end = el[start..].find('"')? + start;
    Some(el[start..end].to_string())
}

fn num(el: &str, name: &str) -> f64 {
    attr(el, name)
        .unwrap_or_else(|| panic!("no {name} in {el}"))
        .parse()
        .unwrap()
}

/// The elements `<tag ...>` carrying `class="<class>"`.
fn elements<'a>(svg: &'a str, tag: &str, class: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find(&open) {
        let end = rest[at..].find('>').unwrap() + at;
        let el = &rest[at..=end];
        if attr(el, "class").as_deref() == Some(class) {
            out.push(el);
        }
        rest = &rest[end..];
    }
    out
}

fn node_boxes(svg: &str) -> Vec<Rect> {
    rects(svg, "node")
}

/// The `<rect>`s of one class.
fn rects(svg: &str, class: &str) -> Vec<Rect> {
    elements(svg, "rect", class)
        .into_iter()
        .map(|el| {
            let (x, y) = (num(el, "x"), num(el, "y"));
            Rect {
                x0: x,
                y0: y,
                x1: x + num(el, "width"),
                y1: y + num(el, "height"),
            }
        })
        .collect()
}
/// The rectangle each edge label covers: `data-width` wide, one 11px line around its baseline.
fn label_boxes(svg: &str) -> Vec<Rect> {
    elements(svg, "text", "label")
        .into_iter()
        .map(|el| {
            let (x, y, w) = (num(el, "x"), num(el, "y"), num(el, "data-width"));
            Rect {
                x0: x - w / 2.0,
                y0: y - 11.0,
                x1: x + w / 2.0,
                y1: y + 3.0,
            }
        })
        .collect()
}

/// Each distinct edge path as its pieces: `(x1, y1, x2, y2, curved)` from `M`, `C` and `L`.
/// `(x1, y1, x2, y2, curved)`.
type Piece = (f64, f64, f64, f64, bool);

fn edge_pieces(svg: &str) -> Vec<Vec<Piece>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find(" d=\"") {
        let start = at + 4;
        let end = rest[start..].find('"').unwrap() + start;
        let d = rest[start..end].to_string();
        rest = &rest[end..];
        if !seen.insert(d.clone()) {
            continue;
        }
        let tokens: Vec<&str> = d.split_whitespace().collect();
        let mut pieces = Vec::new();
        let (mut x, mut y) = (0.0, 0.0);
        let mut i = 0;
        while i < tokens.len() {
            let n = |k: usize| tokens[i + k].parse::<f64>().unwrap();
            match tokens[i] {
                "M" => {
                    (x, y) = (n(1), n(2));
                    i += 3;
                }
                "L" => {
                    pieces.push((x, y, n(1), n(2), false));
                    (x, y) = (n(1), n(2));
                    i += 3;
                }
                "C" => {
                    pieces.push((x, y, n(5), n(6), true));
                    (x, y) = (n(5), n(6));
                    i += 7;
                }
                _ => i += 1,
            }
        }
        if pieces.iter().any(|p| p.4) {
            out.push(pieces);
        }
    }
    out
}

/// Pairs of curves between the same two rows whose ends are in opposite order: each such pair
/// crosses once, since every curve runs monotonically from one row down to the next.
fn crossings(svg: &str) -> usize {
    let curves: Vec<(f64, f64, f64, f64)> = edge_pieces(svg)
        .into_iter()
        .flatten()
        .filter(|p| p.4)
        .map(|p| (p.0, p.1, p.2, p.3))
        .collect();
    let mut count = 0;
    for (i, a) in curves.iter().enumerate() {
        for b in &curves[i + 1..] {
            // Curves leave a row's bottom together (and end at the next row's top, or just
            // above it at a box's label lane).
            let same_gap = a.1 == b.1;
            if same_gap && (a.0 - b.0) * (a.2 - b.2) < 0.0 {
                count += 1;
            }
        }
    }
    count
}

/// The crossings of the drawing before crossing reduction (one barycenter pass, sources in
/// the first layer), measured on this fixture by [`crossings`].
const ONE_PASS_CROSSINGS: usize = 106;

/// `chromium`, which scripts/install-chromium.sh installs (`make test` runs it).
fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("chromium"))
            .find(|p| p.is_file())
    });
    found.expect("chromium is not installed: run scripts/install-chromium.sh (make test does)")
}

/// The SVG drawn by headless chromium at its own size, as PNG bytes.
fn screenshot(svg: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graph.svg");
    std::fs::write(&file, svg).unwrap();
    let head = &svg[svg.find("<svg ").unwrap()..];
    let (w, h) = (num(head, "width"), num(head, "height"));
    let png = dir.path().join("graph.png");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", dir.path().join("profile").display()),
            &format!("--screenshot={}", png.display()),
            &format!("--window-size={w},{h}"),
            &format!("file://{}", file.display()),
        ])
        .output()
        .unwrap();
    assert!(
        png.is_file(),
        "chromium wrote no screenshot:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(png).unwrap()
}

fn workflow() -> wt::spec::resolved::Workflow {
    let text = std::fs::read_to_string(fixture()).unwrap();
    wt::check::check_text(
        "spec.yaml",
        &text,
        &codegen_only::registry(),
        &codegen_only::signatures(),
        &Default::default(),
    )
    .unwrap()
    .workflow
}

fn picture(format: Format) -> String {
    wt::codegen::picture::picture(&workflow(), "wt-graph-50-workflow", format).unwrap()
}

#[test]
fn the_svg_matches_its_snapshot_and_the_compiled_graph_svg() {
    let svg = picture(Format::Svg);
    assert_eq!(
        svg,
        compiled_svg(),
        "wt graph prints the workspace's graph.svg"
    );
    assert_eq!(
        svg,
        picture(Format::Svg),
        "the same input gives the same bytes"
    );
    insta::assert_snapshot!("graph_50.svg", svg);
}

#[test]
fn the_dot_and_mermaid_pictures_match_their_snapshots() {
    let dot = picture(Format::Dot);
    // Every group is a cluster; the six fan-out edges are double lines.
    assert_eq!(dot.matches("subgraph \"cluster_").count(), 5);
    assert_eq!(dot.matches("color=\"#b3541e:#b3541e\"").count(), 6);
    insta::assert_snapshot!("graph_50.dot", dot);
    let mermaid = picture(Format::Mermaid);
    assert_eq!(mermaid.matches(" ==>").count(), 6);
    insta::assert_snapshot!("graph_50.mermaid", mermaid);
}

fn frames(svg: &str) -> Vec<Rect> {
    rects(svg, "cluster")
}
#[test]
fn boxes_labels_and_frames_never_overlap_and_edges_avoid_boxes() {
    let svg = picture(Format::Svg);
    let boxes = node_boxes(&svg);
    let labels = label_boxes(&svg);
    assert_eq!(boxes.len(), 50);
    assert_eq!(labels.len(), 78, "every edge of the fixture is labelled");
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            assert!(!a.overlaps(b), "boxes {a:?} and {b:?} overlap");
        }
    }
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            assert!(!a.overlaps(b), "labels {a:?} and {b:?} overlap");
        }
        for b in &boxes {
            assert!(!a.overlaps(b), "label {a:?} overlaps box {b:?}");
        }
    }
    // A box is inside a frame or clear of it; frames are clear of each other.
    let frames = frames(&svg);
    assert_eq!(frames.len(), 5);
    for (i, f) in frames.iter().enumerate() {
        for g in &frames[i + 1..] {
            assert!(!f.overlaps(g), "frames {f:?} and {g:?} overlap");
        }
        let inside = |b: &Rect| b.x0 >= f.x0 && b.x1 <= f.x1 && b.y0 >= f.y0 && b.y1 <= f.y1;
        for b in &boxes {
            assert!(
                inside(b) || !b.overlaps(f),
                "box {b:?} straddles frame {f:?}"
            );
        }
    }
    // Each piece of an edge is a vertical line through a row, or a curve from one row's bottom
    // to the next row's top, which stays within its end points' rectangle: neither may meet a
    // box (the end points themselves touch their boxes' edges, hence the half pixel).
    for pieces in edge_pieces(&svg) {
        for (x1, y1, x2, y2, _) in pieces {
            let span = Rect {
                x0: x1.min(x2),
                y0: y1.min(y2) + 0.5,
                x1: x1.max(x2).max(x1.min(x2) + 0.5),
                y1: y1.max(y2) - 0.5,
            };
            for b in &boxes {
                assert!(
                    !span.overlaps(b),
                    "edge piece ({x1},{y1})-({x2},{y2}) runs through box {b:?}"
                );
            }
        }
    }
}

/// At most this many crossings: well under the one-pass layout's.
const MAX_CROSSINGS: usize = 60;
const _: () = assert!(MAX_CROSSINGS < ONE_PASS_CROSSINGS);

#[test]
fn crossing_reduction_beats_the_one_pass_layout() {
    let n = crossings(&picture(Format::Svg));
    println!("{n} crossings (the one-pass layout had {ONE_PASS_CROSSINGS})");
    assert!(
        n <= MAX_CROSSINGS,
        "{n} crossings, more than {MAX_CROSSINGS}"
    );
}

/// The SVG as a browser draws it, kept as docs/graph-50.png (shown in the README): a PNG of
/// the SVG's size, not blank. `WT_UPDATE_DOCS=1` rewrites the kept file.
#[test]
fn chromium_draws_the_svg() {
    let svg = picture(Format::Svg);
    let png = screenshot(&svg);
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as f64;
    let head = &svg[svg.find("<svg ").unwrap()..];
    assert_eq!(
        (size(16), size(20)),
        (num(head, "width"), num(head, "height"))
    );
    // A blank page compresses to a few kilobytes; 50 boxes with their text do not.
    assert!(
        png.len() > 100_000,
        "only {} bytes: nothing drawn?",
        png.len()
    );
    let kept = root().join("docs/graph-50.png");
    if std::env::var_os("WT_UPDATE_DOCS").is_some() || !kept.is_file() {
        std::fs::write(&kept, &png).unwrap();
    }
}

/// `wt graph` on an example workflow, as a user runs it: each format on stdout, and a spec
/// error located as `wt check` locates it (exit 2).
#[test]
fn wt_graph_prints_each_format_and_locates_spec_errors() {
    let spec = runs::example("fan_out");
    for (format, start) in [
        ("svg", "<!-- AUTOGENERATED BY WT"),
        ("dot", "digraph"),
        ("mermaid", "flowchart TD"),
    ] {
        let out = runs::wt()
            .args(["graph", "--format", format])
            .arg(&spec)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with(start), "{format}: {stdout}");
        assert!(stdout.contains("powers"), "{format}: {stdout}");
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace(
            "path: ../../examples",
            &format!("path: {}/examples", runs::root().display()),
        )
        .replacen("task: power", "task: powr", 1);
    let bad = dir.path().join("spec.yaml");
    std::fs::write(&bad, text).unwrap();
    let out = runs::wt().args(["graph"]).arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Did you mean `power`?"), "{stderr}");
}
