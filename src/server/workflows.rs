//! The served set: the workflows `wt serve` built, and how a request picks one.
//!
//! The peer resolves a rattler matchspec to an installed pixi package per request. Here the
//! set is fixed when the server starts, and a request names one of its members by
//! - `matchspec`: a conda matchspec read by `rattler_conda_types` (as the published runner
//!   reads it), `[channel::]<release name>[ <version constraint>]`, e.g.
//!   `wt-add-then-double-workflow`, `wt-add-then-double-workflow ==0.0.0`,
//!   `wt-add-then-double-workflow>=0.0,<1`; an exact name is compared case-insensitively with
//!   `_` and `-` equivalent (so the package name works too), the constraint against the
//!   workspace's VERSION.yaml;
//! - or `label`: the build label, e.g. `//workflows/add_then_double`.
//!
//! Either is only ever compared with the served entries: nothing is resolved on disk or run.
//! Without either, a server holding exactly one workflow uses it.

use rattler_conda_types::{MatchSpec, PackageName, PackageNameMatcher, ParseStrictness};
use serde::Serialize;
use serde_json::Value as Json;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// One compiled workflow the server runs.
#[derive(Debug, Clone, Serialize)]
pub struct ServedWorkflow {
    /// `//workflows/add_then_double`
    pub label: String,
    /// `wt-add-then-double-workflow`
    pub release: String,
    /// `wt_add_then_double_workflow`
    pub package: String,
    /// From VERSION.yaml, e.g. `0.0.0`.
    pub version: String,
    /// The spec's `metadata.name` (empty when it has none).
    pub title: String,
    /// The spec's `metadata.description` (empty when it has none).
    pub description: String,
    /// The compiled workspace folder (holds pixi.toml and the package).
    #[serde(skip)]
    pub workspace: PathBuf,
    /// The interpreter of the workflow's environment.
    #[serde(skip)]
    pub python: PathBuf,
    /// Keeps that environment safe from `wt cache gc` while the server runs.
    #[serde(skip)]
    pub env_hold: Option<crate::cache::FileLock>,
    /// params.json
    #[serde(skip)]
    pub params: Json,
    /// rjsf.json
    #[serde(skip)]
    pub rjsf: Json,
    /// The environment variables the workflow reads (`${{ env.X }}`), each with where:
    /// settings of the server, not secrets of a request.
    #[serde(skip)]
    pub env_references: Vec<(String, String)>,
    /// The DAG: its task instances in execution order, for the run page.
    pub tasks: Vec<TaskNode>,
}

#[cfg(test)]
impl ServedWorkflow {
    /// A workflow with nothing built behind it, for unit tests: `release` (its package and
    /// label follow from it), version 0.0.0, no parameters.
    pub fn sample(release: &str) -> ServedWorkflow {
        ServedWorkflow {
            title: String::new(),
            description: String::new(),
            label: format!("//workflows/{release}"),
            release: release.into(),
            package: release.replace('-', "_"),
            version: "0.0.0".into(),
            workspace: PathBuf::new(),
            python: PathBuf::new(),
            env_hold: None,
            params: serde_json::json!({"type": "object"}),
            rjsf: Json::Null,
            env_references: Vec::new(),
            tasks: Vec::new(),
        }
    }
}

/// One task instance of a served workflow's DAG.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskNode {
    /// The instance id (what its spans are named).
    pub id: String,
    /// Its title in the spec (the id when it has none).
    pub name: String,
    /// The registered function it calls.
    pub task: String,
    /// The instances whose results it reads.
    pub after: Vec<String>,
    /// A `map` or `mapvalues`: one run per element.
    pub mapped: bool,
}

/// Why no workflow was selected (a 404 or 422 for the client).
#[derive(Debug, Clone, PartialEq)]
pub enum SelectError {
    /// Nothing served matches; the message lists what is served.
    NotFound(String),
    /// The matchspec cannot be read.
    Invalid(String),
}

#[derive(Debug, Clone)]
pub struct Workflows {
    list: Vec<Arc<ServedWorkflow>>,
}

fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

