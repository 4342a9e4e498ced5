//! Checking a spec against a known registry without building anything.

use crate::contracts::{RegistryOutput, Signatures};
use crate::diag::{self, Source};
use crate::spec::resolved::Workflow;
use crate::spec::validate::KnownTasks;

/// Parses and validates spec text against `registry` and the `signatures` of its tasks; on
/// failure returns the rendered errors.
pub fn check_text(
    display_path: &str,
    text: &str,
    registry: &RegistryOutput,
    signatures: &Signatures,
) -> Result<Workflow, String> {
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
        Ok(wf) if errors.is_empty() => Ok(wf),
        Ok(_) => Err(diag::render(&source, &errors)),
        Err(more) => {
            errors.extend(more);
            Err(diag::render(&source, &errors))
        }
    }
}
