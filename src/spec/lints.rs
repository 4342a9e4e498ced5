//! Lints: diagnostics about what *may* fail with some data, as opposed to errors about what
//! certainly fails (an unknown task, a type mismatch on an edge, a cycle).
//!
//! A spec the published compiler accepts and that runs correctly on its data must not be
//! refused for what could go wrong on other data, so each such rule is a named lint with a
//! level, like clippy's or ruff's: `allow` (silent), `warn` (printed, the build goes on) or
//! `deny` (an error). The level comes from the task instance's own `lints:` mapping, else
//! wt.toml's `[lints]` table, else the lint's default.

use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One lint rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lint {
    /// A task that may be skipped feeds one that has no skip conditions and whose parameter
    /// cannot take the skip sentinel: the run fails if, and only if, the skip fires.
    SkipFlow,
    /// A pandera frame a consumer takes requires a column the producer's model does not
    /// declare, or declares with another dtype: pandera refuses the frame, unless the producer
    /// (a model that is not `strict`) carries the column anyway.
    FrameColumns,
}

impl Lint {
    pub const ALL: &'static [Lint] = &[Lint::SkipFlow, Lint::FrameColumns];

    /// The name wt.toml and specs use.
    pub const fn name(self) -> &'static str {
        match self {
            Lint::SkipFlow => "skip-flow",
            Lint::FrameColumns => "frame-columns",
        }
    }

    pub fn parse(name: &str) -> Option<Lint> {
        Lint::ALL.iter().copied().find(|l| l.name() == name)
    }

    pub fn default_level(self) -> Level {
        match self {
            Lint::SkipFlow => Level::Warn,
            Lint::FrameColumns => Level::Deny,
        }
    }

    /// What the lint reports, for the spec's JSON Schema (`super::shape::LINTS`).
    pub const fn description(self) -> &'static str {
        match self {
            Lint::SkipFlow => {
                "A task that may be skipped feeds one without skip conditions whose parameter cannot take the skip sentinel (default: warn)."
            }
            Lint::FrameColumns => {
                "A pandera data frame lacks a column its consumer requires, or declares it with another dtype (default: deny)."
            }
        }
    }
}

/// How a lint's findings are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub const ALL: &'static [Level] = &[Level::Allow, Level::Warn, Level::Deny];

    pub fn parse(name: &str) -> Option<Level> {
        Level::ALL.iter().copied().find(|l| l.name() == name)
    }

    pub const fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

/// Levels by lint: wt.toml's `[lints]` table, or one task instance's `lints:` mapping.
pub type LintLevels = BTreeMap<Lint, Level>;

/// A lint's finding at one task instance, before any level is applied. Findings are what
/// validation stores (in the build's memo, so a cached build still reports them); levels are
/// applied on every build, since wt.toml may change without the spec changing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub lint: Lint,
    /// The id of the task instance the finding is about (its `lints:` may set the level).
    pub instance: String,
    pub diagnostic: Diagnostic,
}

/// Findings sorted by what their levels make them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Judged {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// Applies levels to `findings`: the instance's own `lints:` (`own`: an instance id to its
/// levels) first, then `workspace` (wt.toml), then each lint's default. Every reported finding
/// says where its level came from and how to change it.
pub fn judge<'s>(
    findings: &[Finding],
    workspace: &LintLevels,
    own: impl Fn(&str) -> Option<&'s LintLevels>,
) -> Judged {
    let mut judged = Judged::default();
    for f in findings {
        let own = own(&f.instance).and_then(|levels| levels.get(&f.lint).copied());
        let (level, source) = match (own, workspace.get(&f.lint)) {
            (Some(level), _) => (level, "by this task instance's `lints:`"),
            (None, Some(&level)) => (level, "by wt.toml's `[lints]`"),
            (None, None) => (f.lint.default_level(), "by default"),
        };
        let name = f.lint.name();
        let note = match level {
            Level::Allow => continue,
            Level::Warn => format!(
                "`{name}` is a warning {source}: `{name} = \"deny\"` under wt.toml's `[lints]` makes it an error, `\"allow\"` silences it; `lints: {{{name}: allow}}` on the task instance silences it there."
            ),
            Level::Deny if source == "by default" => format!(
                "`{name}` is an error by default: `{name} = \"warn\"` under wt.toml's `[lints]`, or `lints: {{{name}: warn}}` on the task instance, lets the build go on where the data never triggers it."
            ),
            Level::Deny => format!(
                "`{name}` is denied {source}; set it to \"warn\" or \"allow\" there if the data never triggers it."
            ),
        };
        let d = f.diagnostic.clone().note(note);
        match level {
            Level::Warn => judged.warnings.push(d),
            _ => judged.errors.push(d),
        }
    }
    judged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &lint in Lint::ALL {
            assert_eq!(Lint::parse(lint.name()), Some(lint));
        }
        for &level in Level::ALL {
            assert_eq!(Level::parse(level.name()), Some(level));
        }
        assert_eq!(Level::parse("ignore"), None);
        assert_eq!(Lint::parse("skip_flow"), None);
    }

    #[test]
    fn the_spec_shape_names_every_lint() {
        let keys: Vec<&str> = crate::spec::shape::LINTS.names().collect();
        let names: Vec<&str> = Lint::ALL.iter().map(|l| l.name()).collect();
        assert_eq!(keys, names);
        for (key, lint) in crate::spec::shape::LINTS.keys.iter().zip(Lint::ALL) {
            assert_eq!(key.description, lint.description());
        }
    }
}
