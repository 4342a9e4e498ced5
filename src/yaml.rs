//! A YAML tree that remembers where every node came from.
//!
//! `serde_yaml`-style deserialisation throws positions away, but every error `wt` reports
//! about a spec must name the file, line and column of the offending node. So the spec is first
//! read into this small tree (built from `yaml-rust2` parser events) and the spec model is then
//! built from the tree by hand, carrying each node's [`Span`] along.
//!
//! Scalars are resolved with the YAML 1.2 core schema (as the published implementation's
//! "safe" loader does): `true`/`false`, `null`/`~`/empty, decimal/hex/octal integers and floats
//! are typed only when written plain; quoted scalars are always strings.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A position in a source file: 1-based line and column, 0-based byte offset.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub line: usize,
    pub col: usize,
    pub offset: usize,
}

impl Span {
    fn from_marker(m: Marker) -> Span {
        Span {
            line: m.line(),
            col: m.col() + 1,
            offset: m.index(),
        }
    }
}

/// One YAML node with the position of its first character.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string scalar; the flag tells whether it was quoted in the source.
    Str(String),
    Seq(Vec<Node>),
    /// Mapping entries in source order (keys are nodes so they keep their spans too).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A short name of the node's type, for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// Looks up a mapping entry by its string key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Converts to JSON (mapping keys become strings as YAML prints them).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::from(*i),
            NodeKind::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            NodeKind::Str(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.key_text(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The text of a node used as a mapping key.
    pub fn key_text(&self) -> String {
        match &self.kind {
            NodeKind::Str(s) => s.clone(),
            NodeKind::Null => "null".into(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Seq(_) | NodeKind::Map(_) => self.to_json().to_string(),
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

/// The most nodes a document may expand to through its aliases. A spec of hundreds of tasks
/// is a few thousand nodes; a "billion laughs" document (each anchor a list of aliases to the
/// one before) reaches this within a few levels, and is refused there, in bounded time and
/// memory, instead of growing without end.
pub const MAX_EXPANDED_NODES: usize = 100_000;

/// The deepest a document may nest collections. Every pass over a spec (and Python, which
/// refuses a literal nested 200 brackets deep) handles this many, and a real spec nests a
/// dozen; the limit keeps a hostile document from overflowing a stack or taking quadratic
/// time, and is a located error.
pub const MAX_DEPTH: usize = 64;

/// Parses one YAML document. An empty document is `Null`. Stops at the first error: a
/// character YAML does not allow, nesting deeper than [`MAX_DEPTH`], aliases expanding past
/// [`MAX_EXPANDED_NODES`], a duplicate key.
pub fn parse(source: &str) -> Result<Node, YamlError> {
    check_characters(source)?;
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(source);
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            message: e.info().to_string(),
            span: Span::from_marker(*e.marker()),
        })?;
        let end = matches!(event, Event::StreamEnd | Event::DocumentEnd);
        builder.on_event(event, mark);
        if let Some(err) = builder.error.take() {
            return Err(err);
        }
        if end {
            break;
        }
    }
    Ok(builder.root.unwrap_or(Node {
        kind: NodeKind::Null,
        span: Span {
            line: 1,
            col: 1,
            offset: 0,
        },
    }))
}

/// Where a document holds a character YAML does not allow (C0 controls but tab, line feed and
/// carriage return; DEL; C1 controls but NEL; U+FFFE, U+FFFF): a NUL would otherwise end the
/// document there silently.
fn check_characters(source: &str) -> Result<(), YamlError> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || !(c.is_control() || c == '\u{fffe}' || c == '\u{ffff}')
    };
    let Some((offset, c)) = source.char_indices().find(|&(_, c)| !allowed(c)) else {
        return Ok(());
    };
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(YamlError {
        message: format!(
            "the control character U+{:04X} is not allowed in YAML; remove it (write it as an escape, \\u{:04X}, inside a double-quoted string)",
            u32::from(c),
            u32::from(c)
        ),
        span: Span { line, col, offset },
    })
}

enum Frame {
    Seq(Span, usize, Vec<Node>),
    Map(Span, usize, Vec<(Node, Node)>, Option<Node>, KeyIndex),
}

/// The scalar keys of a mapping being built, by value, with the line each was first given
/// on: a duplicate is found in constant time, so a mapping of many keys reads in linear time.
type KeyIndex = HashMap<ScalarKey, usize>;

