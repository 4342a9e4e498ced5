//! `${{ ... }}` expressions and bound values (docs/compatibility.md, “Values and variables”).
//!
//! A string is a variable when it starts with `${{` and ends with `}}`; anything else (even a
//! string merely containing `${{`) is a literal.

use super::model::{Literal, Spanned, Value, Variable};
use crate::diag::Diagnostic;
use crate::yaml::{Node, NodeKind};

const FORMATS: &str = "Use `${{ workflow.<task_id>.return }}` for another task's result or \
                       `${{ env.<ENV_VAR_NAME> }}` for an environment variable.";

/// Whether a string is written as a `${{ }}` expression.
pub fn is_wrapped(s: &str) -> bool {
    s.starts_with("${{") && s.ends_with("}}") && s.len() >= 5
}

/// Parses the text of a wrapped expression.
pub fn parse_variable(s: &str) -> Result<Variable, String> {
    let inner = s[3..s.len() - 2].trim();
    let parts: Vec<&str> = inner.split('.').collect();
    match parts.as_slice() {
        ["workflow", id, "return"] if !id.is_empty() => Ok(Variable::TaskReturn(id.to_string())),
        ["workflow", id, suffix] => Err(format!(
            "`{s}` reads `{suffix}` of task `{id}`, but only `return` can be read: write `${{{{ workflow.{id}.return }}}}`."
        )),
        ["env", name] => {
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
            if valid {
                Ok(Variable::Env(name.to_string()))
            } else {
                Err(format!(
                    "`{name}` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)."
                ))
            }
        }
        _ => Err(format!("Unrecognized variable format `{s}`.")),
    }
}

/// Parses a `partial` value recursively: mappings and lists nest, wrapped strings are
/// variables, every other scalar is an inline literal.
pub fn parse_value(node: &Node, errors: &mut Vec<Diagnostic>) -> Spanned<Value> {
    let value = match &node.kind {
        NodeKind::Null => Value::Literal(Literal::Null),
        NodeKind::Bool(b) => Value::Literal(Literal::Bool(*b)),
        NodeKind::Int(i) => Value::Literal(Literal::Int(*i)),
        NodeKind::Float(f) => Value::Literal(Literal::Float(*f)),
        NodeKind::Str(s) if is_wrapped(s) => match parse_variable(s) {
            Ok(v) => Value::Var(v),
            Err(msg) => {
                errors.push(Diagnostic::new(node.span, msg).underline(s).help(FORMATS));
                Value::Literal(Literal::Str(s.clone()))
            }
        },
        NodeKind::Str(s) => Value::Literal(Literal::Str(s.clone())),
        NodeKind::Seq(items) => Value::List(items.iter().map(|n| parse_value(n, errors)).collect()),
        NodeKind::Map(entries) => Value::Dict(
            entries
                .iter()
                .map(|(k, v)| (k.key_text(), parse_value(v, errors)))
                .collect(),
        ),
    };
    Spanned::new(value, node.span)
}

/// Parses a node that must be exactly one variable (map/mapvalues `argvalues`).
pub fn parse_required_variable(
    node: &Node,
    errors: &mut Vec<Diagnostic>,
) -> Option<Spanned<Variable>> {
    match &node.kind {
        NodeKind::Str(s) if is_wrapped(s) => match parse_variable(s) {
            Ok(v) => Some(Spanned::new(v, node.span)),
            Err(msg) => {
                errors.push(Diagnostic::new(node.span, msg).underline(s).help(FORMATS));
                None
            }
        },
        NodeKind::Str(s) => {
            errors.push(
                Diagnostic::new(node.span, format!("`{s}` is not a valid variable: `argvalues` takes variables wrapped in `${{{{ }}}}`, not literals."))
                    .underline(s)
                    .help(format!("Write `${{{{ workflow.{s}.return }}}}` to fan out over the result of task `{s}`, or produce the values with a task.")),
            );
            None
        }
        _ => {
            errors.push(
                Diagnostic::new(node.span, format!("`argvalues` takes `${{{{ }}}}` variables, found {} literal.", node.type_name()))
                    .help("Inline literal lists cannot be fanned out over; produce the values with a task and write `${{ workflow.<task_id>.return }}`."),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_forms() {
        assert_eq!(
            parse_variable("${{ workflow.a.return }}"),
            Ok(Variable::TaskReturn("a".into()))
        );
        assert_eq!(
            parse_variable("${{env.HOME}}"),
            Ok(Variable::Env("HOME".into()))
        );
        assert!(parse_variable("${{ workflow.a.out }}").is_err());
        assert!(parse_variable("${{ foo }}").is_err());
        assert!(parse_variable("${{ env.1X }}").is_err());
        assert!(!is_wrapped("x ${{ env.A }}"));
    }
}
