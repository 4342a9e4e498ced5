//! The codegen step: render every file of the workspace from the validated workflow.

use super::{BuildContext, TargetState};
use anyhow::{Context, Result};
use std::collections::BTreeMap;

/// Generated files by relative path.
pub fn run(ctx: &BuildContext, t: &TargetState) -> Result<BTreeMap<String, Vec<u8>>> {
    super::validated::validate_workflow(ctx, t)?;
    let wf = t.workflow.get().context("codegen runs after validation")?;
    let compiled = crate::compile::generate(wf, &t.pypi, &t.out_dir, &ctx.conda.platform_names())?;
    Ok(compiled
        .files
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect())
}