/// A scalar key's identity (floats by their bits: `1.0` and `1` are different keys).
#[derive(PartialEq, Eq, Hash)]
enum ScalarKey {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Str(String),
}

impl ScalarKey {
    fn of(kind: &NodeKind) -> Option<ScalarKey> {
        Some(match kind {
            NodeKind::Null => ScalarKey::Null,
            NodeKind::Bool(b) => ScalarKey::Bool(*b),
            NodeKind::Int(i) => ScalarKey::Int(*i),
            NodeKind::Float(f) if !f.is_nan() => ScalarKey::Float(f.to_bits()),
            NodeKind::Str(s) => ScalarKey::Str(s.clone()),
            _ => return None,
        })
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// `expanded` when each open collection of `stack` started.
    starts: Vec<usize>,
    root: Option<Node>,
    /// Anchored nodes and how many nodes each expands to.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes built so far, aliases counted as the nodes they copy.
    expanded: usize,
    error: Option<YamlError>,
}

impl Builder {
    /// Adds `node`, which expands to `size` nodes (counted already).
    fn push_node(&mut self, node: Node, anchor: usize, size: usize) {
        if anchor > 0 && self.error.is_none() {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(_, _, items)) => items.push(node),
            Some(Frame::Map(_, _, entries, pending, index)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => {
                    let first_line = match ScalarKey::of(&key.kind) {
                        Some(scalar) => match index.get(&scalar) {
                            Some(line) => Some(*line),
                            None => {
                                index.insert(scalar, key.span.line);
                                None
                            }
                        },
                        None => entries
                            .iter()
                            .find(|(k, _)| k.kind == key.kind)
                            .map(|(k, _)| k.span.line),
                    };
                    if self.error.is_none()
                        && let Some(first_line) = first_line
                    {
                        self.error = Some(YamlError {
                            message: format!(
                                "duplicate key `{}` (first defined on line {first_line})",
                                key.key_text(),
                            ),
                            span: key.span,
                        });
                    }
                    entries.push((key, node));
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let span = Span::from_marker(mark);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let kind = resolve_scalar(&text, style, tag.as_ref().map(|t| t.suffix.as_str()));
                self.expanded += 1;
                self.push_node(Node { kind, span }, anchor, 1);
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.error = Some(YamlError {
                    message: format!(
                        "collections nest more than {MAX_DEPTH} levels deep here; a spec may nest at most {MAX_DEPTH} (flatten the value, or read it from a file at run time)"
                    ),
                    span,
                });
            }
            Event::SequenceStart(anchor, _) => {
                self.starts.push(self.expanded);
                self.stack.push(Frame::Seq(span, anchor, Vec::new()))
            }
            Event::MappingStart(anchor, _) => {
                self.starts.push(self.expanded);
                self.stack
                    .push(Frame::Map(span, anchor, Vec::new(), None, KeyIndex::new()))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq(span, anchor, items)) => (
                        Node {
                            kind: NodeKind::Seq(items),
                            span,
                        },
                        anchor,
                    ),
                    Some(Frame::Map(span, anchor, entries, _, _)) => {
                        // A block mapping's start is marked after its first key: use the key.
                        let span = entries.first().map_or(span, |(k, _)| k.span.min(span));
                        (
                            Node {
                                kind: NodeKind::Map(entries),
                                span,
                            },
                            anchor,
                        )
                    }
                    None => return,
                };
                self.expanded += 1;
                let size = self.expanded - self.starts.pop().unwrap_or(0);
                self.push_node(node, anchor, size);
            }
            Event::Alias(id) => {
                let null = Node {
                    kind: NodeKind::Null,
                    span,
                };
                let Some((anchored, size)) = self.anchors.get(&id) else {
                    self.push_node(null, 0, 1);
                    return;
                };
                let size = *size;
                if self.error.is_some() || self.expanded + size > MAX_EXPANDED_NODES {
                    if self.error.is_none() {
                        self.error = Some(YamlError {
                            message: format!(
                                "aliases expand the document to more than {MAX_EXPANDED_NODES} nodes; write the repeated content out, or repeat it less"
                            ),
                            span,
                        });
                    }
                    // Nothing more is copied: the document is refused anyway.
                    self.push_node(null, 0, 1);
                    return;
                }
                let mut node = anchored.clone();
                node.span = span;
                self.expanded += size;
                self.push_node(node, 0, size);
            }
            _ => {}
        }
    }
}

