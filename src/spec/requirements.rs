//! `requirements:` entries: conda packages and PyPI packages (docs/compatibility.md,
//! “Requirements”).
//!
//! A mapping with any of `git`, `path` or `url` is a PyPI requirement; every other mapping is a
//! conda requirement. Unlike the published implementation, a relative `path:` is accepted and
//! resolved against the spec's folder, so a repository can be checked out anywhere.

use super::fields::{Fields, expect_str};
use super::model::{Channel, CondaRequirement, PypiRequirement, Requirement, Spanned};
use super::pypi_grammar;
use super::shape;
use crate::diag::{Diagnostic, did_you_mean};
use crate::yaml::{Node, NodeKind};
use rattler_conda_types::{MatchSpec, ParseStrictness};

/// Channels declared in the workspace's wt.toml (`[conda.channels]`).
///
/// Spec parsing is a pure function of the spec text and this table, which is fixed for the
/// life of a wt process (it is set once the workspace is opened), so it is held here rather
/// than threaded through every parser entry point.
static WORKSPACE_CHANNELS: std::sync::RwLock<Vec<Channel>> = std::sync::RwLock::new(Vec::new());

/// Makes the workspace's channels known to spec parsing.
pub fn set_workspace_channels(channels: Vec<Channel>) {
    *WORKSPACE_CHANNELS.write().expect("workspace channels") = channels;
}

/// The channel shortcuts every spec may name, and the URLs they stand for: the workspace's own
/// (which win), then the built-in ones.
pub fn known_channels() -> Vec<Channel> {
    let mut all = WORKSPACE_CHANNELS
        .read()
        .expect("workspace channels")
        .clone();
    all.extend(builtin_channels());
    all
}

/// The built-in channel shortcuts (docs/compatibility.md, “Requirements”).
fn builtin_channels() -> Vec<Channel> {
    let local =
        std::env::var("WT_CONDA_CHANNEL").unwrap_or_else(|_| "/tmp/wt-conda-channel".into());
    let local = local.trim_end_matches('/').to_string();
    let local_name = local
        .rsplit('/')
        .next()
        .unwrap_or("wt-conda-channel")
        .to_string();
    let c = |name: &str, url: &str| Channel {
        name: name.into(),
        base_url: url.into(),
    };
    vec![
        c("conda-forge", "https://conda.anaconda.org/conda-forge/"),
        c("microsoft", "https://conda.anaconda.org/microsoft/"),
        c(
            "ecoscope-workflows",
            "https://repo.prefix.dev/ecoscope-workflows/",
        ),
        c(
            "ecoscope-workflows-custom",
            "https://repo.prefix.dev/ecoscope-workflows-custom/",
        ),
        c(
            "artifacts",
            "file:///tmp/ecoscope-workflows/release/artifacts/",
        ),
        c(
            "ecoscope-workflows-custom/release/artifacts",
            "file:///tmp/ecoscope-workflows-custom/release/artifacts/",
        ),
        Channel {
            name: local_name,
            base_url: format!("file://{local}/"),
        },
    ]
}

