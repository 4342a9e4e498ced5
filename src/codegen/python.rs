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

/// Whether `s` can be written as a Python name (ASCII identifiers only, keywords excluded).
pub fn is_identifier(s: &str) -> bool {
    crate::spec::python::is_identifier(s) && !crate::spec::python::is_keyword(s)
}

/// A Python string literal for `s`, as ruff would format it.
pub fn py_str(s: &str) -> String {
    let doubles = s.chars().filter(|&c| c == '"').count();
    let singles = s.chars().filter(|&c| c == '\'').count();
    let quote = if doubles > singles { '\'' } else { '"' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    crate::pytext::write_escaped(s, quote, &mut out);
    out.push(quote);
    out
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
    // Python's repr, minus the `+` ruff drops from positive exponents (`1e+16` -> `1e16`).
    crate::pytext::py_float_repr(f).replace("e+", "e")
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

/// How variables are spelled: a task reference as the Python variable holding that
/// instance's result, an environment variable as a lookup (both overridable).
pub trait RefNames {
    fn var_for(&self, task_id: &str) -> String;

    fn env_for(&self, name: &str) -> String {
        format!("os.environ[{}]", py_str(name))
    }
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
        Variable::Env(name) => names.env_for(name),
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
