//! Import blocks laid out exactly as ruff's isort rule (I001, default settings) wants them.
//!
//! Only `from module import name [as alias]` statements are generated dynamically (the task
//! libraries, `wt_task`, `wt_contracts`), so this implements the part of ruff's isort that
//! they touch:
//!
//! - names imported without an alias from one module are combined into one statement, sorted
//!   by type (CONSTANTS, then Classes, then other names) then case-insensitively;
//! - every `name as alias` import stays a statement of its own (`combine-as-imports = false`);
//! - statements are ordered by module (case-insensitive, natural digit order), then by their
//!   first imported name;
//! - a statement longer than 88 characters is wrapped in parentheses, one name per line.

use std::cmp::Ordering;

use super::python::INDENT;

const LINE_LENGTH: usize = 88;

/// One imported name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromImport {
    pub module: String,
    pub name: String,
    /// Written only when it differs from `name` (ruff flags `x as x`).
    pub alias: String,
}

impl FromImport {
    pub fn new(module: &str, name: &str, alias: &str) -> Self {
        FromImport {
            module: module.into(),
            name: name.into(),
            alias: alias.into(),
        }
    }
}

/// One `from` statement: a module and the members it imports.
struct Statement<'a> {
    module: &'a str,
    /// `(name, alias)`; alias `None` for plain members.
    members: Vec<(&'a str, Option<&'a str>)>,
}

/// The import statements of one isort section (e.g. third-party), sorted and formatted,
/// newline-terminated. Duplicates are dropped.
pub fn from_import_block(imports: &[FromImport]) -> String {
    let mut statements: Vec<Statement> = Vec::new();
    for imp in imports {
        if imp.alias == imp.name {
            match statements.iter_mut().find(|s| {
                s.module == imp.module && s.members.first().is_some_and(|m| m.1.is_none())
            }) {
                Some(s) => {
                    if !s.members.iter().any(|m| m.0 == imp.name) {
                        s.members.push((&imp.name, None));
                    }
                }
                None => statements.push(Statement {
                    module: &imp.module,
                    members: vec![(&imp.name, None)],
                }),
            }
        } else {
            let member = (imp.name.as_str(), Some(imp.alias.as_str()));
            if !statements
                .iter()
                .any(|s| s.module == imp.module && s.members == [member])
            {
                statements.push(Statement {
                    module: &imp.module,
                    members: vec![member],
                });
            }
        }
    }
    for s in &mut statements {
        s.members.sort_by(|a, b| member_cmp(*a, *b));
    }
    statements.sort_by(|a, b| {
        module_cmp(a.module, b.module).then_with(|| member_cmp(a.members[0], b.members[0]))
    });
    let mut out = String::new();
    for s in &statements {
        let members: Vec<String> = s
            .members
            .iter()
            .map(|(name, alias)| match alias {
                Some(alias) => format!("{name} as {alias}"),
                None => name.to_string(),
            })
            .collect();
        let line = format!("from {} import {}", s.module, members.join(", "));
        if line.chars().count() <= LINE_LENGTH {
            out.push_str(&line);
            out.push('\n');
        } else {
            out.push_str(&format!("from {} import (\n", s.module));
            for m in &members {
                out.push_str(&format!("{INDENT}{m},\n"));
            }
            out.push_str(")\n");
        }
    }
    out
}

/// isort's member types, in sort order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum MemberType {
    Constant,
    Class,
    Variable,
}

fn member_type(name: &str) -> MemberType {
    let cased: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    if name.chars().count() > 1 && !cased.is_empty() && cased.iter().all(|c| c.is_uppercase()) {
        MemberType::Constant
    } else if name.chars().next().is_some_and(char::is_uppercase) {
        MemberType::Class
    } else {
        MemberType::Variable
    }
}

fn member_cmp(a: (&str, Option<&str>), b: (&str, Option<&str>)) -> Ordering {
    member_type(a.0)
        .cmp(&member_type(b.0))
        .then_with(|| natural_cmp(&a.0.to_lowercase(), &b.0.to_lowercase()))
        .then_with(|| natural_cmp(a.0, b.0))
        .then_with(|| match (a.1, b.1) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => natural_cmp(x, y),
        })
}

fn module_cmp(a: &str, b: &str) -> Ordering {
    natural_cmp(&a.to_lowercase(), &b.to_lowercase()).then_with(|| natural_cmp(a, b))
}

/// Natural ordering: runs of digits compare by value, everything else by character.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let x: String = a[si..i]
                .iter()
                .collect::<String>()
                .trim_start_matches('0')
                .into();
            let y: String = b[sj..j]
                .iter()
                .collect::<String>()
                .trim_start_matches('0')
                .into();
            let ord = x.len().cmp(&y.len()).then_with(|| x.cmp(&y));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            let ord = a[i].cmp(&b[j]);
            if ord != Ordering::Equal {
                return ord;
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_like_ruff() {
        let imports = [
            FromImport::new("wt_task", "task", "task"),
            FromImport::new("m", "double", "double"),
            FromImport::new("m", "add", "add"),
            FromImport::new("m", "Double", "Double_1"),
            FromImport::new("m", "add", "add_1"),
            FromImport::new("m", "Zeta", "Zeta"),
            FromImport::new("m", "ZETA", "ZETA"),
            FromImport::new("M2", "x", "x"),
            FromImport::new("m10", "y", "y"),
            FromImport::new("m9", "z", "z"),
            FromImport::new("m_a", "w", "w"),
            FromImport::new("m.sub", "v", "v"),
            FromImport::new("wt_contracts", "validate", "_validate"),
            FromImport::new("m", "add", "add"),
        ];
        let want = "\
from m import ZETA, Zeta, add, double
from m import Double as Double_1
from m import add as add_1
from m.sub import v
from M2 import x
from m9 import z
from m10 import y
from m_a import w
from wt_contracts import validate as _validate
from wt_task import task
";
        assert_eq!(from_import_block(&imports), want);
    }

    #[test]
    fn long_statements_wrap() {
        let module = "custom_tasks.tasks_with_a_really_long_module_name.submodule";
        let imports = [
            FromImport::new(module, "function_two", "function_two"),
            FromImport::new(module, "function_one", "function_one"),
        ];
        assert_eq!(
            from_import_block(&imports),
            format!("from {module} import (\n    function_one,\n    function_two,\n)\n")
        );
    }
}
