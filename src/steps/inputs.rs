//! The named inputs that rules list, and how each one's digest is computed.
//!
//! A step's cache key is a digest over exactly these values, so each must change when (and only
//! when) something the step reads changes, and none may contain absolute paths, timestamps or
//! host names.

use super::BuildContext;
use super::target::TargetState;
use crate::digest;
use crate::engine::rules::SOURCE_DIGEST;
use crate::env::runtime;
use anyhow::{Context, Result, bail};
use serde_json::json;

/// The digest of one named input for a target.
pub fn digest_of(name: &str, ctx: &BuildContext, t: &TargetState) -> Result<String> {
    if let Some(d) = ctx.build_wide_digest(name, || build_wide_digest_of(name, ctx)) {
        return Ok(d);
    }
    Ok(match name {
        "requirements" => digest::json(&crate::fingerprint::requirements_document(
            &t.head.requirements,
        )),
        "path-manifests" => {
            let mut parts = Vec::new();
            for p in &t.pypi {
                let Some(path) = &p.abs_path else { continue };
                for (f, d) in ctx.manifest_digests(path) {
                    parts.push(json!([p.req.name.value, f, d]));
                }
            }
            digest::json(&json!(parts))
        }
        "path-sources" => {
            let mut parts = Vec::new();
            for p in &t.pypi {
                if let Some(path) = &p.abs_path {
                    let tree = ctx.tree_digest(path).with_context(|| {
                        format!(
                            "cannot read the source of `{}` at {}",
                            p.req.name.value,
                            path.display()
                        )
                    })?;
                    parts.push(json!([p.req.name.value, tree]));
                }
            }
            digest::json(&json!(parts))
        }
        "fingerprint" => fingerprint(ctx, t)?.structural.clone(),
        "cosmetic" => fingerprint(ctx, t)?.cosmetic.clone(),
        "layout" => {
            let rel: Vec<serde_json::Value> = t
                .pypi
                .iter()
                .filter_map(|p| {
                    p.abs_path.as_ref().map(|a| {
                        json!([
                            p.req.name.value,
                            crate::env::pypi::relative_path(&t.out_dir, a)
                        ])
                    })
                })
                .collect();
            digest::json(
                &json!({"paths": rel, "release": t.out_dir.file_name().map(|n| n.to_string_lossy().into_owned())}),
            )
        }
        other => bail!("unknown rule input `{other}`"),
    })
}

/// The digest of an input that is the same for every target of a build (`None` for the
/// others), computed once per build.
fn build_wide_digest_of(name: &str, ctx: &BuildContext) -> Option<String> {
    Some(match name {
        "runtime" => digest::json(&json!({
            "pypi": runtime::PYPI,
            "features": runtime::FEATURES,
            "lock-format": runtime::LOCK_FORMAT
        })),
        "introspector" => digest::bytes(super::introspect::INTROSPECT_PY.as_bytes()),
        "platforms" => digest::json(&json!(ctx.conda.platform_names())),
        "wt-sources" => {
            digest::bytes(format!("{}:{}", env!("CARGO_PKG_VERSION"), SOURCE_DIGEST).as_bytes())
        }
        _ => return None,
    })
}

/// The workflow's fingerprints. Computing them means validating the spec against the registry
/// and hashing every task's schema, which dominates a no-op build; so they are remembered in
/// the cache under a digest of exactly what they are computed from (the spec text, the
/// discovery outputs and wt's sources, which include the fingerprint code). The memo holds
/// the lint findings of that validation too, so a cached build reports the same warnings.
fn fingerprint<'t>(
    ctx: &BuildContext,
    t: &'t TargetState,
) -> Result<&'t crate::fingerprint::Fingerprint> {
    if let Some(fp) = t.fingerprint.get() {
        return Ok(fp);
    }
    let discovered = super::validated::discovery_digest(t)?;
    let memo_key = digest::bytes(
        format!(
            "fingerprint-v2\n{}\n{}\n{}",
            SOURCE_DIGEST, discovered, t.file.text
        )
        .as_bytes(),
    );
    let memo = crate::cache::Layout(ctx.cache_root())
        .memo()
        .join(format!("{}.json", &memo_key[..32]));
    let remembered = crate::workspace::read_memo::<Validated>(&memo);
    let validated = match remembered {
        Some(v) => v,
        None => {
            super::validated::validate_workflow(ctx, t)?;
            let wf = t.workflow.get().expect("validated");
            let v = Validated {
                fingerprint: crate::fingerprint::fingerprint(wf),
                findings: wf.findings.clone(),
            };
            crate::workspace::write_memo(&memo, &serde_json::to_vec(&v)?);
            v
        }
    };
    super::lints::judge_target(ctx, t, &validated.findings)?;
    Ok(t.fingerprint.get_or_init(|| validated.fingerprint))
}

/// What validating a spec yields that a build needs again: its fingerprints and lint findings.
#[derive(serde::Serialize, serde::Deserialize)]
struct Validated {
    fingerprint: crate::fingerprint::Fingerprint,
    findings: Vec<crate::spec::lints::Finding>,
}
