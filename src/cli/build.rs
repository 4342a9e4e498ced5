//! `wt build [TARGETS]` and `wt check [TARGETS]`.

use super::Cli;
use crate::compile::WriteOutcome;
use crate::engine::target::StepOutcome;
use crate::project::{Project, Stage, report_warnings};
use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {
    /// Target patterns: //workflows/..., //workflows/foo, //..., or paths (default: //...).
    pub targets: Vec<String>,
    /// Print, per target and step, hit or miss and for a miss which inputs changed.
    #[arg(long)]
    pub explain: bool,
    /// Fail (exit 1) when a lint warns, as CI should: the warnings are printed either way.
    #[arg(long)]
    pub deny_warnings: bool,
}

fn targets(cli: &Cli, args: &Args) -> Result<(Project, Vec<crate::label::Target>)> {
    let cwd = std::env::current_dir()?;
    let project = cli.project(&cwd)?;
    if crate::workspace::find_root(&cwd).is_none() {
        anyhow::bail!(
            "no wt.toml in {} or any parent folder.\n  = help: `wt build` works inside a workspace: create a wt.toml at its root",
            cwd.display()
        );
    }
    let targets = project.targets(&args.targets)?;
    Ok((project, targets))
}

pub fn build(cli: &Cli, args: &Args) -> Result<i32> {
    let (project, targets) = targets(cli, args)?;
    let mut built = project.build(&targets, Stage::Packaged)?;
    let succeeded: Vec<_> = built.succeeded().collect();
    let mut written = 0;
    for (s, fresh) in succeeded.iter().zip(project.written(&succeeded)) {
        if fresh {
            continue;
        }
        let files = project.files(s)?;
        if project.write(s, &files)? == WriteOutcome::Written {
            written += 1;
            if !cli.quiet {
                eprintln!(
                    "{:>10} {} -> {}",
                    "wrote",
                    s.target.label,
                    crate::workspace::display(&s.out_dir)
                );
            }
        }
    }
    built.absorb_rebuilds(&project);
    if args.explain {
        print!("{}", explain_table(&built.report));
    }
    let warned = report_warnings(&built.states);
    print_failures(&built.failures);
    let report = &built.report;
    if !cli.quiet {
        eprintln!(
            "{} target(s): {} step(s) ran, {} shared, {} from cache; {} workspace(s) written, {} failed",
            targets.len(),
            report.executed(),
            report.shared(),
            report.steps.len() - report.executed() - report.shared(),
            written,
            built.failures.len()
        );
    }
    super::gc::auto_gc(&project, cli.quiet);
    let code = if built.failures.is_empty() && !denied(args, warned) {
        0
    } else {
        1
    };
    exit_without_freeing((project, built));
    Ok(code)
}

/// Leaves a finished build's state (every target's spec, step results and manifests) for the
/// process's exit to release at once: freeing it piece by piece costs a no-op build of a
/// hundred workflows more than a millisecond, and nothing in it has work to do when dropped.
fn exit_without_freeing(state: (Project, crate::project::Built)) {
    std::mem::forget(state);
}

pub fn check(cli: &Cli, args: &Args) -> Result<i32> {
    let (project, targets) = targets(cli, args)?;
    let mut built = project.build(&targets, Stage::Packaged)?;
    let succeeded: Vec<_> = built.succeeded().collect();
    let mut stale = 0;
    for (s, fresh) in succeeded.iter().zip(project.written(&succeeded)) {
        if fresh {
            continue;
        }
        let files = project.files(s)?;
        let diffs = crate::compile::diff_tree(&s.out_dir, &files);
        if !diffs.is_empty() {
            stale += 1;
            println!(
                "{} is out of date ({}):",
                s.target.label,
                crate::workspace::display(&s.out_dir)
            );
            for d in &diffs {
                println!("  {d}");
            }
        }
    }
    built.absorb_rebuilds(&project);
    if args.explain {
        print!("{}", explain_table(&built.report));
    }
    let warned = report_warnings(&built.states);
    print_failures(&built.failures);
    if stale > 0 {
        println!(
            "{stale} workspace(s) differ from what their specs produce.\n  = help: run `wt build` and commit the result"
        );
    }
    Ok(
        if stale == 0 && built.failures.is_empty() && !denied(args, warned) {
            0
        } else {
            1
        },
    )
}

/// `--deny-warnings` with warnings: says so, since the warnings alone do not look fatal.
fn denied(args: &Args, warned: usize) -> bool {
    if args.deny_warnings && warned > 0 {
        eprintln!("error: {warned} target(s) have lint warnings, denied by --deny-warnings");
        return true;
    }
    false
}

fn print_failures(failures: &[(String, String)]) {
    for (label, err) in failures {
        eprintln!("{label} failed:\n{}\n", err.trim_end());
    }
}

/// One line per target and step: hit (local/remote) or ran, and why.
pub fn explain_table(report: &crate::engine::BuildReport) -> String {
    let mut out = String::new();
    let mut last = "";
    for (label, step, r) in &report.steps {
        if label != last {
            out.push_str(&format!("{label}\n"));
            last = label;
        }
        let what = match r.outcome {
            StepOutcome::LocalHit => "hit (local)".to_string(),
            StepOutcome::RemoteHit => "hit (remote)".to_string(),
            StepOutcome::Ran => format!("ran: {}", r.why),
            StepOutcome::Shared => {
                format!("shared: same key as {}, which ran it in this build", r.why)
            }
        };
        out.push_str(&format!("  {step:<9} {what}\n"));
    }
    out
}
