//! JSON values as Python's `jsonschema` 4.26 sees them once `json.loads` has built them: its
//! type checks (`_types.draft202012_type_checker`), its equality (`_utils.equal`, where `True`
//! is not `1`) and number comparisons, which are exact between integers and follow floats
//! otherwise.

use serde_json::{Number, Value as Json};
use std::cmp::Ordering;

/// Whether `instance` is of the JSON Schema type `name`. `integer` accepts floats with no
/// fractional part (`1.0`), as Python's checker does; booleans are never numbers. An unknown
/// name matches nothing (the meta-schema check reports it).
pub fn is_type(instance: &Json, name: &str) -> bool {
    match name {
        "array" => instance.is_array(),
        "boolean" => instance.is_boolean(),
        "null" => instance.is_null(),
        "number" => instance.is_number(),
        "object" => instance.is_object(),
        "string" => instance.is_string(),
        "integer" => match instance {
            Json::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => false,
    }
}

/// `_utils.equal`: structural equality where booleans differ from numbers, `1 == 1.0`, and
/// objects compare regardless of key order.
pub fn equal(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => compare(x, y) == Some(Ordering::Equal),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(i, j)| equal(i, j))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// `_utils.uniq`: no two items are [`equal`].
pub fn unique(items: &[Json]) -> bool {
    items
        .iter()
        .enumerate()
        .all(|(i, a)| items[i + 1..].iter().all(|b| !equal(a, b)))
}

/// Orders two numbers as Python orders `int` and `float`: integers exactly, anything with a
/// float as floats.
pub fn compare(a: &Number, b: &Number) -> Option<Ordering> {
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

fn integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// `instance` compared with the keyword value `limit`, when both are numbers.
pub fn compare_values(instance: &Json, limit: &Json) -> Option<Ordering> {
    compare(instance.as_number()?, limit.as_number()?)
}

/// Whether `keyword` (`multipleOf`) fails for `instance`: a float divisor divides as floats
/// and checks the quotient is whole (falling back to exact arithmetic when the quotient
/// overflows, as Python does with `Fraction`); an integer divisor takes the remainder.
pub fn not_a_multiple(instance: &Number, divisor: &Number) -> bool {
    if divisor.is_f64() {
        let (x, d) = (
            instance.as_f64().unwrap_or(0.0),
            divisor.as_f64().unwrap_or(1.0),
        );
        let quotient = x / d;
        if quotient.is_finite() {
            return quotient.trunc() != quotient;
        }
        return !exactly_divides(d, x);
    }
    match (integer(instance), integer(divisor)) {
        (_, Some(0)) => false,
        (Some(x), Some(d)) => x % d != 0,
        _ => {
            let (x, d) = (
                instance.as_f64().unwrap_or(0.0),
                divisor.as_f64().unwrap_or(1.0),
            );
            x % d != 0.0
        }
    }
}

/// Whether `x / d` is a whole number, computed exactly on the binary fractions the two floats
/// are (`m · 2^e` with `m` odd). Only reached when the float quotient overflows, so the
/// quotient's power of two is positive and only the odd parts decide.
fn exactly_divides(d: f64, x: f64) -> bool {
    let odd = |f: f64| {
        let bits = f.abs().to_bits();
        let exponent = (bits >> 52) & 0x7ff;
        let fraction = bits & ((1 << 52) - 1);
        let mantissa = if exponent == 0 {
            fraction
        } else {
            fraction | (1 << 52)
        };
        if mantissa == 0 {
            0
        } else {
            mantissa >> mantissa.trailing_zeros()
        }
    };
    let (md, mx) = (odd(d), odd(x));
    md != 0 && mx % md == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn booleans_are_not_numbers_and_whole_floats_are_integers() {
        assert!(is_type(&json!(1.0), "integer"));
        assert!(!is_type(&json!(1.5), "integer"));
        assert!(!is_type(&json!(true), "integer"));
        assert!(!is_type(&json!(false), "number"));
        assert!(!equal(&json!(true), &json!(1)));
        assert!(equal(&json!([1, {"a": 2.0}]), &json!([1.0, {"a": 2}])));
        assert!(!unique(&[json!(1), json!(1.0)]));
        assert!(unique(&[json!(1), json!(true)]));
    }

    #[test]
    fn multiples_follow_python() {
        let n = |v: Json| v.as_number().unwrap().clone();
        assert!(not_a_multiple(&n(json!(7)), &n(json!(3))));
        assert!(!not_a_multiple(&n(json!(9)), &n(json!(3))));
        assert!(!not_a_multiple(&n(json!(4.5)), &n(json!(1.5))));
        assert!(not_a_multiple(&n(json!(0.3)), &n(json!(0.1))));
        // 1e308 / 0.5 overflows; 1e308 is whole, so it is a multiple of 0.5.
        assert!(!not_a_multiple(&n(json!(1e308)), &n(json!(0.5))));
    }
}
