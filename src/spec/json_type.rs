//! Just enough of a JSON schema's meaning to compare the two ends of an edge.
//!
//! The edge checks (see `edges.rs`) ask three questions of a task's return schema and of a
//! parameter's schema: which JSON kinds can a value take (object, array, string, number,
//! boolean, null), what are an array's elements, and how should the type read in an error.
//! `$ref`s into the document's `$defs`, `anyOf`/`oneOf` unions and `allOf` intersections are
//! followed; anything this module does not understand is "any kind", so an unusual schema is
//! never reported as a mismatch. pydantic's integers and floats are one kind (`number`): a
//! task returning `int` may feed a `float` parameter.

use serde_json::Value as Json;

/// The JSON kinds a value may take, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds(u8);

impl Kinds {
    pub const OBJECT: Kinds = Kinds(1);
    pub const ARRAY: Kinds = Kinds(2);
    pub const STRING: Kinds = Kinds(4);
    pub const NUMBER: Kinds = Kinds(8);
    pub const BOOLEAN: Kinds = Kinds(16);
    pub const NULL: Kinds = Kinds(32);
    pub const NONE: Kinds = Kinds(0);
    pub const ANY: Kinds = Kinds(63);

    pub fn contains(self, other: Kinds) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: Kinds) -> bool {
        self.0 & other.0 != 0
    }

    fn union(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }

    fn intersection(self, other: Kinds) -> Kinds {
        Kinds(self.0 & other.0)
    }

    fn of_type_name(name: &str) -> Kinds {
        match name {
            "object" => Kinds::OBJECT,
            "array" => Kinds::ARRAY,
            "string" => Kinds::STRING,
            "number" | "integer" => Kinds::NUMBER,
            "boolean" => Kinds::BOOLEAN,
            "null" => Kinds::NULL,
            _ => Kinds::ANY,
        }
    }

    fn of_value(v: &Json) -> Kinds {
        match v {
            Json::Null => Kinds::NULL,
            Json::Bool(_) => Kinds::BOOLEAN,
            Json::Number(_) => Kinds::NUMBER,
            Json::String(_) => Kinds::STRING,
            Json::Array(_) => Kinds::ARRAY,
            Json::Object(_) => Kinds::OBJECT,
        }
    }
}

/// The elements of an array type.
pub enum Elements<'a> {
    /// `items`: every element has this type.
    Uniform(Typed<'a>),
    /// `prefixItems` without further items: a tuple of exactly these types.
    Tuple(Vec<Typed<'a>>),
    /// Nothing said about the elements.
    Unknown,
}

/// The key discovery adds to a schema node that is a pandera frame: its model and columns
/// (`super::frames`).
pub const FRAME_KEY: &str = "x-wt-frame";

/// "Any value": what a missing or unreadable schema means.
static ANYTHING: Json = Json::Bool(true);

/// Deepest chain of `$ref`s and nested unions followed before giving up (as "any").
const MAX_DEPTH: usize = 32;

/// A schema node and the document whose `$defs` its `$ref`s point into.
#[derive(Clone, Copy)]
pub struct Typed<'a> {
    node: &'a Json,
    root: &'a Json,
}

impl<'a> Typed<'a> {
    /// The whole document `root`; `None` (a schema that could not be made) is any type.
    pub fn of(root: Option<&'a Json>) -> Typed<'a> {
        let root = root.unwrap_or(&ANYTHING);
        Typed { node: root, root }
    }

    /// The schema node itself.
    pub fn schema(self) -> &'a Json {
        self.node
    }

    pub(super) fn at(self, node: &'a Json) -> Typed<'a> {
        Typed {
            node,
            root: self.root,
        }
    }

    pub(super) fn get(self, key: &str) -> Option<&'a Json> {
        self.node.get(key)
    }