impl Workflows {
    pub fn new(list: Vec<ServedWorkflow>) -> Workflows {
        Workflows {
            list: list.into_iter().map(Arc::new).collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<ServedWorkflow>> {
        self.list.iter()
    }

    /// `wt-a-workflow (//workflows/a), …`
    pub fn describe(&self) -> String {
        if self.list.is_empty() {
            return "none".into();
        }
        self.list
            .iter()
            .map(|w| format!("{} ({})", w.release, w.label))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The workflow a request names. `override_spec` (server configuration) wins over the
    /// request.
    pub fn select(
        &self,
        matchspec: Option<&str>,
        label: Option<&str>,
        override_spec: Option<&str>,
    ) -> Result<Arc<ServedWorkflow>, SelectError> {
        let override_spec = override_spec.filter(|s| !s.trim().is_empty());
        let matchspec = override_spec.or(matchspec).filter(|s| !s.trim().is_empty());
        let label = if override_spec.is_some() {
            None
        } else {
            label.filter(|s| !s.trim().is_empty())
        };
        match (matchspec, label) {
            (Some(spec), _) => self.by_matchspec(spec),
            (None, Some(label)) => self
                .list
                .iter()
                .find(|w| w.label == label.trim())
                .cloned()
                .ok_or_else(|| {
                    SelectError::NotFound(format!(
                        "no served workflow has the label `{}`; served: {}",
                        shorten(label),
                        self.describe()
                    ))
                }),
            (None, None) if self.list.len() == 1 => Ok(self.list[0].clone()),
            (None, None) => Err(SelectError::NotFound(format!(
                "name the workflow with the `matchspec` (release name) or `label` query parameter; served: {}",
                self.describe()
            ))),
        }
    }

    fn by_matchspec(&self, text: &str) -> Result<Arc<ServedWorkflow>, SelectError> {
        let spec = parse_matchspec(text).map_err(SelectError::Invalid)?;
        let Some(w) = self
            .list
            .iter()
            .find(|w| name_matches(&spec.name, &w.release))
        else {
            return Err(SelectError::NotFound(format!(
                "no served workflow matches `{}`; served: {}",
                shorten(text),
                self.describe()
            )));
        };
        if let Some(constraint) = &spec.version {
            let fits = rattler_conda_types::Version::from_str(&w.version)
                .is_ok_and(|v| constraint.matches(&v));
            if !fits {
                return Err(SelectError::NotFound(format!(
                    "{} is served at version {}, which does not satisfy `{}`; served: {}",
                    w.release,
                    w.version,
                    shorten(&constraint.to_string()),
                    self.describe()
                )));
            }
        }
        Ok(w.clone())
    }
}

/// A request's matchspec, read by rattler as the published runner reads it (lenient conda
/// matchspec syntax: `[channel::]name[ version]`, versions such as `==0.1.2`, `>=0.1,<1`,
/// `0.1.*`, `~=0.1.0`, `<0.1|>=0.1.2`). The channel is not compared: the served set is fixed.
fn parse_matchspec(text: &str) -> Result<MatchSpec, String> {
    let text = text.trim();
    if text.len() > 256 {
        return Err("the matchspec is longer than 256 characters".into());
    }
    MatchSpec::from_str(text, ParseStrictness::Lenient)
        .map_err(|e| format!("`{}` is not a matchspec: {e}", shorten(text)))
}

/// Whether a matchspec's name names the release: an exact name compared case-insensitively
/// with `_` and `-` equivalent (so the Python package's name works too), a glob or regex as
/// rattler matches them.
fn name_matches(name: &PackageNameMatcher, release: &str) -> bool {
    match name {
        PackageNameMatcher::Exact(n) => normalize(n.as_source()) == normalize(release),
        other => PackageName::from_str(release).is_ok_and(|r| other.matches(&r)),
    }
}

/// Client text quoted in a message: bounded and without control characters.
pub fn shorten(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(120)
        .collect();
    if text.chars().count() > 120 {
        format!("{clean}…")
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(release: &str, label: &str) -> ServedWorkflow {
        ServedWorkflow {
            label: label.into(),
            version: "0.1.2".into(),
            ..ServedWorkflow::sample(release)
        }
    }

    fn set() -> Workflows {
        Workflows::new(vec![
            served("wt-a-workflow", "//workflows/a"),
            served("wt-b-workflow", "//workflows/b"),
        ])
    }

    #[test]
    fn matchspecs_select_by_release_name() {
        let s = set();
        for spec in [
            "wt-a-workflow",
            "wt_a_workflow",
            "conda-forge::wt-a-workflow",
            "wt-a-workflow ==0.1.2",
            "wt-a-workflow==0.1.2",
            "wt-a-workflow >=0.1,<1",
            "wt-a-workflow 0.1.*",
            "wt-a-workflow =0.1",
            "wt-a-workflow ~=0.1.0",
            "wt-a-workflow <0.1|>=0.1.2",
        ] {
            assert_eq!(
                s.select(Some(spec), None, None).unwrap().label,
                "//workflows/a",
                "{spec}"
            );
        }
        for spec in [
            "wt-a-workflow >=1",
            "wt-a-workflow ==0.1.3",
            "wt-c-workflow",
            "../../etc/passwd",
            "; rm -rf /",
            "wt-a-workflow; rm -rf /",
        ] {
            assert!(s.select(Some(spec), None, None).is_err(), "{spec}");
        }
    }

    #[test]
    fn labels_and_defaults() {
        let s = set();
        assert_eq!(
            s.select(None, Some("//workflows/b"), None).unwrap().release,
            "wt-b-workflow"
        );
        assert!(s.select(None, Some("workflows/b"), None).is_err());
        assert!(matches!(
            s.select(None, None, None),
            Err(SelectError::NotFound(m)) if m.contains("wt-a-workflow (//workflows/a)")
        ));
        assert_eq!(
            s.select(Some("wt-a-workflow"), None, Some("wt-b-workflow"))
                .unwrap()
                .release,
            "wt-b-workflow"
        );
        assert_eq!(
            s.select(None, Some("//workflows/b"), Some(" "))
                .unwrap()
                .release,
            "wt-b-workflow"
        );
        let one = Workflows::new(vec![served("wt-a-workflow", "//a")]);
        assert_eq!(one.select(None, None, None).unwrap().label, "//a");
    }
}
