//! Which instances take a data connection (the generated
//! `metadata.get_data_connection_property_names` of wt-compiler 0.10.3; docs/compatibility.md,
//! “Data connections”).
//!
//! A platform hosting workflows fills credentials for data sources (EarthRanger, SMART, ...)
//! itself; it finds where they go by looking for definitions named `<Kind>Connection` in the
//! parameter schema. This is the same walk the generated `metadata.py` does, computed once at
//! compile time so the runner and tools can use it without Python.

use super::refs::def_name;
use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value as Json};

const SUFFIX: &str = "Connection";

/// `{<kind>: [instance ids…]}` for params.json: for every instance schema, every `$ref` reachable
/// from it (through any nested keyword, following definitions in `$defs`, cycle-safe) whose
/// definition name ends in `Connection` adds the instance under the name minus that suffix. A
/// definition named exactly `Connection` is not a kind, only walked. Kinds are sorted within an
/// instance and appear in first-use order; ids follow params order. References to missing
/// definitions are tolerated (a connection name still counts, there is just nothing to walk).
pub fn data_connection_property_names(params: &Json) -> Json {
    let empty = Map::new();
    let defs = params
        .get("$defs")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let mut out: IndexMap<String, Vec<String>> = IndexMap::new();
    let Some(instances) = params.get("properties").and_then(Json::as_object) else {
        return Json::Object(Map::new());
    };
    for (id, schema) in instances {
        if schema.get("properties").and_then(Json::as_object).is_none() {
            continue;
        }
        let mut kinds: Vec<String> = connection_kinds(schema, defs).into_iter().collect();
        kinds.sort();
        for kind in kinds {
            let ids = out.entry(kind).or_default();
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
    }
    Json::Object(
        out.into_iter()
            .map(|(k, ids)| (k, Json::from(ids)))
            .collect(),
    )
}

fn connection_kinds(schema: &Json, defs: &Map<String, Json>) -> IndexSet<String> {
    let mut kinds = IndexSet::new();
    let mut visited: IndexSet<String> = IndexSet::new();
    let mut stack: Vec<&Json> = vec![schema];
    while let Some(node) = stack.pop() {
        match node {
            Json::Object(map) => {
                for (k, v) in map {
                    if k == "$ref"
                        && let Some(name) = v.as_str().and_then(def_name)
                    {
                        if let Some(kind) = name.strip_suffix(SUFFIX).filter(|k| !k.is_empty()) {
                            kinds.insert(kind.to_string());
                        }
                        if visited.insert(name.clone())
                            && let Some(def) = defs.get(&name)
                        {
                            stack.push(def);
                        }
                    } else {
                        stack.push(v);
                    }
                }
            }
            Json::Array(items) => stack.extend(items.iter()),
            _ => {}
        }
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(params: Json) -> Json {
        data_connection_property_names(&params)
    }

    #[test]
    fn direct_nested_and_behind_anyof_or_items() {
        assert_eq!(
            names(json!({
                "properties": {
                    "direct": {"properties": {"client": {"$ref": "#/$defs/EarthRangerConnection"}}},
                    "nested": {"properties": {"c": {"$ref": "#/$defs/Outer"}}},
                    "optional": {"properties": {"c": {"anyOf": [{"$ref": "#/$defs/EarthRangerConnection"}, {"type": "null"}]}}},
                    "listed": {"properties": {"cs": {"type": "array", "items": {"$ref": "#/$defs/Inner"}}}},
                    "none": {"properties": {"since": {"type": "string"}}}
                },
                "$defs": {
                    "Outer": {"properties": {"inner": {"$ref": "#/$defs/Inner"}}},
                    "Inner": {"properties": {"client": {"$ref": "#/$defs/SmartConnection"}}},
                    "EarthRangerConnection": {"type": "object"},
                    "SmartConnection": {"type": "object"}
                }
            })),
            json!({"EarthRanger": ["direct", "optional"], "Smart": ["nested", "listed"]})
        );
    }

    #[test]
    fn kinds_sorted_per_instance_and_listed_once() {
        assert_eq!(
            names(json!({
                "properties": {
                    "sync": {"properties": {
                        "dest": {"$ref": "#/$defs/SmartConnection"},
                        "source": {"$ref": "#/$defs/EarthRangerConnection"},
                        "again": {"$ref": "#/$defs/EarthRangerConnection"}
                    }}
                },
                "$defs": {"EarthRangerConnection": {}, "SmartConnection": {}}
            })),
            json!({"EarthRanger": ["sync"], "Smart": ["sync"]})
        );
    }

    #[test]
    fn cycles_terminate_and_missing_defs_are_tolerated() {
        assert_eq!(
            names(json!({
                "properties": {"ev": {"properties": {"a": {"$ref": "#/$defs/A"}, "m": {"$ref": "#/$defs/Missing"}}}},
                "$defs": {
                    "A": {"properties": {"b": {"$ref": "#/$defs/B"}, "self": {"$ref": "#/$defs/A"}}},
                    "B": {"properties": {"a": {"$ref": "#/$defs/A"}, "client": {"$ref": "#/$defs/EarthRangerConnection"}}}
                }
            })),
            json!({"EarthRanger": ["ev"]})
        );
    }

    #[test]
    fn bare_connection_is_walked_but_not_a_kind() {
        assert_eq!(
            names(json!({
                "properties": {
                    "a": {"properties": {"base": {"$ref": "#/$defs/Connection"}}},
                    "flag": {"type": "boolean"}
                },
                "$defs": {"Connection": {"properties": {"c": {"$ref": "#/$defs/EarthRangerConnection"}}}}
            })),
            json!({"EarthRanger": ["a"]})
        );
        assert_eq!(
            names(
                json!({"properties": {"a": {"properties": {"b": {"$ref": "#/$defs/Connection"}}}}})
            ),
            json!({})
        );
    }
}
