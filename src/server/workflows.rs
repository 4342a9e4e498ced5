//! The served set: the workflows `wt serve` built, and how a request picks one.
//!
//! The peer resolves a rattler matchspec to an installed pixi package per request. Here the
//! set is fixed when the server starts, and a request names one of its members by
//! - `matchspec`: `[channel::]<release name>[ <version constraint>]`, e.g.
//!   `wt-add-then-double-workflow`, `wt-add-then-double-workflow ==0.0.0`,
//!   `wt-add-then-double-workflow>=0.0,<1`; the name is compared case-insensitively with `_`
//!   and `-` equivalent (so the package name works too), the constraint against the
//!   workspace's VERSION.yaml;
//! - or `label`: the build label, e.g. `//workflows/add_then_double`.
//!
//! Either is only ever compared with the served entries: nothing is resolved on disk or run.
//! Without either, a server holding exactly one workflow uses it.

use serde::Serialize;
use serde_json::Value as Json;
use std::cmp::Ordering;
use std::path::PathBuf;
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
        let spec = MatchSpec::parse(text).map_err(SelectError::Invalid)?;
        let Some(w) = self
            .list
            .iter()
            .find(|w| normalize(&w.release) == normalize(&spec.name))
        else {
            return Err(SelectError::NotFound(format!(
                "no served workflow matches `{}`; served: {}",
                shorten(text),
                self.describe()
            )));
        };
        if let Some(c) = &spec.constraint
            && !c.matches(&w.version)
        {
            return Err(SelectError::NotFound(format!(
                "{} is served at version {}, which does not satisfy `{}`; served: {}",
                w.release,
                w.version,
                shorten(&c.text),
                self.describe()
            )));
        }
        Ok(w.clone())
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

/// `[channel::]name[ constraint]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchSpec {
    pub name: String,
    pub constraint: Option<Constraint>,
}

impl MatchSpec {
    pub fn parse(text: &str) -> Result<MatchSpec, String> {
        let text = text.trim();
        if text.len() > 256 {
            return Err("the matchspec is longer than 256 characters".into());
        }
        let rest = match text.rfind("::") {
            Some(i) => &text[i + 2..],
            None => text,
        };
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        let constraint = rest[end..].trim();
        if name.is_empty() {
            return Err(format!(
                "`{}` does not start with a package name (letters, digits, `-`, `_`, `.`)",
                shorten(text)
            ));
        }
        let constraint = if constraint.is_empty() {
            None
        } else {
            Some(Constraint::parse(constraint)?)
        };
        Ok(MatchSpec {
            name: name.to_string(),
            constraint,
        })
    }
}

/// A version constraint: `|`-separated alternatives of `,`-separated clauses, each
/// `==v` (exact), `!=v`, `>=v`, `<=v`, `>v`, `<v`, `~=v` (compatible release), `=v` or `v*` /
/// `v.*` (prefix), or a bare `v` (exact).
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub text: String,
    any_of: Vec<Vec<(Op, Vec<Segment>)>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    Compatible,
    Prefix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Num(u64),
    Text(String),
}

impl PartialOrd for Segment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Segment {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Segment::Num(a), Segment::Num(b)) => a.cmp(b),
            // A pre-release tag sorts before any number (1.0.rc1 < 1.0.0).
            (Segment::Text(_), Segment::Num(_)) => Ordering::Less,
            (Segment::Num(_), Segment::Text(_)) => Ordering::Greater,
            (Segment::Text(a), Segment::Text(b)) => a.cmp(b),
        }
    }
}

fn parse_version(text: &str) -> Result<Vec<Segment>, String> {
    let text = text.trim();
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
    {
        return Err(format!("`{}` is not a version", shorten(text)));
    }
    Ok(text
        .split(['.', '_', '-', '+'])
        .map(|s| match s.parse::<u64>() {
            Ok(n) => Segment::Num(n),
            Err(_) => Segment::Text(s.to_ascii_lowercase()),
        })
        .collect())
}

/// Compares with missing trailing segments as 0 (1.0 == 1.0.0).
fn compare(a: &[Segment], b: &[Segment]) -> Ordering {
    let zero = Segment::Num(0);
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).unwrap_or(&zero);
        let y = b.get(i).unwrap_or(&zero);
        match x.cmp(y) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

impl Constraint {
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut any_of = Vec::new();
        for alternative in text.split('|') {
            let mut all = Vec::new();
            for clause in alternative.split(',') {
                let clause = clause.trim();
                let ops = [
                    ("==", Op::Eq),
                    ("!=", Op::Ne),
                    (">=", Op::Ge),
                    ("<=", Op::Le),
                    ("~=", Op::Compatible),
                    (">", Op::Gt),
                    ("<", Op::Lt),
                    ("=", Op::Prefix),
                ];
                let (op, version) = ops
                    .iter()
                    .find_map(|(p, op)| clause.strip_prefix(p).map(|v| (*op, v)))
                    .unwrap_or((Op::Eq, clause));
                let version = version.trim();
                let (op, version) = match version
                    .strip_suffix(".*")
                    .or_else(|| version.strip_suffix('*'))
                {
                    Some(v) if matches!(op, Op::Eq | Op::Prefix) => (Op::Prefix, v),
                    Some(_) => {
                        return Err(format!(
                            "cannot read the version constraint `{}`: `*` only goes with `=` or `==`",
                            shorten(text)
                        ));
                    }
                    None => (op, version),
                };
                let version = parse_version(version).map_err(|e| {
                    format!(
                        "cannot read the version constraint `{}`: {e}",
                        shorten(text)
                    )
                })?;
                all.push((op, version));
            }
            any_of.push(all);
        }
        Ok(Constraint {
            text: text.to_string(),
            any_of,
        })
    }

    pub fn matches(&self, version: &str) -> bool {
        let Ok(v) = parse_version(version) else {
            return false;
        };
        self.any_of.iter().any(|all| {
            all.iter().all(|(op, want)| {
                let ord = compare(&v, want);
                match op {
                    Op::Eq => ord == Ordering::Equal,
                    Op::Ne => ord != Ordering::Equal,
                    Op::Ge => ord != Ordering::Less,
                    Op::Le => ord != Ordering::Greater,
                    Op::Gt => ord == Ordering::Greater,
                    Op::Lt => ord == Ordering::Less,
                    Op::Prefix => v.len() >= want.len() && compare(&v[..want.len()], want).is_eq(),
                    Op::Compatible => {
                        let head = &want[..want.len().saturating_sub(1).max(1)];
                        ord != Ordering::Less
                            && v.len() >= head.len()
                            && compare(&v[..head.len()], head).is_eq()
                    }
                }
            })
        })
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
