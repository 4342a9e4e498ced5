//! Does a value of one JSON type fit a parameter of another, and if not, where inside it?
//!
//! Kinds (object, array, string, …) are compared first, then shapes, as deep as both sides
//! say something: array elements (`list[tuple]` cannot feed `list[dict]`), tuple arity,
//! properties a model requires that a closed producer model lacks, property and mapping value
//! types, and the columns of pandera data frames (`super::frames`). Only certain misfits are
//! reported: a union fits when any of its members may; unknown types fit everything; an array
//! of unknown length feeding a tuple is checked element by element but never for length.

use super::frames;
use super::json_type::{Elements, Kinds, Typed};
use super::lints::Lint;
use serde_json::Value as Json;

/// How deep nested shapes are compared (recursive models stop here, as "fits").
const MAX_DEPTH: usize = 12;

/// Why a value of the producer's type cannot be the consumer's.
#[derive(Debug, Clone, PartialEq)]
pub struct Misfit {
    /// Where inside the value, e.g. `[*].name` (empty for the value itself).
    pub path: String,
    /// What does not fit there.
    pub detail: String,
    /// The lint that reports it, for misfits that only some data triggers (`None`: an error).
    pub lint: Option<Lint>,
}

impl Misfit {
    fn at(mut self, segment: &str) -> Misfit {
        self.path = format!("{segment}{}", self.path);
        self
    }
}

/// The misfit of a `producer` value for a `consumer` parameter, or `None` when it may fit.
pub fn misfit(producer: Typed, consumer: Typed) -> Option<Misfit> {
    misfit_at(producer, consumer, 0)
}

fn misfit_at(p: Typed, c: Typed, depth: usize) -> Option<Misfit> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(verdict) = frame_misfit(p, c) {
        return verdict;
    }
    if !p.kinds().intersects(c.kinds()) {
        return Some(kind_misfit(p, c));
    }
    let producers = p.alternatives();
    let consumers = c.alternatives();
    let mut first = None;
    for pa in &producers {
        let mut fits_one = false;
        for ca in &consumers {
            match shape_misfit(*pa, *ca, depth) {
                None => {
                    fits_one = true;
                    break;
                }
                Some(m) => {
                    // The misfit between members of the same kind says the most.
                    if first.is_none() || pa.kinds().intersects(ca.kinds()) {
                        first = Some(m);
                    }
                }
            }
        }
        // A producer member that may fit makes the edge possible.
        if fits_one {
            return None;
        }
    }
    if producers.len() == 1 && consumers.len() == 1 {
        first
    } else {
        Some(kind_misfit(p, c))
    }
}

/// The columns' verdict when both sides are pandera frames (`None` when either is not).
fn frame_misfit(p: Typed, c: Typed) -> Option<Option<Misfit>> {
    frames::compare(p, c).map(|differs| {
        differs.map(|detail| Misfit {
            path: String::new(),
            detail,
            lint: Some(Lint::FrameColumns),
        })
    })
}

fn kind_misfit(p: Typed, c: Typed) -> Misfit {
    Misfit {
        path: String::new(),
        detail: format!("{} cannot be {}", p.display(), c.display()),
        lint: None,
    }
}

/// One member of the producer's type against one of the consumer's.
fn shape_misfit(p: Typed, c: Typed, depth: usize) -> Option<Misfit> {
    if let Some(verdict) = frame_misfit(p, c) {
        return verdict;
    }
    let (pk, ck) = (p.kinds(), c.kinds());
    if !pk.intersects(ck) {
        return Some(kind_misfit(p, c));
    }
    if Kinds::ARRAY.contains(pk) && ck.contains(Kinds::ARRAY) {
        return array_misfit(p, c, depth);
    }
    if Kinds::OBJECT.contains(pk) && ck.contains(Kinds::OBJECT) {
        return object_misfit(p, c, depth);
    }
    None
}

fn array_misfit(p: Typed, c: Typed, depth: usize) -> Option<Misfit> {
    let inner =
        |pe: Typed, ce: Typed, segment: &str| misfit_at(pe, ce, depth + 1).map(|m| m.at(segment));
    match (p.elements(), c.elements()) {
        (Elements::Tuple(ps), Elements::Tuple(cs)) if ps.len() != cs.len() => Some(Misfit {
            path: String::new(),
            detail: format!(
                "{} holds {} value{}, {} holds {}",
                p.display(),
                ps.len(),
                if ps.len() == 1 { "" } else { "s" },
                c.display(),
                cs.len()
            ),
            lint: None,
        }),
        (Elements::Tuple(ps), Elements::Tuple(cs)) => ps
            .iter()
            .zip(&cs)
            .enumerate()
            .find_map(|(i, (pe, ce))| inner(*pe, *ce, &format!("[{i}]"))),
        (Elements::Tuple(ps), Elements::Uniform(ce)) => ps
            .iter()
            .enumerate()
            .find_map(|(i, pe)| inner(*pe, ce, &format!("[{i}]"))),
        (Elements::Uniform(pe), Elements::Uniform(ce)) => inner(pe, ce, "[*]"),
        (Elements::Uniform(pe), Elements::Tuple(cs)) => cs
            .iter()
            .enumerate()
            .find_map(|(i, ce)| inner(pe, *ce, &format!("[{i}]"))),
        _ => None,
    }
}

