//! Local `$ref`s into `$defs`: finding, following and renaming them.
//!
//! Registry schemas (pydantic) describe model-typed parameters as `{"$ref": "#/$defs/Name"}`
//! with the model in the function schema's own `$defs`. Hoisting those definitions to the top
//! of params.json / rjsf.json, and walking them for data connections, all need the same small
//! set of operations, kept here so every caller agrees on what counts as a reference.

use indexmap::IndexSet;
use serde_json::{Map, Value as Json};

const DEFS_PREFIX: &str = "#/$defs/";

/// `node`, or what its local `$ref` points at in `root` (followed up to 32 times, so a cycle
/// of references ends).
pub fn follow<'a>(root: &'a Json, mut node: &'a Json) -> &'a Json {
    for _ in 0..32 {
        match node
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(p))
        {
            Some(target) => node = target,
            None => break,
        }
    }
    node
}

/// The definition name a `$ref` string points at (`"#/$defs/A"` and `"#/$defs/A/properties/x"`
/// both give `A`), JSON-pointer unescaped. `None` for any other kind of reference.
pub fn def_name(reference: &str) -> Option<String> {
    let rest = reference.strip_prefix(DEFS_PREFIX)?;
    let segment = rest.split('/').next().unwrap_or(rest);
    Some(segment.replace("~1", "/").replace("~0", "~"))
}

fn escape_segment(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Every `$defs` name referenced anywhere inside `value` (any depth, any keyword), in
/// first-seen order.
pub fn direct_refs(value: &Json) -> IndexSet<String> {
    let mut out = IndexSet::new();
    collect(value, &mut out);
    out
}

fn collect(value: &Json, out: &mut IndexSet<String>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                if k == "$ref"
                    && let Some(name) = v.as_str().and_then(def_name)
                {
                    out.insert(name);
                }
                collect(v, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// Names reachable from `root` through `$ref`s, following each reached definition in `defs`
/// through all of its nested keys (not only `properties`), so that nothing a kept schema points
/// at is left dangling. Terminates on cyclic definitions. Names missing from `defs` are
/// included (the caller decides what a dangling reference means).
pub fn reachable_defs(root: &Json, defs: &Map<String, Json>) -> IndexSet<String> {
    let mut seen = IndexSet::new();
    let mut queue: Vec<String> = direct_refs(root).into_iter().collect();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(def) = defs.get(&name) {
            queue.extend(direct_refs(def).into_iter().filter(|n| !seen.contains(n)));
        }
    }
    seen
}

/// Rewrites, in place, every `$ref` into `$defs` whose name `rename` maps to something else.
pub fn rename_refs(value: &mut Json, rename: &dyn Fn(&str) -> Option<String>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "$ref"
                    && let Json::String(s) = v
                    && let Some(old) = def_name(s)
                    && let Some(new) = rename(&old)
                {
                    let rest = &s[DEFS_PREFIX.len()..];
                    let tail = rest.find('/').map_or("", |i| &rest[i..]);
                    *s = format!("{DEFS_PREFIX}{}{tail}", escape_segment(&new));
                    continue;
                }
                rename_refs(v, rename);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, rename)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn def_name_parses_local_defs_refs_only() {
        assert_eq!(def_name("#/$defs/A").as_deref(), Some("A"));
        assert_eq!(def_name("#/$defs/A/properties/x").as_deref(), Some("A"));
        assert_eq!(def_name("#/$defs/a~1b~0c").as_deref(), Some("a/b~c"));
        assert_eq!(def_name("#/definitions/A"), None);
        assert_eq!(def_name("other.json#/$defs/A"), None);
    }

    #[test]
    fn reachable_follows_all_nested_keys_and_survives_cycles() {
        let defs = json!({
            "A": {"properties": {"b": {"$ref": "#/$defs/B"}}},
            "B": {"anyOf": [{"items": {"$ref": "#/$defs/C"}}, {"additionalProperties": {"$ref": "#/$defs/D"}}]},
            "C": {"properties": {"a": {"$ref": "#/$defs/A"}}},
            "D": {"type": "string"},
            "Unused": {"type": "string"}
        });
        let root = json!({"properties": {"x": {"$ref": "#/$defs/A"}}});
        let got = reachable_defs(&root, defs.as_object().unwrap());
        let mut got: Vec<_> = got.into_iter().collect();
        got.sort();
        assert_eq!(got, ["A", "B", "C", "D"]);
    }

    #[test]
    fn rename_keeps_pointer_tail() {
        let mut v = json!({"a": {"$ref": "#/$defs/A/properties/x"}, "b": [{"$ref": "#/$defs/B"}]});
        rename_refs(&mut v, &|n| (n == "A").then(|| "A_2".to_string()));
        assert_eq!(
            v,
            json!({"a": {"$ref": "#/$defs/A_2/properties/x"}, "b": [{"$ref": "#/$defs/B"}]})
        );
    }
}
