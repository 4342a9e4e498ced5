//! Serde mirrors of the `wt-contracts` JSON shapes that cross the process boundary.
//!
//! `wt-registry --format json` prints a [`RegistryOutput`]; unknown keys are ignored (as the
//! pydantic models do) so newer registries stay readable.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The whole registry: fully qualified name -> entry, in registration order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RegistryOutput {
    pub entries: IndexMap<String, RegistryEntry>,
    #[serde(default = "default_version")]
    pub version: String,
}

fn default_version() -> String {
    "1.0.0".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryEntry {
    pub metadata: RegistryMetadata,
    pub module_path: String,
    pub public_module_path: String,
    pub function_name: String,
    pub import_statement: String,
    pub json_schema: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RegistryMetadata {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub deprecation_message: Option<String>,
}

/// `result.json`, the output of every workflow run however it was invoked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ResultJson {
    pub result: serde_json::Value,
    pub error: Option<String>,
    pub trace: Option<String>,
}

/// One jsonschema-native validation error (`wt_contracts.ValidationErrorItem`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationErrorItem {
    pub message: String,
    pub path: Vec<serde_json::Value>,
    pub schema_path: Vec<serde_json::Value>,
    pub validator: Option<String>,
    pub input: serde_json::Value,
}

/// What wt's introspection program (`src/steps/introspect.py`) reports: every registered
/// task's full signature, including the parameters its registry schema hides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Signatures {
    pub version: u32,
    /// Fully qualified name (the registry's key) -> signature, in registration order.
    pub tasks: IndexMap<String, TaskSignature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TaskSignature {
    pub parameters: Vec<Parameter>,
    /// JSON schema of the return annotation (serialization mode); `None` when pydantic cannot
    /// express it, which the edge checks read as "any type".
    pub return_schema: Option<serde_json::Value>,
}

/// One parameter of a task function, as `inspect.signature` sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub kind: ParameterKind,
    pub has_default: bool,
    /// Missing from the registry schema's `properties` (`Field(exclude=True)`): never in a
    /// form, so the spec must bind it (when it has no default).
    pub hidden: bool,
    /// Its `Annotated` metadata holds a validator that sees the raw value first (such as
    /// `SkippedDependencyFallback`), so it can take a skipped upstream's sentinel.
    #[serde(default)]
    pub skip_fallback: bool,
    /// JSON schema of its annotation (validation mode); `None` when pydantic cannot express it.
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
}

/// `inspect.Parameter.kind`, lower-cased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParameterKind {
    PositionalOnly,
    PositionalOrKeyword,
    VarPositional,
    KeywordOnly,
    VarKeyword,
}

impl Parameter {
    /// Whether a spec can bind it by name (`partial`, argnames): not `*args`/`**kwargs`, not
    /// positional-only.
    pub fn bindable(&self) -> bool {
        matches!(
            self.kind,
            ParameterKind::PositionalOrKeyword | ParameterKind::KeywordOnly
        )
    }
}

impl TaskSignature {
    /// The signature a registry schema alone implies: its `properties`, none hidden, no return
    /// type. Used where no introspection output exists (registries saved by other tools).
    pub fn from_registry_schema(schema: &serde_json::Value) -> TaskSignature {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(serde_json::Value::as_array)
            .map(|r| r.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        let parameters = schema
            .get("properties")
            .and_then(serde_json::Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .map(|(name, s)| Parameter {
                        name: name.clone(),
                        kind: ParameterKind::PositionalOrKeyword,
                        has_default: !required.contains(&name.as_str()),
                        hidden: false,
                        skip_fallback: false,
                        schema: Some(s.clone()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        TaskSignature {
            parameters,
            return_schema: None,
        }
    }

    /// Whether it takes `**kwargs`, so any name can be bound.
    pub fn accepts_any_keyword(&self) -> bool {
        self.parameters
            .iter()
            .any(|p| p.kind == ParameterKind::VarKeyword)
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name == name && p.bindable())
    }
}
