//! Checking a spec against a known registry without building anything.

use crate::contracts::{RegistryOutput, Signatures};
use crate::diag::{self, Source};
use crate::spec::lints::{LintLevels, judge};
use crate::spec::resolved::Workflow;
use crate::spec::validate::KnownTasks;

/// A spec that passed: its workflow, and its warnings rendered (empty when there are none).
pub struct Checked {
    pub workflow: Workflow,
    pub warnings: String,
}

/// Parses and validates spec text against `registry` and the `signatures` of its tasks, with
/// the workspace's lint `levels`; on failure returns the rendered errors (denied lints among
/// them).
pub fn check_text(
    display_path: &str,
    text: &str,
    registry: &RegistryOutput,
    signatures: &Signatures,
    levels: &LintLevels,
) -> Result<Checked, String> {
    let source = Source { display_path, text };
    let (spec, mut errors) = crate::spec::parse::parse_spec_partial(text);
    let Some(spec) = spec else {
        return Err(diag::render(&source, &errors));
    };
    let known = KnownTasks::from_registry(registry, signatures);
    // Literals are checked once the spec parsed cleanly: a malformed `${{ ... }}` stays a
    // string, and its own error says what is wrong with it.
    let validated = if errors.is_empty() {
        crate::schema::checked_workflow(&spec, &known)
    } else {
        crate::spec::validate::validate(&spec, &known)
    };
    match validated {
        Ok(workflow) => {
            let judged = judge(&workflow.findings, levels, |id| {
                workflow.spec.instance_lints(id)
            });
            errors.extend(judged.errors);
            if errors.is_empty() {
                Ok(Checked {
                    warnings: diag::render_warnings(&source, &judged.warnings),
                    workflow,
                })
            } else {
                Err(diag::render(&source, &errors))
            }
        }
        Err(more) => {
            errors.extend(more);
            Err(diag::render(&source, &errors))
        }
    }
}
