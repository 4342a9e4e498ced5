//! A tiny deterministic TOML writer for the generated manifests.
//!
//! The manifests only need `key = value` lines whose values are strings, numbers, booleans,
//! dates, arrays and inline tables, so they are written by hand: the output never depends on
//! a serializer's version or layout choices.

use super::Dependencies;
use crate::env::runtime;

/// A TOML key: bare when it is made of `A-Za-z0-9_-` only, else a quoted basic string.
pub fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { key.to_string() } else { toml_str(key) }
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value written inline: arrays as `[a, b]`, tables as `{ k = v, ... }`.
pub fn toml_inline(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => toml_str(s),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => toml_float(*f),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(d) => d.to_string(),
        toml::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(toml_inline).collect();
            format!("[{}]", items.join(", "))
        }
        toml::Value::Table(table) if table.is_empty() => "{}".into(),
        toml::Value::Table(table) => {
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort_by_key(|k| (key_rank(k), k.as_str()));
            let entries: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{} = {}", toml_key(k), toml_inline(&table[k.as_str()])))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

/// Inline-table keys of pixi dependency specs come in the order people write them (what,
/// then where from, then options); other keys follow alphabetically.
fn key_rank(key: &str) -> usize {
    const ORDER: &[&str] = &[
        "version",
        "channel",
        "build",
        "path",
        "editable",
        "git",
        "branch",
        "tag",
        "rev",
        "url",
        "subdirectory",
        "index",
        "extras",
    ];
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

fn toml_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        // Debug always keeps a `.0` or an exponent, as TOML floats require.
        format!("{f:?}")
    }
}

/// A `key = value` line of a dependency table: the key and the value as TOML.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub key: String,
    pub value: String,
}

/// The entries of a dependency table, in order.
fn entries(deps: &[(String, toml::Value)]) -> Vec<Entry> {
    deps.iter()
        .map(|(name, v)| Entry {
            key: toml_key(name),
            value: toml_inline(v),
        })
        .collect()
}

/// A string array written inline.
pub fn string_array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", items.join(", "))
}

/// What `pixi.toml.j2` needs. The manifest's shape (its tables, their order, the environments'
/// form) is the template's; this holds keys and values already written as TOML.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PixiContext {
    pub channels: String,
    pub platforms: String,
    pub conda: Vec<Entry>,
    pub pypi: Vec<Entry>,
    pub release_key: String,
    /// wt's features (see [`runtime::FEATURES`]), each a `[feature.<name>.pypi-dependencies]`
    /// table after its purpose, and an environment of its own.
    pub features: Vec<FeatureTable>,
    /// The image's build context (the Dockerfile installs this workspace with pixi).
    pub docker: super::DockerContext,
}

/// One of wt's pixi features.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeatureTable {
    /// The name as a TOML key.
    pub key: String,
    /// The name as a TOML string.
    pub name: String,
    /// Comment lines saying what the feature is for.
    pub purpose: Vec<String>,
    pub pypi: Vec<Entry>,
}

impl PixiContext {
    pub fn new(deps: &Dependencies, release_name: &str) -> PixiContext {
        PixiContext {
            channels: string_array(&deps.channels),
            platforms: string_array(&deps.platforms),
            conda: entries(&deps.conda),
            pypi: entries(&deps.pypi),
            release_key: toml_key(release_name),
            features: runtime::FEATURES.iter().map(feature_table).collect(),
            docker: deps.docker.clone(),
        }
    }
}

fn feature_table(f: &runtime::Feature) -> FeatureTable {
    let deps: Vec<(String, toml::Value)> = f
        .pypi
        .iter()
        .map(|(name, version, extras)| {
            let value = if extras.is_empty() {
                toml::Value::String(version.to_string())
            } else {
                let mut t = toml::map::Map::new();
                t.insert("version".into(), toml::Value::String(version.to_string()));
                let extras = extras.iter().map(|e| toml::Value::String(e.to_string()));
                t.insert("extras".into(), toml::Value::Array(extras.collect()));
                toml::Value::Table(t)
            };
            (name.to_string(), value)
        })
        .collect();
    FeatureTable {
        key: toml_key(f.name),
        name: toml_str(f.name),
        purpose: f.purpose.iter().map(|l| l.to_string()).collect(),
        pypi: entries(&deps),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_values() {
        let v: toml::Value = toml::from_str::<toml::Table>(
            "x = { path = \"../tasks\", editable = true, extras = [\"a\", \"b\"] }",
        )
        .unwrap()["x"]
            .clone();
        assert_eq!(
            toml_inline(&v),
            "{ path = \"../tasks\", editable = true, extras = [\"a\", \"b\"] }"
        );
        assert_eq!(toml_key("ruamel.yaml"), "\"ruamel.yaml\"");
        assert_eq!(toml_key("wt-task"), "wt-task");
        assert_eq!(toml_str("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\u0001\"");
        assert_eq!(toml_inline(&toml::Value::Float(1.0)), "1.0");
        assert_eq!(toml_inline(&toml::Value::Float(f64::NEG_INFINITY)), "-inf");
    }
}