/// Resolves a scalar with the YAML 1.2 core schema.
fn resolve_scalar(text: &str, style: TScalarStyle, tag: Option<&str>) -> NodeKind {
    if style != TScalarStyle::Plain || tag == Some("str") {
        return NodeKind::Str(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return NodeKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return NodeKind::Float(f64::NAN),
        _ => {}
    }
    if let Some(i) = parse_int(text) {
        return NodeKind::Int(i);
    }
    if is_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return NodeKind::Float(f);
    }
    NodeKind::Str(text.to_string())
}

fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = {
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        (!int.is_empty() || !frac.is_empty())
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            && (mantissa.contains('.') || exponent.is_some())
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let d = e.strip_prefix(['-', '+']).unwrap_or(e);
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `depth` block sequences, one inside the other, around a `1`.
    fn nested_block(depth: usize) -> String {
        let mut s = String::from("v:\n");
        for i in 0..depth {
            s.push_str(&" ".repeat(2 + 2 * i));
            s.push_str(if i + 1 == depth { "- 1\n" } else { "-\n" });
        }
        s
    }

    #[test]
    fn nesting_past_the_limit_is_a_located_error_not_a_stack_overflow() {
        assert!(parse(&nested_block(MAX_DEPTH - 1)).is_ok());
        for depth in [MAX_DEPTH, 10_000] {
            let e = parse(&nested_block(depth)).unwrap_err();
            assert!(
                e.message.contains("nest more than 64 levels"),
                "{}",
                e.message
            );
            assert_eq!(e.span.line, MAX_DEPTH + 1);
        }
        let mappings: String = (0..3000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect::<String>()
            + &" ".repeat(3000)
            + "1\n";
        assert!(parse(&mappings).is_err());
    }

    #[test]
    fn a_control_character_is_a_located_error() {
        let e = parse("id: x\nworkflow:\n  - id: a\u{0}\n  - id: b\n").unwrap_err();
        assert_eq!((e.span.line, e.span.col), (3, 10));
        assert!(e.message.contains("U+0000"), "{}", e.message);
        assert!(parse("a: \"\\u0000 escaped is fine\"\n").is_ok());
    }

    #[test]
    fn a_mapping_of_many_keys_and_its_duplicate() {
        let many: String = (0..50_000).map(|i| format!("k{i}: {i}\n")).collect();
        assert_eq!(parse(&many).unwrap().as_map().unwrap().len(), 50_000);
        let e = parse(&(many + "k7: again\n")).unwrap_err();
        assert_eq!(e.message, "duplicate key `k7` (first defined on line 8)");
        // `1` and `"1"` are different keys; `1` twice is not.
        assert!(parse("1: a\n\"1\": b\n").is_ok());
        assert!(parse("1: a\n1: b\n").is_err());
    }

    #[test]
    fn spans_point_at_nodes() {
        let doc = parse("id: x\nworkflow:\n  - id: a\n    task: add\n").unwrap();
        let wf = doc.get("workflow").unwrap();
        let first = &wf.as_seq().unwrap()[0];
        let task = first.get("task").unwrap();
        assert_eq!((task.span.line, task.span.col), (4, 11));
        assert_eq!(task.as_str(), Some("add"));
    }

    #[test]
    fn core_schema_scalars() {
        let doc = parse("a: 1\nb: '1'\nc: 1.5\nd: true\ne: yes\nf: null\ng: 1e3\nh: -0x1").unwrap();
        assert_eq!(doc.get("a").unwrap().kind, NodeKind::Int(1));
        assert_eq!(doc.get("b").unwrap().kind, NodeKind::Str("1".into()));
        assert_eq!(doc.get("c").unwrap().kind, NodeKind::Float(1.5));
        assert_eq!(doc.get("d").unwrap().kind, NodeKind::Bool(true));
        assert_eq!(doc.get("e").unwrap().kind, NodeKind::Str("yes".into()));
        assert_eq!(doc.get("f").unwrap().kind, NodeKind::Null);
        assert_eq!(doc.get("g").unwrap().kind, NodeKind::Float(1000.0));
        assert_eq!(doc.get("h").unwrap().kind, NodeKind::Str("-0x1".into()));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.span.line, 3);
        assert!(err.message.contains("duplicate key `a`"));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.span.line >= 1);
    }
}
