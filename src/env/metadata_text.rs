//! The text form of Python's core metadata (a wheel's `METADATA`, the `PKG-INFO` of an sdist
//! or of a build), read as the core metadata specification says it is read: an RFC 822 header
//! block, parsed the way Python's `email.parser` with policy `compat32` parses it (which is
//! what `importlib.metadata` and `packaging.metadata.parse_email` use), then the body.
//!
//! - lines end at `\r\n`, `\r` or `\n`;
//! - a line starting with a space or a tab continues the header before it, even when it holds
//!   nothing else: `License:` and `Description:` fields carry whole licence texts over dozens
//!   of lines, some holding only spaces;
//! - the first empty line ends the headers; what follows is the body (the description, from
//!   metadata 2.1 on);
//! - fields repeat (`Requires-Dist`, `Provides-Extra`, `Classifier`, ...) and are matched
//!   without regard to case.
//!
//! Where `email.parser` records a defect and reads on (a line in the header block that is
//! neither a header nor a continuation, a continuation before the first header), this reader
//! stops with an error naming the line: a header lost there is a dependency lost from a lock.

use thiserror::Error;

/// A metadata text split into its header fields and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataText {
    /// The header fields in the order written.
    pub headers: Vec<Header>,
    /// The line of the empty line that ends the headers (or the last line, when none does).
    pub end_line: usize,
    /// Everything after the empty line that ends the headers.
    pub body: String,
}

/// One header field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    /// The text after the colon without its leading blanks, each continuation line appended
    /// after a `\n` as written (the value `email.parser`'s `compat32` policy returns).
    pub value: String,
    /// The 1-based line the field starts on.
    pub line: usize,
}

/// Why a metadata text could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct MetadataTextError {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

impl MetadataText {
    pub fn parse(text: &str) -> Result<MetadataText, MetadataTextError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut headers: Vec<Header> = Vec::new();
        let mut rest = text;
        let mut line_no = 0;
        while !rest.is_empty() {
            line_no += 1;
            let (line, after) = split_line(rest);
            rest = after;
            if line.is_empty() {
                return Ok(MetadataText {
                    headers,
                    end_line: line_no,
                    body: rest.to_string(),
                });
            }
            if line.starts_with([' ', '\t']) {
                let Some(Header { value, .. }) = headers.last_mut() else {
                    return Err(MetadataTextError {
                        line: line_no,
                        message: "the first line continues a header, but no header came before it"
                            .into(),
                    });
                };
                value.push('\n');
                value.push_str(line);
                continue;
            }
            let name_end = line
                .find(|c: char| !is_name_char(c))
                .filter(|&i| line[i..].starts_with(':') && i > 0);
            let Some(end) = name_end else {
                return Err(MetadataTextError {
                    line: line_no,
                    message: format!(
                        "`{}` is not a `Name: value` header, nor a continuation (a line starting with a space or a tab), nor the empty line that ends the headers",
                        shorten(line)
                    ),
                });
            };
            let value = line[end + 1..].trim_start_matches([' ', '\t']);
            headers.push(Header {
                name: line[..end].to_string(),
                value: value.to_string(),
                line: line_no,
            });
        }
        Ok(MetadataText {
            headers,
            end_line: line_no,
            body: String::new(),
        })
    }

    /// Every field called `name` (any case).
    pub fn fields<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
    }

    /// Every value of the field `name` (any case), trimmed.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields(name).map(|h| h.value.trim())
    }

    /// The first value of the field `name` (any case), trimmed.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.trim())
    }
}

/// One line without its ending, and the text after that ending.
fn split_line(text: &str) -> (&str, &str) {
    match text.find(['\r', '\n']) {
        Some(i) if text[i..].starts_with("\r\n") => (&text[..i], &text[i + 2..]),
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    }
}

/// A character of a header's name: printable ASCII but the colon (RFC 822's field-name, as
/// `email.feedparser.headerRE` matches it).
fn is_name_char(c: char) -> bool {
    matches!(c, '\x21'..='\x39' | '\x3b'..='\x7e')
}

/// The start of a long line, for an error message.
fn shorten(line: &str) -> String {
    match line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_holding_only_blanks_do_not_end_the_headers() {
        let text = "Metadata-Version: 2.1\nName: x\nLicense: line one\n        \n  line three\n\t\nRequires-Dist: a>=1\r\nRequires-Dist: b ; extra == \"t\"\n\nbody\n\nRequires-Dist: not-a-header\n";
        let m = MetadataText::parse(text).unwrap();
        assert_eq!(
            m.all("requires-dist").collect::<Vec<_>>(),
            ["a>=1", "b ; extra == \"t\""]
        );
        assert_eq!(m.first("License"), Some("line one\n        \n  line three"));
        assert_eq!(m.body, "body\n\nRequires-Dist: not-a-header\n");
    }

    #[test]
    fn a_line_that_is_no_header_is_an_error_naming_it() {
        let err =
            MetadataText::parse("Metadata-Version: 2.1\nName: x\nnot a header\nRequires-Dist: a\n")
                .unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("`not a header`"), "{err}");
        let err = MetadataText::parse(" continued\n").unwrap_err();
        assert_eq!(err.line, 1);
        let err = MetadataText::parse("Name: x\n: empty name\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn lone_carriage_returns_end_lines_and_a_bom_is_skipped() {
        let m = MetadataText::parse("\u{feff}Name: x\rVersion: 1\r\rbody").unwrap();
        assert_eq!(m.first("version"), Some("1"));
        assert_eq!(m.body, "body");
    }
}
