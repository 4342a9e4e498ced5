//! Lint levels applied to a target's findings, on every build (cached or not): wt.toml may
//! change a level without the spec changing, and a warning must be seen each time.

use super::BuildContext;
use super::target::TargetState;
use crate::diag::Rendered;
use crate::spec::lints::Finding;
use anyhow::{Result, anyhow};

/// Fails the target when one of its `findings` is denied; otherwise records the rendered
/// warnings.
pub fn judge_target(ctx: &BuildContext, t: &TargetState, findings: &[Finding]) -> Result<()> {
    if t.warnings.get().is_some() {
        return Ok(());
    }
    let judged = crate::spec::lints::judge(findings, &ctx.lints, |id| t.spec().instance_lints(id));
    if !judged.errors.is_empty() {
        return Err(anyhow!(Rendered(t.file.render(&judged.errors))));
    }
    let _ = t.warnings.set(t.file.render_warnings(&judged.warnings));
    Ok(())
}
