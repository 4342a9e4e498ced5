//! JSON numbers kept exact.
//!
//! `serde_json::Value` holds integers of up to 64 bits and turns larger ones into floats:
//! `18446744073709551616` (2^64) would come back as `1.8446744073709552e19`. Python's integers
//! have no such limit, so a workflow may well return one. Results therefore travel as their
//! text ([`ExactJson`]), and a request whose numbers a `Value` cannot carry exactly is refused
//! with the places named ([`wide_integers`]) rather than passed on changed.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::value::RawValue;

/// A JSON document kept as text, serialized as written.
#[derive(Debug, Clone)]
pub struct ExactJson(Box<RawValue>);

impl ExactJson {
    pub fn null() -> ExactJson {
        ExactJson(RawValue::from_string("null".into()).expect("null is JSON"))
    }

    pub fn parse(text: &str) -> Result<ExactJson, serde_json::Error> {
        serde_json::from_str::<Box<RawValue>>(text).map(ExactJson)
    }

    /// The document's text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// The document with every string `f` gives a new text for replaced, object keys
    /// included (a key replaced by one its object already has gets ` (2)`, ` (3)`, … so no
    /// member is lost); numbers and structure stay as they are.
    pub fn map_strings(&self, f: &impl Fn(&str) -> Option<String>) -> ExactJson {
        let mut out = String::with_capacity(self.text().len());
        rebuild(&self.0, f, &mut out);
        ExactJson::parse(&out).expect("rebuilt JSON is JSON")
    }
}

impl Serialize for ExactJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl PartialEq<serde_json::Value> for ExactJson {
    fn eq(&self, other: &serde_json::Value) -> bool {
        serde_json::from_str::<serde_json::Value>(self.text()).is_ok_and(|v| v == *other)
    }
}

/// One value of a document, with its members when it has some.
enum Node<'a> {
    Object(IndexMap<String, &'a RawValue>),
    Array(Vec<&'a RawValue>),
    String(String),
    Number(&'a str),
    Other(&'a str),
}

fn node(raw: &RawValue) -> Node<'_> {
    let text = raw.get().trim();
    let parsed = match text.as_bytes().first() {
        Some(b'{') => serde_json::from_str(text).map(Node::Object),
        Some(b'[') => serde_json::from_str(text).map(Node::Array),
        Some(b'"') => serde_json::from_str(text).map(Node::String),
        Some(b'-' | b'0'..=b'9') => Ok(Node::Number(text)),
        _ => Ok(Node::Other(text)),
    };
    parsed.unwrap_or(Node::Other(text))
}

fn rebuild(raw: &RawValue, f: &impl Fn(&str) -> Option<String>, out: &mut String) {
    let quote = |s: &str| serde_json::to_string(s).expect("strings serialize");
    match node(raw) {
        Node::Object(members) => {
            out.push('{');
            let mut written: std::collections::HashSet<String> = std::collections::HashSet::new();
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let mut key = f(key).unwrap_or_else(|| key.clone());
                if written.contains(&key) {
                    let base = key.clone();
                    key = (2..)
                        .map(|n| format!("{base} ({n})"))
                        .find(|k| !written.contains(k) && !members.contains_key(k))
                        .expect("a free key");
                }
                written.insert(key.clone());
                out.push_str(&quote(&key));
                out.push(':');
                rebuild(value, f, out);
            }
            out.push('}');
        }
        Node::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                rebuild(item, f, out);
            }
            out.push(']');
        }
        Node::String(s) => match f(&s) {
            Some(replaced) => out.push_str(&quote(&replaced)),
            None => out.push_str(raw.get().trim()),
        },
        Node::Number(text) | Node::Other(text) => out.push_str(text),
    }
}

/// An integer of a document that does not fit 64 bits.
#[derive(Debug, Clone, PartialEq)]
pub struct WideInteger {
    /// Where it is: object keys and array indexes from the document's root.
    pub path: Vec<serde_json::Value>,
    /// Its digits, as written.
    pub digits: String,
}

