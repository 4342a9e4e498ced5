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
