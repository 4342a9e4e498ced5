//! A workspace's files as `wt compile` would write them, without solving or discovering: the
//! task registry and signatures are the ones discovery reports for the example task library
//! (tests/fixtures/example-*.json, checked against real discovery by tests/e2e.rs).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use wt::contracts::{RegistryOutput, Signatures};
use wt::env::pypi::ResolvedPypi;
use wt::spec::model::Requirement;

pub fn registry() -> RegistryOutput {
    serde_json::from_str(include_str!("../fixtures/example-registry.json")).unwrap()
}

pub fn signatures() -> Signatures {
    serde_json::from_str(include_str!("../fixtures/example-signatures.json")).unwrap()
}

/// Every file of the workspace generated from `spec_text` (a spec in `spec_dir`) for
/// `platforms`, into its default folder name. Panics, with the errors, on an invalid spec.
pub fn generate(spec_text: &str, spec_dir: &Path, platforms: &[&str]) -> BTreeMap<String, String> {
    let wf = wt::check::check_text(
        "spec.yaml",
        spec_text,
        &registry(),
        &signatures(),
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("the spec in {} is invalid:\n{e}", spec_dir.display()))
    .workflow;
    let pypi: Vec<ResolvedPypi> = wf
        .spec
        .requirements
        .iter()
        .filter_map(|r| match r {
            Requirement::Pypi(p) => Some(ResolvedPypi::new(p, spec_dir)),
            Requirement::Conda(_) => None,
        })
        .collect();
    let release = wt::compile::release_name(wt::compile::DEFAULT_PREFIX, &wf.spec.id.value);
    let out = spec_dir.join(&release);
    wt::compile::generate(&wf, &pypi, &out, platforms)
        .unwrap()
        .files
}
