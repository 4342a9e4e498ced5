//! Python source for values: literals exactly as `ruff format` leaves them.
//!
//! Generated modules are never passed through a formatter, so everything here emits the one
//! spelling that `ruff format` (line length 88, double quotes) keeps unchanged:
//!
//! - strings use double quotes unless they hold more `"` than `'` (ruff's quote preference),
//!   and escape what Python's `repr` escapes (control, format, separator and private-use
//!   characters) with lower-case hex digits; printable non-ASCII text is kept as is;
//! - floats are spelled as Python's `repr` spells them (shortest round trip, exponent form
//!   below 1e-4 and from 1e16 on) except that the exponent never carries a `+` (ruff drops
//!   it): `1e16`, `1e-05`, `0.1`, `-0.0`; infinities and NaN become `float("inf")`,
//!   `float("-inf")` and `float("nan")`;
//! - every non-empty dict or list is exploded one item per line with a trailing comma (the
//!   "magic trailing comma" makes ruff keep that layout whatever the line lengths are).

use crate::spec::model::{Literal, Value, Variable};

/// One level of indentation in generated Python.
pub const INDENT: &str = "    ";

/// Python's hard keywords: never usable as identifiers or keyword-argument names.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` can be written as a Python name (ASCII identifiers only, keywords excluded).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !is_keyword(s)
}

/// A Python string literal for `s`, as ruff would format it.
pub fn py_str(s: &str) -> String {
    let doubles = s.chars().filter(|&c| c == '"').count();
    let singles = s.chars().filter(|&c| c == '\'').count();
    let quote = if doubles > singles { '\'' } else { '"' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let code = c as u32;
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Approximates Python's `str.isprintable` (which `repr` follows): control (Cc), format (Cf),
/// separator (Zs except the space, Zl, Zp), private-use (Co) characters and noncharacters
/// are escaped. Unassigned code points are kept, which is still valid Python.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    // Separators (Zs, Zl, Zp).
    if matches!(
        u,
        0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000
    ) {
        return false;
    }
    // Format characters (Cf): invisible text, bidirectional controls, tags.
    if matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    ) {
        return false;
    }
    // Private use (Co) and noncharacters.
    if matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD | 0xFDD0..=0xFDEF)
        || (u & 0xFFFE) == 0xFFFE
    {
        return false;
    }
    true
}

/// A Python float literal (or expression, for non-finite values) equal to `f`.
pub fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "float(\"nan\")".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "float(\"inf\")"
        } else {
            "float(\"-inf\")"
        }
        .into();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, like Python's repr.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let exp_sign = if exp < 0 { "-" } else { "" };
        return format!("{sign}{first}{frac}e{exp_sign}{:02}", exp.abs());
    }
    // Fixed notation with the decimal point `exp + 1` digits in.
    let point = exp + 1;
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let point = point as usize;
        if digits.len() <= point {
            format!("{digits}{}.0", "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    format!("{sign}{body}")
}

/// A Python literal for an inline YAML scalar.
pub fn py_literal(lit: &Literal) -> String {
    match lit {
        Literal::Null => "None".into(),
        Literal::Bool(true) => "True".into(),
        Literal::Bool(false) => "False".into(),
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) => py_float(*f),
        Literal::Str(s) => py_str(s),
    }
}

/// How task references are spelled: the Python variable holding each instance's result.
pub trait RefNames {
    fn var_for(&self, task_id: &str) -> String;
}

impl<F: Fn(&str) -> String> RefNames for F {
    fn var_for(&self, task_id: &str) -> String {
        self(task_id)
    }
}

/// A variable: the referenced instance's result variable, or an environment lookup.
pub fn py_variable(var: &Variable, names: &dyn RefNames) -> String {
    match var {
        Variable::TaskReturn(id) => names.var_for(id),
        Variable::Env(name) => format!("os.environ[{}]", py_str(name)),
    }
}