impl WideInteger {
    /// The place as a JSON pointer (`/params/task/n`).
    pub fn pointer(&self) -> String {
        self.path
            .iter()
            .map(|step| match step {
                serde_json::Value::String(key) => {
                    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
                }
                index => format!("/{index}"),
            })
            .collect()
    }

    /// What is wrong and what to do.
    pub fn message(&self) -> String {
        format!(
            "{} does not fit in 64 bits (from -9223372036854775808 to 18446744073709551615), so it cannot be carried exactly; send a smaller number or a string",
            self.digits
        )
    }
}

/// The integers in `text` that do not fit 64 bits. `text` must be valid JSON.
pub fn wide_integers(text: &[u8]) -> Vec<WideInteger> {
    let mut found = Vec::new();
    // Such an integer has at least 19 digits in a row; most documents have none, and are not
    // parsed a second time.
    let mut run = 0;
    if !text.iter().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= 19
    }) {
        return found;
    }
    if let Ok(raw) = serde_json::from_slice::<&RawValue>(text) {
        collect_wide(raw, &mut Vec::new(), &mut found);
    }
    found
}

fn collect_wide(raw: &RawValue, path: &mut Vec<serde_json::Value>, found: &mut Vec<WideInteger>) {
    match node(raw) {
        Node::Object(members) => {
            for (key, value) in members {
                path.push(key.into());
                collect_wide(value, path, found);
                path.pop();
            }
        }
        Node::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                path.push(i.into());
                collect_wide(item, path, found);
                path.pop();
            }
        }
        Node::Number(digits) => {
            let integer = !digits.contains(['.', 'e', 'E']);
            if integer && digits.parse::<i64>().is_err() && digits.parse::<u64>().is_err() {
                found.push(WideInteger {
                    path: path.clone(),
                    digits: digits.to_string(),
                });
            }
        }
        Node::String(_) | Node::Other(_) => {}
    }
}

/// Why a document with [`wide_integers`] is refused, in one line naming each place.
pub fn describe_wide(found: &[WideInteger]) -> String {
    let places: Vec<String> = found
        .iter()
        .map(|w| format!("{} (at {})", w.message(), w.pointer()))
        .collect();
    places.join("; ")
}

/// [`wide_integers`] as validation items, one per integer, located by their path in the
/// document (so a form can show each on its field).
pub fn wide_items(found: &[WideInteger]) -> Vec<crate::contracts::ValidationErrorItem> {
    found
        .iter()
        .map(|w| crate::contracts::ValidationErrorItem {
            message: w.message(),
            path: w.path.clone(),
            schema_path: Vec::new(),
            validator: Some("integer-range".into()),
            input: serde_json::Value::String(w.digits.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integers_pass_through_and_strings_are_mapped() {
        let doc =
            ExactJson::parse(r#"{"n": 18446744073709551616, "s": ["secret", 1.50]}"#).unwrap();
        let mapped = doc.map_strings(&|s| (s == "secret").then(|| "***".to_string()));
        assert_eq!(
            mapped.text(),
            r#"{"n":18446744073709551616,"s":["***",1.50]}"#
        );
        assert_eq!(
            serde_json::to_string(&[mapped]).unwrap(),
            r#"[{"n":18446744073709551616,"s":["***",1.50]}]"#
        );
    }

    #[test]
    fn wide_integers_are_found_with_their_pointer() {
        let text = r#"{"params": {"a/b": [1, -9223372036854775808, 18446744073709551615,
            18446744073709551616, -9223372036854775809, 1e40, 12345678901234567890123456789012345678]}}"#;
        let found: Vec<String> = wide_integers(text.as_bytes())
            .iter()
            .map(WideInteger::pointer)
            .collect();
        assert_eq!(
            found,
            ["/params/a~1b/3", "/params/a~1b/4", "/params/a~1b/6"]
        );
    }
}
