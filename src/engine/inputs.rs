//! The named inputs that rules list, and how each one's digest is computed.
//!
//! A step's cache key is a digest over exactly these values, so each must change when (and only
//! when) something the step reads changes, and none may contain absolute paths, timestamps or
//! host names.

use super::BuildContext;
use super::target::TargetState;
use crate::digest;
use crate::env::runtime;
use anyhow::{Context, Result, bail};
use serde_json::json;

/// The digest of one named input for a target.
pub fn digest_of(name: &str, ctx: &BuildContext, t: &TargetState) -> Result<String> {
    if let Some(step) = name.strip_prefix("step:") {
        let r = t
            .result(step)
            .with_context(|| format!("step `{step}` has not run"))?;
        return Ok(digest::json(&serde_json::to_value(&r.manifest)?));
    }
    Ok(match name {
        "requirements" => digest::json(&crate::fingerprint::requirements_document(&t.spec)),
        "runtime" => digest::json(&json!(runtime::PYPI)),
        "python" => digest::bytes(ctx.python_version()?.as_bytes()),
        "path-manifests" => {
            let mut parts = Vec::new();
            for p in &t.pypi {
                let Some(path) = &p.abs_path else { continue };
                for f in ["pyproject.toml", "setup.py", "setup.cfg"] {
                    if let Ok(bytes) = std::fs::read(path.join(f)) {
                        parts.push(json!([p.req.name.value, f, digest::bytes(&bytes)]));
                    }
                }
            }
            digest::json(&json!(parts))
        }
        "path-sources" => {
            let mut parts = Vec::new();
            for p in &t.pypi {
                if let Some(path) = &p.abs_path {
                    let tree = digest::tree(path).with_context(|| {
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
        "fingerprint" => fingerprint(t)?.structural.clone(),
        "cosmetic" => fingerprint(t)?.cosmetic.clone(),
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
        "generator" => digest::bytes(
            format!(
                "{}:{}",
                env!("CARGO_PKG_VERSION"),
                super::rules::GENERATOR_DIGEST
            )
            .as_bytes(),
        ),
        other => bail!("unknown rule input `{other}`"),
    })
}

fn fingerprint(t: &TargetState) -> Result<&crate::fingerprint::Fingerprint> {
    let wf = workflow(t)?;
    Ok(t.fingerprint
        .get_or_init(|| crate::fingerprint::fingerprint(wf)))
}

fn workflow(t: &TargetState) -> Result<&crate::spec::resolved::Workflow> {
    t.workflow
        .get()
        .context("the workflow has not been validated yet (codegen inputs need discovery)")
}