/// A bound value written at a position whose line is indented by `indent` levels: nested
/// collections are exploded one item per line, closing bracket back at `indent`.
pub fn py_value(value: &Value, indent: usize, names: &dyn RefNames) -> String {
    match value {
        Value::Literal(lit) => py_literal(lit),
        Value::Var(var) => py_variable(var, names),
        Value::Dict(entries) if entries.is_empty() => "{}".into(),
        Value::List(items) if items.is_empty() => "[]".into(),
        Value::Dict(entries) => {
            let inner = INDENT.repeat(indent + 1);
            let mut out = String::from("{\n");
            for (key, v) in entries {
                out.push_str(&format!(
                    "{inner}{}: {},\n",
                    py_str(key),
                    py_value(&v.value, indent + 1, names)
                ));
            }
            out.push_str(&INDENT.repeat(indent));
            out.push('}');
            out
        }
        Value::List(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|v| py_value(&v.value, indent + 1, names))
                .collect();
            exploded_list(&items, indent)
        }
    }
}

/// `[` + one already-rendered item per line + `]`, for a list starting on a line indented by
/// `indent` levels. Empty lists stay `[]`.
pub fn exploded_list(items: &[String], indent: usize) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let inner = INDENT.repeat(indent + 1);
    let mut out = String::from("[\n");
    for item in items {
        out.push_str(&format!("{inner}{item},\n"));
    }
    out.push_str(&INDENT.repeat(indent));
    out.push(']');
    out
}

/// `name(` + one already-rendered argument per line + `)`: the layout ruff keeps for a call
/// with a trailing comma. A call without arguments is `name()`.
pub fn exploded_call(callee: &str, args: &[String], indent: usize) -> String {
    if args.is_empty() {
        return format!("{callee}()");
    }
    let inner = INDENT.repeat(indent + 1);
    let mut out = format!("{callee}(\n");
    for arg in args {
        out.push_str(&format!("{inner}{arg},\n"));
    }
    out.push_str(&INDENT.repeat(indent));
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_follow_python_repr() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (1e16, "1e16"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e16"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (123.456, "123.456"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e300, "1e300"),
            (5e-324, "5e-324"),
            (f64::INFINITY, "float(\"inf\")"),
            (f64::NEG_INFINITY, "float(\"-inf\")"),
            (f64::NAN, "float(\"nan\")"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float(f), want, "{f:?}");
        }
    }

    #[test]
    fn strings_follow_ruff_quotes() {
        assert_eq!(py_str("abc"), "\"abc\"");
        assert_eq!(py_str("it's"), "\"it's\"");
        assert_eq!(py_str("say \"hi\""), "'say \"hi\"'");
        assert_eq!(py_str("a\"b'c"), "\"a\\\"b'c\"");
        assert_eq!(py_str("l1\nl2\t\\"), "\"l1\\nl2\\t\\\\\"");
        assert_eq!(py_str("é ü 日本"), "\"é ü 日本\"");
        assert_eq!(
            py_str("\u{0}\u{7f}\u{200b}\u{202e}"),
            "\"\\x00\\x7f\\u200b\\u202e\""
        );
        assert_eq!(py_str("\u{10ffff}"), "\"\\U0010ffff\"");
    }

    fn sp(v: Value) -> crate::spec::model::Spanned<Value> {
        crate::spec::model::Spanned::new(v, Default::default())
    }

    #[test]
    fn nested_values_explode() {
        let value = Value::Dict(vec![
            ("a".into(), sp(Value::Literal(Literal::Int(1)))),
            (
                "b\"".into(),
                sp(Value::List(vec![
                    sp(Value::Var(Variable::TaskReturn("up".into()))),
                    sp(Value::Var(Variable::Env("HOME".into()))),
                    sp(Value::List(vec![])),
                    sp(Value::Dict(vec![(
                        "x".into(),
                        sp(Value::Literal(Literal::Null)),
                    )])),
                ])),
            ),
            ("c".into(), sp(Value::Literal(Literal::Bool(true)))),
            ("d".into(), sp(Value::Literal(Literal::Float(2.5e-8)))),
        ]);
        let names = |id: &str| format!("{id}_var");
        let want = r#"{
        "a": 1,
        'b"': [
            up_var,
            os.environ["HOME"],
            [],
            {
                "x": None,
            },
        ],
        "c": True,
        "d": 2.5e-08,
    }"#;
        assert_eq!(py_value(&value, 1, &names), want);
        assert_eq!(py_value(&Value::Dict(vec![]), 3, &names), "{}");
    }
}