/// Resolves a channel name or URL.
pub fn resolve_channel(text: &str) -> Result<Channel, String> {
    let known = known_channels();
    if let Some(c) = known.iter().find(|c| c.name == text || c.base_url == text) {
        return Ok(c.clone());
    }
    if text.contains("://") {
        let base_url = if text.ends_with('/') {
            text.to_string()
        } else {
            format!("{text}/")
        };
        return Ok(Channel {
            name: text.to_string(),
            base_url,
        });
    }
    let names: Vec<&str> = known.iter().map(|c| c.name.as_str()).collect();
    Err(format!(
        "Unknown channel `{text}`.{} Known channels are {}; any other channel must be written as a URL (https://… or file://…).",
        did_you_mean(text, names.iter().copied()),
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

pub fn parse_requirements(node: &Node, errors: &mut Vec<Diagnostic>) -> Vec<Requirement> {
    let Some(items) = node.as_seq() else {
        if !node.is_null() {
            errors.push(Diagnostic::new(
                node.span,
                format!("`requirements` must be a list, found {}.", node.type_name()),
            ));
        }
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| parse_requirement(item, errors))
        .collect()
}

fn parse_requirement(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<Requirement> {
    if node.as_map().is_none() {
        errors.push(
            Diagnostic::new(node.span, format!("A requirement must be a mapping, found {}.", node.type_name()))
                .help("Write `{name: numpy, version: \">=1\", channel: conda-forge}` for a conda package or `{name: my-tasks, path: ../my-tasks}` for a PyPI package."),
        );
        return None;
    }
    let is_pypi = ["git", "path", "url"].iter().any(|k| node.get(k).is_some());
    if is_pypi {
        parse_pypi(node, errors).map(Requirement::Pypi)
    } else {
        parse_conda(node, errors).map(Requirement::Conda)
    }
}

fn parse_conda(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<CondaRequirement> {
    let mut f = Fields::new(node, &shape::CONDA_REQUIREMENT, errors);
    if let Some(req) = f.take("requirement") {
        let text = expect_str(req, "requirement", f.errors)?;
        let (channel_text, rest) = match text.split_once("::") {
            Some((c, r)) => (Some(c.trim()), r.trim()),
            None => (None, text.trim()),
        };
        let (name, version) = match rest.split_once(char::is_whitespace) {
            Some((n, v)) => (n.trim(), v.trim()),
            None => (rest, "*"),
        };
        let channel = match resolve_channel(channel_text.unwrap_or("conda-forge")) {
            Ok(c) => c,
            Err(msg) => {
                f.errors.push(Diagnostic::new(req.span, msg));
                return None;
            }
        };
        f.finish();
        if !name.is_empty()
            && let Err(msg) = check_match_spec(name, version)
        {
            errors.push(
                Diagnostic::new(req.span, msg)
                    .help("Write the requirement as `[channel::]name [version]`, e.g. `conda-forge::numpy >=1.26,<2`."),
            );
            return None;
        }
        if name.is_empty() {
            errors.push(Diagnostic::new(
                req.span,
                format!("`{text}` is not a match spec: it names no package."),
            ));
            return None;
        }
        return Some(CondaRequirement {
            name: Spanned::new(name.to_string(), req.span),
            version: if version.is_empty() {
                "*".into()
            } else {
                version.to_string()
            },
            channel: Spanned::new(channel, req.span),
            span: node.span,
        });
    }
    let name = f.required_str("name");
    let version = f.required_scalar_text("version");
    let channel = match f.take("channel") {
        None => Some(Spanned::new(
            resolve_channel("conda-forge").expect("conda-forge is known"),
            node.span,
        )),
        Some(c) => {
            let text = expect_str(c, "channel", f.errors)?;
            match resolve_channel(text) {
                Ok(ch) => Some(Spanned::new(ch, c.span)),
                Err(msg) => {
                    f.errors.push(Diagnostic::new(c.span, msg).underline(text));
                    None
                }
            }
        }
    };
    f.finish();
    let (name, version) = (name?, version?);
    if let Err(msg) = check_match_spec(&name.value, &version.value) {
        errors.push(
            Diagnostic::new(version.span, msg)
                .help("Write a conda version constraint such as `>=1.2,<2`, `1.2.*` or `\"*\"` for any version."),
        );
        return None;
    }
    Some(CondaRequirement {
        name,
        version: version.value,
        channel: channel?,
        span: node.span,
    })
}

fn parse_pypi(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<PypiRequirement> {
    let mut f = Fields::new(node, &shape::PYPI_REQUIREMENT, errors);
    let name = f.required_str("name")?;
    let n = name.value.clone();
    let git_spanned = f.optional_str("git");
    let rev_spanned = f.optional_str("rev");
    let branch_spanned = f.optional_str("branch");
    let tag_spanned = f.optional_str("tag");
    let path = f.optional_str("path");
    let url_spanned = f.optional_str("url");
    let subdirectory_spanned = f.optional_str("subdirectory");
    let version_node = f.take("version");
    let version = version_node.and_then(scalar_text);
    let editable = f.take("editable").and_then(|e| match e.kind {
        NodeKind::Bool(b) => Some(b),
        _ => {
            f.errors.push(Diagnostic::new(
                e.span,
                format!("`editable` must be true or false, found {}.", e.type_name()),
            ));
            None
        }
    });
    let extras = match f.take("extras") {
        None => Vec::new(),
        Some(e) => match e.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|i| {
                    let extra = expect_str(i, "extras item", f.errors)?;
                    if !pypi_grammar::is_name(extra) {
                        f.errors.push(
                            Diagnostic::new(i.span, format!("`{}` is not an extra's name.", extra.escape_debug()))
                                .help("An extra is named like a package (PEP 508): letters, digits, and `.`, `_` or `-` inside."),
                        );
                        return None;
                    }
                    Some(extra.to_string())
                })
                .collect(),
            None => {
                f.errors.push(Diagnostic::new(
                    e.span,
                    "`extras` must be a list of strings.",
                ));
                Vec::new()
            }
        },
    };
    f.finish();
    check_grammars(
        &name,
        version_node.zip(version.as_deref()),
        [
            (
                &git_spanned,
                "git",
                pypi_grammar::git_url_problem as fn(&str) -> Option<String>,
            ),
            (&url_spanned, "url", pypi_grammar::url_problem),
            (&rev_spanned, "rev", pypi_grammar::word_problem),
            (&branch_spanned, "branch", pypi_grammar::word_problem),
            (&tag_spanned, "tag", pypi_grammar::word_problem),
            (
                &subdirectory_spanned,
                "subdirectory",
                pypi_grammar::word_problem,
            ),
            (&path, "path", control_problem),
        ],
        errors,
    );
    let value = |s: Option<Spanned<String>>| s.map(|s| s.value);
    let (git, rev, branch, tag) = (
        value(git_spanned),
        value(rev_spanned),
        value(branch_spanned),
        value(tag_spanned),
    );
    let (url, subdirectory) = (value(url_spanned), value(subdirectory_spanned));
    let mut problem =
        |msg: String, help: &str| errors.push(Diagnostic::new(node.span, msg).help(help));
    let sources = [git.is_some(), path.is_some(), url.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    if sources > 1 {
        problem(
            format!(
                "At most one of `git`, `path` or `url` may be set for PyPI requirement `{n}`, got {sources}."
            ),
            "Keep the one source this package should be installed from.",
        );
    }
    if git.is_none() && (rev.is_some() || branch.is_some() || tag.is_some()) {
        problem(
            format!(
                "`rev`, `branch` and `tag` are only valid with `git` for PyPI requirement `{n}`."
            ),
            "Add `git: <repository URL>` or remove them.",
        );
    }
    if [rev.is_some(), branch.is_some(), tag.is_some()]
        .iter()
        .filter(|b| **b)
        .count()
        > 1
    {
        problem(
            format!(
                "At most one of `rev`, `branch` or `tag` may be set for PyPI requirement `{n}`."
            ),
            "Pin one revision.",
        );
    }
    // pixi.toml can say `subdirectory` only of a git source (pixi's manifest schema), and wt
    // installs it only from one.
    if git.is_none() && subdirectory.is_some() {
        problem(
            format!("`subdirectory` is only valid with `git` for PyPI requirement `{n}`."),
            "Point `path` at the subdirectory itself, or remove `subdirectory`.",
        );
    }
    if editable.is_some() && path.is_none() {
        problem(
            format!("`editable` is only valid with `path` for PyPI requirement `{n}`."),
            "Remove `editable` or install from a `path`.",
        );
    }
    if let Some(p) = &path
        && p.value.starts_with("file://")
    {
        errors.push(
                Diagnostic::new(p.span, format!("`path` for PyPI requirement `{n}` must be a filesystem path, not a file:// URL."))
                    .underline(&p.value)
                    .help(format!("Write `path: {}`.", p.value.trim_start_matches("file://"))),
            );
    }
    Some(PypiRequirement {
        name,
        git,
        rev,
        branch,
        tag,
        path,
        editable,
        url,
        subdirectory,
        extras,
        version,
        span: node.span,
    })
}

/// A text field of a requirement, its key, and what is wrong with a value of it (if anything).
type GrammarCheck<'a> = (
    &'a Option<Spanned<String>>,
    &'a str,
    fn(&str) -> Option<String>,
);

/// Located errors for every field of a PyPI requirement that breaks its grammar
/// ([`pypi_grammar`]), before any of them reaches uv, git or a file.
fn check_grammars(
    name: &Spanned<String>,
    version: Option<(&Node, &str)>,
    fields: [GrammarCheck; 7],
    errors: &mut Vec<Diagnostic>,
) {
    if !pypi_grammar::is_name(&name.value) {
        errors.push(
            Diagnostic::new(
                name.span,
                format!("`{}` is not a package name.", name.value.escape_debug()),
            )
            .help("A PyPI package is named with letters, digits, and `.`, `_` or `-` inside (PEP 508)."),
        );
    }
    if let Some((node, text)) = version
        && let Some(why) = pypi_grammar::version_problem(text)
    {
        errors.push(
            Diagnostic::new(
                node.span,
                format!(
                    "`{}` is not a version specifier: {why}.",
                    text.escape_debug()
                ),
            )
            .help(
                "Write PEP 440 specifiers such as `>=1.2,<2` or `==1.4.*`, or `*` for any version.",
            ),
        );
    }
    for (field, key, problem) in fields {
        if let Some(field) = field
            && let Some(why) = problem(&field.value)
        {
            errors.push(Diagnostic::new(
                field.span,
                format!(
                    "`{key}: {}` cannot be used: {why}.",
                    field.value.escape_debug()
                ),
            ));
        }
    }
}

/// A path may hold blanks, not control characters (a newline would split a requirement line).
fn control_problem(s: &str) -> Option<String> {
    s.chars()
        .any(char::is_control)
        .then(|| "it holds a control character".to_string())
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::Str(s) => Some(s.clone()),
        NodeKind::Int(i) => Some(i.to_string()),
        NodeKind::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// Checks that `name version` is a conda match spec (for errors at parse time).
pub fn check_match_spec(name: &str, version: &str) -> Result<(), String> {
    let text = format!("{name} {}", version.trim());
    MatchSpec::from_str(text.trim(), ParseStrictness::Lenient)
        .map(|_| ())
        .map_err(|e| format!("`{}` is not a valid conda match spec: {e}.", text.trim()))
}
