//! spec.yaml: the model, its parser (with source positions) and its validation.

pub mod model;
pub mod resolved;
