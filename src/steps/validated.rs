//! The spec checked against what discovery found: the registry and the full signatures of the
//! tasks it names. Codegen and the fingerprint inputs need it; it runs once per target.

use super::BuildContext;
use super::target::TargetState;
use super::{REGISTRY_FILE, SIGNATURES_FILE};
use crate::cache::BlobRef;
use crate::diag::Rendered;
use crate::spec::validate::KnownTasks;
use anyhow::{Context, Result, anyhow};
use std::sync::Arc;

/// Validates the spec against the registry and signatures from the discover step (once per
/// target).
pub fn validate_workflow(ctx: &BuildContext, t: &TargetState) -> Result<()> {
    if t.workflow.get().is_some() {
        return Ok(());
    }
    let known = known_tasks(ctx, t)?;
    let wf = crate::schema::checked_workflow(t.spec(), &known)
        .map_err(|d| anyhow!(Rendered(t.file.render(&d))))?;
    let _ = t.workflow.set(wf);
    Ok(())
}

/// The discover step's outputs this target validates against: (registry, signatures) blobs.
fn discovery_blobs(t: &TargetState) -> Result<(BlobRef, BlobRef)> {
    let discover = t
        .result(super::DISCOVER)
        .context("validation needs discovery")?;
    let blob = |name: &str| {
        discover
            .manifest
            .outputs
            .get(name)
            .cloned()
            .with_context(|| format!("discovery produced no {name}"))
    };
    Ok((blob(REGISTRY_FILE)?, blob(SIGNATURES_FILE)?))
}

/// A digest of what discovery reported for this target (registry and signatures).
pub fn discovery_digest(t: &TargetState) -> Result<String> {
    let (registry, signatures) = discovery_blobs(t)?;
    Ok(format!("{}+{}", registry.digest, signatures.digest))
}

/// The discovered tasks, parsed once per distinct discovery output (many targets share one).
fn known_tasks(ctx: &BuildContext, t: &TargetState) -> Result<Arc<KnownTasks>> {
    let memo = discovery_digest(t)?;
    if let Some(k) = ctx.registries.lock().expect("registries").get(&memo) {
        return Ok(k.clone());
    }
    let registry: crate::contracts::RegistryOutput =
        serde_json::from_slice(&ctx.output(t, super::DISCOVER, REGISTRY_FILE)?)
            .context("the cached registry is not valid JSON")?;
    let signatures: crate::contracts::Signatures =
        serde_json::from_slice(&ctx.output(t, super::DISCOVER, SIGNATURES_FILE)?)
            .context("the cached signatures are not valid JSON")?;
    let k = Arc::new(KnownTasks::from_registry(&registry, &signatures));
    ctx.registries
        .lock()
        .expect("registries")
        .insert(memo, k.clone());
    Ok(k)
}
