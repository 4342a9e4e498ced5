//! The steps as the engine's actions: each rule's `action` name mapped to the step that runs
//! it. Every step reads its inputs' digests from [`super::inputs`], so a key means the same
//! whichever step lists an input.

use super::target::TargetState;
use super::{BuildContext, codegen, discover, inputs, package, solve};
use crate::engine::{Action, Actions, Outputs};
use anyhow::Result;
use std::collections::BTreeMap;

/// One step: how it runs, and whether `--update-lock` makes it run again.
struct Step<'a> {
    ctx: &'a BuildContext,
    run: fn(&BuildContext, &TargetState, &str) -> Result<Outputs>,
    reruns_on_update_lock: bool,
}

impl Action<TargetState> for Step<'_> {
    fn input_digest(&self, name: &str, t: &TargetState) -> Result<String> {
        inputs::digest_of(name, self.ctx, t)
    }

    fn run(&self, t: &TargetState, key: &str) -> Result<Outputs> {
        (self.run)(self.ctx, t, key)
    }

    fn rerun(&self) -> Option<String> {
        (self.reruns_on_update_lock && self.ctx.update_lock).then(|| "--update-lock".to_string())
    }
}

/// The actions that compile a workflow, under the names `rules/` use.
pub fn actions(ctx: &BuildContext) -> Actions<'_, TargetState> {
    let step = |run, reruns_on_update_lock| Step {
        ctx,
        run,
        reruns_on_update_lock,
    };
    let mut actions = Actions::new();
    actions.register(super::SOLVE, step(run_solve, true));
    actions.register(super::DISCOVER, step(run_discover, false));
    actions.register(super::CODEGEN, step(run_codegen, false));
    actions.register(super::PACKAGE, step(run_package, false));
    actions
}

fn run_solve(ctx: &BuildContext, t: &TargetState, _key: &str) -> Result<Outputs> {
    Ok(BTreeMap::from([(
        solve::LOCK_FILE.to_string(),
        solve::run(ctx, t)?,
    )]))
}

fn run_discover(ctx: &BuildContext, t: &TargetState, _key: &str) -> Result<Outputs> {
    let lock = ctx.output(t, super::SOLVE, solve::LOCK_FILE)?;
    discover::run(ctx, t, &lock)
}

fn run_codegen(ctx: &BuildContext, t: &TargetState, _key: &str) -> Result<Outputs> {
    codegen::run(ctx, t)
}

fn run_package(ctx: &BuildContext, t: &TargetState, _key: &str) -> Result<Outputs> {
    let generated = ctx.outputs(t, super::CODEGEN)?;
    let lock = ctx.output(t, super::SOLVE, solve::LOCK_FILE)?;
    package::run(generated, lock)
}
