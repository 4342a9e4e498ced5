//! spec.yaml: the model, its parser (with source positions) and its validation.

pub mod edges;
pub mod fields;
pub mod frames;
pub mod json_fit;
pub mod json_type;
pub mod lints;
pub mod model;
pub mod parse;
pub mod pypi_grammar;
pub mod python;
pub mod requirements;
pub mod resolved;
pub mod shape;
pub mod validate;
pub mod variables;
