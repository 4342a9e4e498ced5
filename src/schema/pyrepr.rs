//! Python `repr()` of JSON values.
//!
//! Validation messages cross the process boundary as `wt_contracts.ValidationErrorItem`s and
//! the published Python implementation builds them with f-strings such as
//! `f"{instance!r} is not of type 'integer'"`. Clients (forms, tests, people reading 422
//! bodies) see those strings, so we render values exactly as Python would: single-quoted
//! strings, `True`/`False`/`None`, `{'k': v}` dicts and Python's float formatting.

use crate::pytext::py_float_repr;
use serde_json::Value as Json;

/// `repr(value)` for the Python object `json.loads` would build from `value`.
pub fn py_repr(value: &Json) -> String {
    let mut out = String::new();
    write_repr(value, &mut out);
    out
}

/// `repr(s)` for a Python `str`.
pub fn py_str_repr(s: &str) -> String {
    let mut out = String::new();
    write_str_repr(s, &mut out);
    out
}

fn write_repr(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("None"),
        Json::Bool(true) => out.push_str("True"),
        Json::Bool(false) => out.push_str("False"),
        Json::Number(n) => {
            if n.is_f64() {
                out.push_str(&py_float_repr(n.as_f64().unwrap_or(f64::NAN)));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Json::String(s) => write_str_repr(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(k, out);
                out.push_str(": ");
                write_repr(v, out);
            }
            out.push('}');
        }
    }
}

/// Python picks double quotes only when the text has a `'` and no `"`.
fn write_str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    crate::pytext::write_escaped(s, quote, out);
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_render_like_python() {
        assert_eq!(py_repr(&json!(null)), "None");
        assert_eq!(py_repr(&json!(true)), "True");
        assert_eq!(py_repr(&json!(false)), "False");
        assert_eq!(py_repr(&json!(42)), "42");
        assert_eq!(py_repr(&json!(-7)), "-7");
        assert_eq!(py_repr(&json!("x")), "'x'");
    }

    #[test]
    fn floats_render_like_python() {
        for (f, want) in [
            (1.0, "1.0"),
            (2.5, "2.5"),
            (-0.0, "-0.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.25e100, "1.25e+100"),
            (123456.789, "123456.789"),
            (0.1, "0.1"),
        ] {
            assert_eq!(py_float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn strings_pick_quotes_and_escape_like_python() {
        assert_eq!(py_str_repr("it's"), "\"it's\"");
        assert_eq!(py_str_repr("say \"hi\""), "'say \"hi\"'");
        assert_eq!(py_str_repr("both ' and \""), "'both \\' and \"'");
        assert_eq!(py_str_repr("a\\b"), "'a\\\\b'");
        assert_eq!(py_str_repr("x\ny\u{e9}\u{a0}\u{7f}"), "'x\\nyé\\xa0\\x7f'");
        assert_eq!(py_str_repr("\u{200b}"), "'\\u200b'");
    }

    #[test]
    fn containers_render_like_python() {
        let v = json!({"a": [1, 2.5, 1e16, null, true], "b\"": "it's"});
        assert_eq!(
            py_repr(&v),
            "{'a': [1, 2.5, 1e+16, None, True], 'b\"': \"it's\"}"
        );
        assert_eq!(py_repr(&json!({})), "{}");
        assert_eq!(py_repr(&json!([])), "[]");
    }
}
