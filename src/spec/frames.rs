//! Data frames along edges: the columns of pandera-typed frames (`DataFrame[Model]` of a
//! `DataFrameModel`), as discovery records them beside the JSON schema (`x-wt-frame`: model
//! name, and per column its dtype, whether it is required, and whether the consumer coerces
//! it).
//!
//! A consumer's required column missing from the producer's model, or declared there with
//! another dtype the consumer does not coerce, fails pandera's validation when the frame
//! arrives. Both are the `frame-columns` lint (an error by default): a producer model that is
//! not `strict` may still carry the column at run time, so a workspace may lower the level.

use super::json_type::{FRAME_KEY, Typed};
use serde_json::Value as Json;

/// The frame a schema node describes, if it is one.
fn frame<'a>(t: Typed<'a>) -> Option<&'a Json> {
    t.get(FRAME_KEY).or_else(|| t.resolved().get(FRAME_KEY))
}

fn model(frame: &Json) -> String {
    let name = frame.get("model").and_then(Json::as_str).unwrap_or("frame");
    format!("`{name}`")
}

fn flag(column: &Json, key: &str) -> bool {
    column.get(key).and_then(Json::as_bool).unwrap_or(false)
}

/// `None` when either side is not a frame (the JSON schemas decide then); otherwise the
/// verdict of the columns: `Some(None)` when they agree, else what differs (a finding of the
/// `frame-columns` lint).
pub fn compare(producer: Typed, consumer: Typed) -> Option<Option<String>> {
    let (p, c) = (frame(producer)?, frame(consumer)?);
    let empty = serde_json::Map::new();
    let columns = |f: &'_ Json| f.get("columns").and_then(Json::as_object).cloned();
    let (pcols, ccols) = (
        columns(p).unwrap_or_else(|| empty.clone()),
        columns(c).unwrap_or(empty),
    );
    let mut missing = Vec::new();
    let mut retyped = Vec::new();
    for (name, cc) in &ccols {
        match pcols.get(name) {
            None if flag(cc, "required") => missing.push(format!("`{name}`")),
            None => {}
            Some(pc) => {
                let (pd, cd) = (pc.get("dtype"), cc.get("dtype"));
                if pd.is_some() && cd.is_some() && pd != cd && !flag(cc, "coerce") {
                    retyped.push(format!(
                        "`{name}` is {} there but {} here",
                        pd.and_then(Json::as_str).unwrap_or("?"),
                        cd.and_then(Json::as_str).unwrap_or("?")
                    ));
                }
            }
        }
    }
    if missing.is_empty() && retyped.is_empty() {
        return Some(None);
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "{} requires column{} {} that {} does not declare",
            model(c),
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            model(p)
        ));
    }
    if !retyped.is_empty() {
        parts.push(format!(
            "{} declares {} with another dtype ({}), and {} does not coerce it",
            model(p),
            if retyped.len() == 1 {
                "a column"
            } else {
                "columns"
            },
            retyped.join("; "),
            model(c)
        ));
    }
    Some(Some(parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame_schema(model: &str, columns: Json) -> Json {
        json!({"type": "array", "items": {"type": "object"}, FRAME_KEY: {"model": model, "columns": columns}})
    }

    fn col(dtype: &str) -> Json {
        json!({"dtype": dtype, "required": true})
    }

    #[test]
    fn missing_and_retyped_columns_are_named() {
        let p = frame_schema(
            "Fixes",
            json!({"time": col("datetime64[ns]"), "x": col("float64")}),
        );
        let c = frame_schema(
            "Track",
            json!({"time": col("datetime64[ns]"), "x": col("int64"), "animal": col("str")}),
        );
        let detail = compare(Typed::of(Some(&p)), Typed::of(Some(&c)))
            .unwrap()
            .unwrap();
        assert_eq!(
            detail,
            "`Track` requires column `animal` that `Fixes` does not declare; `Fixes` declares a column with another dtype (`x` is float64 there but int64 here), and `Track` does not coerce it"
        );
    }

    #[test]
    fn agreeing_optional_and_coerced_columns_fit() {
        let p = frame_schema("A", json!({"x": col("int64")}));
        let c = frame_schema(
            "B",
            json!({"x": {"dtype": "float64", "required": true, "coerce": true}, "note": {"dtype": "str", "required": false}}),
        );
        assert_eq!(
            compare(Typed::of(Some(&p)), Typed::of(Some(&c))),
            Some(None)
        );
        let plain = json!({"type": "array"});
        assert_eq!(compare(Typed::of(Some(&plain)), Typed::of(Some(&c))), None);
    }
}