fn object_misfit<'a>(p: Typed<'a>, c: Typed<'a>, depth: usize) -> Option<Misfit> {
    let (pr, cr) = (p.resolved(), c.resolved());
    let props = |t: Typed<'a>| t.get("properties").and_then(Json::as_object);
    let (p_props, c_props) = (props(pr), props(cr));
    // A model's serialized value holds its fields and nothing else, unless it allows extras.
    let p_closed = p_props.is_some()
        && matches!(
            pr.get("additionalProperties"),
            None | Some(Json::Bool(false))
        );
    if let Some(required) = cr.get("required").and_then(Json::as_array) {
        for name in required.iter().filter_map(Json::as_str) {
            if p_closed && !p_props.is_some_and(|m| m.contains_key(name)) {
                return Some(Misfit {
                    path: String::new(),
                    detail: format!(
                        "{} has no `{name}`, which {} requires",
                        p.display(),
                        c.display()
                    ),
                    lint: None,
                });
            }
        }
    }
    if let (Some(pp), Some(cp)) = (p_props, c_props) {
        for (name, cs) in cp {
            if let Some(ps) = pp.get(name)
                && let Some(m) = misfit_at(pr.at(ps), cr.at(cs), depth + 1)
            {
                return Some(m.at(&format!(".{name}")));
            }
        }
    }
    let values = |t: Typed<'a>| t.get("additionalProperties").filter(|v| v.is_object());
    if p_props.is_none()
        && c_props.is_none()
        && let (Some(pv), Some(cv)) = (values(pr), values(cr))
    {
        return misfit_at(pr.at(pv), cr.at(cv), depth + 1).map(|m| m.at("{*}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(p: Json, c: Json) -> Option<(String, String)> {
        misfit(Typed::of(Some(&p)), Typed::of(Some(&c))).map(|m| (m.path, m.detail))
    }

    fn pair() -> Json {
        json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "maxItems": 2, "minItems": 2})
    }

    fn row() -> Json {
        json!({"type": "object", "title": "Row", "properties": {"name": {"type": "string"}, "score": {"type": "integer"}}, "required": ["name", "score"]})
    }

    #[test]
    fn element_shapes_are_compared() {
        let tuples = json!({"type": "array", "items": pair()});
        let dicts = json!({"type": "array", "items": {"type": "object"}});
        assert_eq!(
            check(tuples.clone(), dicts),
            Some(("[*]".into(), "[string, integer] cannot be object".into()))
        );
        assert_eq!(check(tuples.clone(), tuples.clone()), None);
        let triples =
            json!({"type": "array", "items": {"type": "array", "prefixItems": [{}, {}, {}]}});
        assert_eq!(
            check(tuples, triples),
            Some((
                "[*]".into(),
                "[string, integer] holds 2 values, [any, any, any] holds 3".into()
            ))
        );
    }

    #[test]
    fn required_properties_of_closed_models_and_property_types() {
        let partial = json!({"type": "object", "title": "Partial", "properties": {"name": {"type": "string"}}});
        assert_eq!(
            check(partial, row()),
            Some((
                "".into(),
                "Partial has no `score`, which Row requires".into()
            ))
        );
        // A mapping, or a model allowing extras, may hold the property.
        let open = json!({"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": true});
        assert_eq!(check(open, row()), None);
        assert_eq!(check(json!({"type": "object"}), row()), None);
        let wrong = json!({"type": "object", "properties": {"name": {"type": "string"}, "score": {"type": "string"}}});
        assert_eq!(
            check(wrong, row()),
            Some((".score".into(), "string cannot be integer".into()))
        );
        let ints = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        let strs = json!({"type": "object", "additionalProperties": {"type": "string"}});
        assert_eq!(
            check(ints, strs),
            Some(("{*}".into(), "integer cannot be string".into()))
        );
    }

    #[test]
    fn unions_fit_when_any_member_may() {
        let maybe = json!({"anyOf": [pair(), {"type": "object"}]});
        assert_eq!(check(maybe, json!({"type": "object"})), None);
        let optional_row = json!({"anyOf": [row(), {"type": "null"}]});
        assert_eq!(check(row(), optional_row), None);
        assert_eq!(check(json!({}), row()), None);
        assert_eq!(
            check(json!({"type": "integer"}), json!({"type": "number"})),
            None
        );
    }

    #[test]
    fn recursive_models_end() {
        let tree = json!({"$ref": "#/$defs/T", "$defs": {"T": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/T"}}}}}});
        assert_eq!(check(tree.clone(), tree), None);
    }
}
