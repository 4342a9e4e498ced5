//! `wt build [TARGETS]` and `wt check [TARGETS]`.

use super::Cli;
use super::session::{Session, report_warnings};
use crate::compile::{WriteOutcome, write_tree};
use crate::engine::target::StepOutcome;
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

fn targets(cli: &Cli, args: &Args) -> Result<(Session, Vec<crate::label::Target>)> {
    let cwd = std::env::current_dir()?;
    let session = Session::open(cli, &cwd)?;
    if crate::workspace::find_root(&cwd).is_none() {
        anyhow::bail!(
            "no wt.toml in {} or any parent folder.\n  = help: `wt build` works inside a workspace: create a wt.toml at its root",
            cwd.display()
        );
    }
    let patterns = if args.targets.is_empty() {
        vec!["//...".to_string()]
    } else {
        args.targets.clone()
    };
    let targets = crate::label::resolve(&session.root, &patterns)?;
    Ok((session, targets))
}

pub fn build(cli: &Cli, args: &Args) -> Result<i32> {
    let (session, targets) = targets(cli, args)?;
    let (states, mut failures) = session.prepare(&targets, None);
    let report = session.build(&states, None)?;
    session.ctx.finish_progress();
    failures.extend(report.failures.iter().cloned());
    let mut written = 0;
    for (s, fresh) in states.iter().zip(freshness(&session, &states)) {
        if report.failures.iter().any(|(l, _)| l == &s.target.label) || fresh {
            continue;
        }
        let files = session.ctx.outputs(s, "package")?;
        let outcome = write_tree(&s.out_dir, &files)?;
        stamp(&session, s, &files);
        if outcome == WriteOutcome::Written {
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
    if args.explain {
        print!("{}", explain_table(&report));
    }
    let warned = report_warnings(&states);
    print_failures(&failures);
    if !cli.quiet {
        eprintln!(
            "{} target(s): {} step(s) ran, {} shared, {} from cache; {} workspace(s) written, {} failed",
            targets.len(),
            report.executed(),
            report.shared(),
            report.steps.len() - report.executed() - report.shared(),
            written,
            failures.len()
        );
    }
    super::gc::auto_gc(&session, cli.quiet);
    Ok(if failures.is_empty() && !denied(args, warned) {
        0
    } else {
        1
    })
}

pub fn check(cli: &Cli, args: &Args) -> Result<i32> {
    let (session, targets) = targets(cli, args)?;
    let (states, mut failures) = session.prepare(&targets, None);
    let report = session.build(&states, None)?;
    session.ctx.finish_progress();
    failures.extend(report.failures.iter().cloned());
    let mut stale = 0;
    for (s, fresh) in states.iter().zip(freshness(&session, &states)) {
        if report.failures.iter().any(|(l, _)| l == &s.target.label) || fresh {
            continue;
        }
        let files = session.ctx.outputs(s, "package")?;
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
    if args.explain {
        print!("{}", explain_table(&report));
    }
    let warned = report_warnings(&states);
    print_failures(&failures);
    if stale > 0 {
        println!(
            "{stale} workspace(s) differ from what their specs produce.\n  = help: run `wt build` and commit the result"
        );
    }
    Ok(
        if stale == 0 && failures.is_empty() && !denied(args, warned) {
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

/// Per state, whether its workspace on disk is stamped as holding this build's package (a
/// failed target has none); checked on all cores, since a no-op build `stat`s every written
/// file.
fn freshness(session: &Session, states: &[crate::steps::TargetState]) -> Vec<bool> {
    use rayon::prelude::*;
    states
        .par_iter()
        .map(|s| {
            s.result("package").is_some_and(|r| {
                crate::stamp::is_fresh(session.ctx.cache_root(), &s.out_dir, &r.key)
            })
        })
        .collect()
}

fn stamp(
    session: &Session,
    s: &crate::steps::TargetState,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) {
    if let Some(r) = s.result("package") {
        crate::stamp::record(session.ctx.cache_root(), &s.out_dir, &r.key, files.keys());
    }
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