    /// The `$defs` entry a `$ref` names, or `None` when this node is not a reference.
    fn referenced(self) -> Option<(&'a str, Typed<'a>)> {
        let r = self.get("$ref")?.as_str()?;
        let name = r
            .strip_prefix("#/$defs/")
            .or_else(|| r.strip_prefix("#/definitions/"))?;
        let target = self
            .root
            .get("$defs")
            .or_else(|| self.root.get("definitions"))
            .and_then(|d| d.get(name))
            .unwrap_or(&ANYTHING);
        Some((name, self.at(target)))
    }

    /// Follows `$ref`s to the node that says something.
    pub(super) fn resolved(self) -> Typed<'a> {
        let mut t = self;
        for _ in 0..MAX_DEPTH {
            match t.referenced() {
                Some((_, target)) => t = target,
                None => return t,
            }
        }
        self.at(&ANYTHING)
    }

    fn union_members(self) -> Option<&'a Vec<Json>> {
        self.get("anyOf")
            .or_else(|| self.get("oneOf"))
            .and_then(Json::as_array)
    }

    /// The JSON kinds a value of this type may take.
    pub fn kinds(self) -> Kinds {
        self.kinds_at(0)
    }

    fn kinds_at(self, depth: usize) -> Kinds {
        if depth > MAX_DEPTH {
            return Kinds::ANY;
        }
        let t = self.resolved();
        let mut kinds = match t.get("type") {
            Some(Json::String(name)) => Kinds::of_type_name(name),
            Some(Json::Array(names)) => names
                .iter()
                .filter_map(Json::as_str)
                .fold(Kinds::NONE, |k, n| k.union(Kinds::of_type_name(n))),
            _ => {
                if let Some(v) = t.get("const") {
                    Kinds::of_value(v)
                } else if let Some(Json::Array(values)) = t.get("enum") {
                    values
                        .iter()
                        .fold(Kinds::NONE, |k, v| k.union(Kinds::of_value(v)))
                } else if t.union_members().is_some() || t.get("allOf").is_some() {
                    Kinds::ANY
                } else if t.get("properties").is_some() {
                    Kinds::OBJECT
                } else if t.get("items").is_some() || t.get("prefixItems").is_some() {
                    Kinds::ARRAY
                } else {
                    Kinds::ANY
                }
            }
        };
        if let Some(members) = t.union_members() {
            let union = members
                .iter()
                .fold(Kinds::NONE, |k, m| k.union(t.at(m).kinds_at(depth + 1)));
            kinds = kinds.intersection(union);
        }
        if let Some(Json::Array(parts)) = t.get("allOf") {
            for p in parts {
                kinds = kinds.intersection(t.at(p).kinds_at(depth + 1));
            }
        }
        kinds
    }

    /// The union's members, flattened (`[self]` when not a union).
    pub fn alternatives(self) -> Vec<Typed<'a>> {
        let mut out = Vec::new();
        self.collect_alternatives(0, &mut out);
        out
    }

    fn collect_alternatives(self, depth: usize, out: &mut Vec<Typed<'a>>) {
        let t = self.resolved();
        match t.union_members() {
            Some(members) if depth < MAX_DEPTH && t.get("type").is_none() => {
                for m in members {
                    t.at(m).collect_alternatives(depth + 1, out);
                }
            }
            // Unresolved, so a `$ref` keeps its name in messages.
            _ => out.push(self),
        }
    }

    /// The elements of this type where it is an array.
    pub fn elements(self) -> Elements<'a> {
        let t = self.resolved();
        let prefix = t.get("prefixItems").and_then(Json::as_array);
        let items = t.get("items");
        match (prefix, items) {
            (Some(prefix), None | Some(Json::Bool(false))) => {
                Elements::Tuple(prefix.iter().map(|p| t.at(p)).collect())
            }
            (None, Some(items)) if !items.is_boolean() => Elements::Uniform(t.at(items)),
            _ => Elements::Unknown,
        }
    }

    /// The type as an error message shows it, e.g. `array of [string, integer]`.
    pub fn display(self) -> String {
        self.display_at(0)
    }

    fn display_at(self, depth: usize) -> String {
        if depth > 4 {
            return "…".into();
        }
        if let Some(model) = self
            .get(FRAME_KEY)
            .and_then(|f| f.get("model"))
            .and_then(Json::as_str)
        {
            return format!("DataFrame[{model}]");
        }
        if let Some((name, _)) = self.referenced() {
            return name.to_string();
        }
        let alternatives = self.alternatives();
        if alternatives.len() > 1 {
            return alternatives
                .iter()
                .map(|a| a.display_at(depth + 1))
                .collect::<Vec<_>>()
                .join(" | ");
        }
        let t = self.resolved();
        if t.kinds() == Kinds::ANY {
            return "any".into();
        }
        if let Some(v) = t.get("const") {
            return format!("constant {v}");
        }
        match t.get("type").and_then(Json::as_str) {
            Some("array") => match t.elements() {
                Elements::Uniform(e) => format!("array of {}", e.display_at(depth + 1)),
                Elements::Tuple(parts) => format!(
                    "[{}]",
                    parts
                        .iter()
                        .map(|p| p.display_at(depth + 1))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Elements::Unknown => "array".into(),
            },
            Some("object") => match t.get("additionalProperties") {
                Some(v @ Json::Object(_)) if t.get("properties").is_none() => {
                    format!("mapping of string to {}", t.at(v).display_at(depth + 1))
                }
                _ => t
                    .get("title")
                    .and_then(Json::as_str)
                    .filter(|_| t.get("properties").is_some())
                    .map_or("object".into(), str::to_string),
            },
            Some(name) => name.to_string(),
            None => {
                let kinds = t.kinds();
                let names: Vec<&str> = [
                    (Kinds::OBJECT, "object"),
                    (Kinds::ARRAY, "array"),
                    (Kinds::STRING, "string"),
                    (Kinds::NUMBER, "number"),
                    (Kinds::BOOLEAN, "boolean"),
                    (Kinds::NULL, "null"),
                ]
                .into_iter()
                .filter(|(k, _)| kinds.contains(*k))
                .map(|(_, n)| n)
                .collect();
                names.join(" | ")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kinds(schema: Json) -> Kinds {
        Typed::of(Some(&schema)).kinds()
    }

    #[test]
    fn kinds_follow_refs_unions_and_enums() {
        assert_eq!(kinds(json!({"type": "integer"})), Kinds::NUMBER);
        assert_eq!(
            kinds(json!({"anyOf": [{"type": "string"}, {"type": "null"}]})),
            Kinds(Kinds::STRING.0 | Kinds::NULL.0)
        );
        assert_eq!(
            kinds(
                json!({"$ref": "#/$defs/M", "$defs": {"M": {"type": "object", "properties": {}}}})
            ),
            Kinds::OBJECT
        );
        assert_eq!(kinds(json!({"enum": ["a", "b"]})), Kinds::STRING);
        assert_eq!(kinds(json!({})), Kinds::ANY);
        assert_eq!(kinds(json!({"$ref": "#/$defs/Missing"})), Kinds::ANY);
        assert_eq!(
            kinds(json!({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}})),
            Kinds::ANY
        );
    }

    #[test]
    fn displays_read_like_types() {
        let pairs = json!({"type": "array", "items": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "maxItems": 2, "minItems": 2}});
        assert_eq!(
            Typed::of(Some(&pairs)).display(),
            "array of [string, integer]"
        );
        let mapping = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        assert_eq!(
            Typed::of(Some(&mapping)).display(),
            "mapping of string to integer"
        );
        let optional = json!({"anyOf": [{"$ref": "#/$defs/Row"}, {"type": "null"}], "$defs": {"Row": {"type": "object"}}});
        assert_eq!(Typed::of(Some(&optional)).display(), "Row | null");
    }
}
