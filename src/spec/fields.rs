//! The keys of one mapping of the spec, read against its shape (`super::shape`): known keys
//! taken one by one, unknown ones reported with the closest allowed key. Shared by the spec's
//! parser and the requirements' (`super::parse`, `super::requirements`).

use super::model::Spanned;
use super::shape::Section;
use crate::diag::{Diagnostic, did_you_mean};
use crate::yaml::{Node, NodeKind};

/// Reads the keys of one mapping: takes known keys one by one, then reports unknown ones with
/// a suggestion of the closest allowed key.
pub struct Fields<'n, 'e> {
    node: &'n Node,
    what: &'static str,
    section: &'static Section,
    pub errors: &'e mut Vec<Diagnostic>,
}

impl<'n, 'e> Fields<'n, 'e> {
    /// The keys of `node`, a mapping of the spec's `section`.
    pub fn new(node: &'n Node, section: &'static Section, errors: &'e mut Vec<Diagnostic>) -> Self {
        Fields {
            node,
            what: section.what,
            section,
            errors,
        }
    }

    pub fn take(&mut self, key: &str) -> Option<&'n Node> {
        self.node.get(key)
    }

    /// A required key's node; its absence is reported at the mapping, with `help`.
    fn required(&mut self, key: &str, help: String) -> Option<&'n Node> {
        let found = self.node.get(key);
        if found.is_none() {
            self.errors.push(
                Diagnostic::new(
                    self.node.span,
                    format!("This {} is missing `{key}`.", self.what),
                )
                .help(help),
            );
        }
        found
    }

    /// A required string field; reports its absence at the mapping.
    pub fn required_str(&mut self, key: &str) -> Option<Spanned<String>> {
        let v = self.required(key, format!("Add `{key}: ...`."))?;
        expect_str(v, key, self.errors).map(|s| Spanned::new(s.to_string(), v.span))
    }

    pub fn optional_str(&mut self, key: &str) -> Option<Spanned<String>> {
        let v = self.node.get(key).filter(|v| !v.is_null())?;
        expect_str(v, key, self.errors).map(|s| Spanned::new(s.to_string(), v.span))
    }

    /// A required scalar read as text (versions may be written as numbers: `version: 1.2`).
    pub fn required_scalar_text(&mut self, key: &str) -> Option<Spanned<String>> {
        let v = self.required(key, format!("Add `{key}: ...` (`\"*\"` for any)."))?;
        match &v.kind {
            NodeKind::Str(_) | NodeKind::Int(_) | NodeKind::Float(_) => {
                Some(Spanned::new(v.key_text(), v.span))
            }
            _ => {
                self.errors.push(Diagnostic::new(
                    v.span,
                    format!("`{key}` must be a string, found {}.", v.type_name()),
                ));
                None
            }
        }
    }

    /// Reports keys that are not allowed here.
    pub fn finish(self) {
        for (k, _) in self.node.as_map().unwrap_or(&[]) {
            let key = k.key_text();
            if !self.section.allows(&key) {
                let hint = did_you_mean(&key, self.section.names());
                self.errors.push(
                    Diagnostic::new(
                        k.span,
                        format!("Unknown key `{key}` in {}.{hint}", self.what),
                    )
                    .underline(&key)
                    .help(format!(
                        "Allowed keys are {}.",
                        self.section
                            .names()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
    }
}

/// A string node, or an error saying what was found instead.
pub fn expect_str<'n>(node: &'n Node, what: &str, errors: &mut Vec<Diagnostic>) -> Option<&'n str> {
    match &node.kind {
        NodeKind::Str(s) => Some(s),
        _ => {
            errors.push(Diagnostic::new(
                node.span,
                format!("`{what}` must be a string, found {}.", node.type_name()),
            ));
            None
        }
    }
}
