//! Python `repr()` of JSON values.
//!
//! Validation messages cross the process boundary as `wt_contracts.ValidationErrorItem`s and
//! the published Python implementation builds them with f-strings such as
//! `f"{instance!r} is not of type 'integer'"`. Clients (forms, tests, people reading 422
//! bodies) see those strings, so we render values exactly as Python would: single-quoted
//! strings, `True`/`False`/`None`, `{'k': v}` dicts and Python's float formatting.

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
                let cp = c as u32;
                if cp <= 0xff {
                    out.push_str(&format!("\\x{cp:02x}"));
                } else if cp <= 0xffff {
                    out.push_str(&format!("\\u{cp:04x}"));
                } else {
                    out.push_str(&format!("\\U{cp:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// An approximation of Python's `str.isprintable()` for a single character: control
/// characters, separators other than the ASCII space, format characters and private-use code
/// points are escaped.
fn is_printable(c: char) -> bool {
    let cp = c as u32;
    !(cp < 0x20
        || (0x7f..=0xa0).contains(&cp)
        || cp == 0xad
        || cp == 0x1680
        || (0x2000..=0x200f).contains(&cp)
        || (0x2028..=0x202f).contains(&cp)
        || (0x205f..=0x206f).contains(&cp)
        || cp == 0x3000
        || cp == 0xfeff
        || (0xe000..=0xf8ff).contains(&cp)
        || (0xfff9..=0xfffb).contains(&cp)
        || cp >= 0xf0000)
}

/// Python's `repr(float)`: the shortest round-tripping digits, positional notation when the
/// decimal exponent is in `-4..16` (always with a fractional part), scientific otherwise with
/// a signed, at least two-digit exponent (`1e-05`, `1e+16`).
pub fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits, e.g. "-1.5e-7", "1e16".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push_str(&digits);
                out.push_str(&"0".repeat(int_len - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
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
