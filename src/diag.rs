//! Located error messages: file, line and column, the source line with a marker, what is wrong
//! and what to do.
//!
//! Every problem found in a spec becomes a [`Diagnostic`]; they are collected (not raised one
//! at a time) so a user sees all the problems of a spec at once, sorted by position.

use crate::yaml::Span;
use std::fmt::Write;

/// One problem in a source file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// Where it is; `None` for problems of the file as a whole.
    pub span: Option<Span>,
    /// How many characters to underline; `None` underlines the YAML scalar at the position.
    pub width: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Why it is reported the way it is (a lint's level and where it was set).
    #[serde(default)]
    pub note: Option<String>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span: Some(span),
            width: None,
            message: message.into(),
            help: None,
            note: None,
        }
    }

    pub fn whole_file(message: impl Into<String>) -> Self {
        Diagnostic {
            span: None,
            width: None,
            message: message.into(),
            help: None,
            note: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn width(mut self, width: usize) -> Self {
        self.width = Some(width.max(1));
        self
    }

    /// Underlines a whole token of `text` (its character count).
    pub fn underline(self, text: &str) -> Self {
        let w = text.chars().count();
        self.width(w)
    }
}

/// A source file as errors show it.
pub struct Source<'a> {
    /// The path as the user should read it (relative to the current directory when possible).
    pub display_path: &'a str,
    pub text: &'a str,
}

/// Renders diagnostics, sorted by position, in the style of rustc:
///
/// ```text
/// error: `class` is a python keyword
///   --> workflows/x/spec.yaml:4:9
///    |
///  4 |   - id: class
///    |         ^^^^^
///    = help: choose another id
/// ```
pub fn render(source: &Source, diagnostics: &[Diagnostic]) -> String {
    render_as(source, diagnostics, "error")
}

/// Renders warnings as [`render`] renders errors (`warning:` and a count of warnings); nothing
/// for none.
pub fn render_warnings(source: &Source, diagnostics: &[Diagnostic]) -> String {
    if diagnostics.is_empty() {
        return String::new();
    }
    render_as(source, diagnostics, "warning")
}

fn render_as(source: &Source, diagnostics: &[Diagnostic], severity: &str) -> String {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| d.span.map(|s| (s.line, s.col)).unwrap_or((0, 0)));
    let mut out = String::new();
    for d in &sorted {
        render_one(&mut out, source, d, severity);
    }
    let n = sorted.len();
    let _ = writeln!(
        out,
        "{n} {severity}{} in {}",
        if n == 1 { "" } else { "s" },
        source.display_path
    );
    out
}

fn render_one(out: &mut String, source: &Source, d: &Diagnostic, severity: &str) {
    let _ = writeln!(out, "{severity}: {}", d.message);
    match d.span {
        None => {
            let _ = writeln!(out, "  --> {}", source.display_path);
        }
        Some(span) => {
            let line_text = source
                .text
                .lines()
                .nth(span.line.saturating_sub(1))
                .unwrap_or("");
            let gutter = span.line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(
                out,
                "{pad}--> {}:{}:{}",
                source.display_path, span.line, span.col
            );
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", span.line, line_text.trim_end());
            let before: String = line_text
                .chars()
                .take(span.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let available = line_text
                .chars()
                .count()
                .saturating_sub(span.col.saturating_sub(1));
            let width = d
                .width
                .unwrap_or_else(|| scalar_width(line_text, span.col))
                .min(available.max(1))
                .max(1);
            let _ = writeln!(out, "{pad} | {before}{}", "^".repeat(width));
        }
    }
    let pad = " ".repeat(d.span.map(|s| s.line.to_string().len()).unwrap_or(1));
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} = help: {help}");
    }
    if let Some(note) = &d.note {
        let _ = writeln!(out, "{pad} = note: {note}");
    }
    out.push('\n');
}

/// The width of the YAML scalar starting at 1-based `col`: a quoted string up to its closing
/// quote, a `${{ }}` expression up to `}}`, else up to a flow delimiter, comment or line end.
fn scalar_width(line: &str, col: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(col.saturating_sub(1)).collect();
    let text: String = rest.iter().collect();
    match rest.first() {
        Some(q @ ('"' | '\'')) => rest
            .iter()
            .skip(1)
            .position(|c| c == q)
            .map_or(rest.len(), |i| i + 2),
        _ if text.starts_with("${{") => text
            .find("}}")
            .map_or(rest.len(), |i| text[..i + 2].chars().count()),
        _ => {
            let end = text.find([',', ']', '}']).unwrap_or(text.len());
            let end = text.find(" #").map_or(end, |c| c.min(end));
            text[..end].trim_end().chars().count()
        }
    }
}

/// `text` with each line indented by four spaces (a tool's own output quoted under a message).
pub fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(word, c);
        if score >= 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// " Did you mean `x`?" or "" — appended to messages about unknown names.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" Did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Text already rendered for the terminal (spec diagnostics, a target's failure), carried
/// through `anyhow` so it prints as it is.
#[derive(Debug)]
pub struct Rendered(pub String);

impl std::fmt::Display for Rendered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.trim_end())
    }
}

impl std::error::Error for Rendered {}

/// An error as the terminal shows it: rendered spec diagnostics as they are, anything else as
/// `error:` with its chain of causes.
pub fn render_error(e: &anyhow::Error) -> String {
    if e.downcast_ref::<Rendered>().is_some() {
        format!("{e}")
    } else {
        format!("error: {e:#}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_marker_under_the_token() {
        let text = "id: x\nworkflow:\n  - id: class\n";
        let d = Diagnostic::new(
            Span {
                line: 3,
                col: 9,
                offset: 0,
            },
            "`class` is a python keyword.",
        )
        .underline("class")
        .help("Choose another id.");
        let out = render(
            &Source {
                display_path: "spec.yaml",
                text,
            },
            &[d],
        );
        assert_eq!(
            out,
            "error: `class` is a python keyword.\n --> spec.yaml:3:9\n  |\n3 |   - id: class\n  |         ^^^^^\n  = help: Choose another id.\n\n1 error in spec.yaml\n"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(closest("dobule", ["add", "double"]), Some("double"));
        assert_eq!(closest("zzz", ["add", "double"]), None);
    }
}
