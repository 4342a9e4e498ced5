//! A `git` PyPI requirement pinned to a commit, in the two spellings wt needs.
//!
//! - pixi.lock (v7) names it `git+<repo>?subdirectory=<dir>&rev=<ref>#<commit>`: the manifest's
//!   reference (`rev`, `branch` or `tag`, none for the default branch) in the query, next to the
//!   subdirectory, and the commit as the fragment. pixi compares the reference and subdirectory
//!   with pixi.toml's and installs the commit (`pixi_record::LockedGitUrl`).
//! - uv installs it as `git+<repo>@<commit>#subdirectory=<dir>` (PEP 508 direct reference).
//!
//! uv's PEP 751 output gives the repository, commit and subdirectory; the reference's kind is
//! the spec's, so the lock's spelling is made where both are known ([`locked_url`]).

use crate::spec::model::PypiRequirement;

/// The parts of a pinned git source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitPin {
    pub repository: String,
    pub commit: String,
    pub subdirectory: Option<String>,
}

impl GitPin {
    /// The PEP 508 URL uv installs (and reports, in [`crate::env::pypi_lock::parse_pylock`]).
    pub fn install_url(&self) -> String {
        let sub = self
            .subdirectory
            .as_ref()
            .map(|s| format!("#subdirectory={s}"))
            .unwrap_or_default();
        format!("git+{}@{}{sub}", self.repository, self.commit)
    }

    /// Reads either spelling: pixi.lock's (commit in the fragment) or uv's (commit after the
    /// last `@` of the path). `None` for anything else.
    pub fn parse(url: &str) -> Option<GitPin> {
        let rest = url.strip_prefix("git+")?;
        let parsed = url::Url::parse(rest).ok()?;
        let query = |key: &str| {
            parsed
                .query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        };
        let mut repository = parsed.clone();
        repository.set_query(None);
        repository.set_fragment(None);
        let fragment = parsed.fragment().unwrap_or_default();
        if let Some(sub) = fragment.strip_prefix("subdirectory=") {
            // uv's spelling, with a subdirectory.
            let (repo, commit) = repository.as_str().rsplit_once('@')?;
            return Some(GitPin {
                repository: repo.to_string(),
                commit: commit.to_string(),
                subdirectory: Some(sub.to_string()),
            });
        }
        if !fragment.is_empty() {
            return Some(GitPin {
                repository: repository.to_string(),
                commit: fragment.to_string(),
                subdirectory: query("subdirectory"),
            });
        }
        let (repo, commit) = repository.as_str().rsplit_once('@')?;
        // `user@host` in an ssh URL is no commit.
        if repo.ends_with("://") || commit.contains('/') {
            return None;
        }
        Some(GitPin {
            repository: repo.to_string(),
            commit: commit.to_string(),
            subdirectory: None,
        })
    }
}

/// pixi.lock's spelling of `pin`, with the reference `req` asks for (none: the default
/// branch, as for a git source that a library, not the spec, requires).
pub fn locked_url(pin: &GitPin, req: Option<&PypiRequirement>) -> String {
    let mut query: Vec<(&str, &str)> = Vec::new();
    if let Some(sub) = &pin.subdirectory {
        query.push(("subdirectory", sub));
    }
    if let Some(req) = req {
        let reference = [
            ("rev", &req.rev),
            ("branch", &req.branch),
            ("tag", &req.tag),
        ]
        .into_iter()
        .find_map(|(k, v)| v.as_deref().map(|v| (k, v)));
        query.extend(reference);
    }
    let query: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            let v: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            format!("{k}={v}")
        })
        .collect();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    format!("git+{}{query}#{}", pin.repository, pin.commit)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMIT: &str = "9898ccbb783e7e6a35ae165e7deb9fa84edfe21c";

    fn requirement(yaml: &str) -> PypiRequirement {
        let text = format!("id: x\nrequirements:\n  - {yaml}\nworkflow:\n  - id: a\n    task: t\n");
        let spec = crate::spec::parse::parse_spec(&text).expect("a valid spec");
        match spec.requirements.into_iter().next() {
            Some(crate::spec::model::Requirement::Pypi(r)) => r,
            other => panic!("not a PyPI requirement: {other:?}"),
        }
    }

    #[test]
    fn both_spellings_read_back_the_same_pin() {
        let pin = GitPin {
            repository: "https://example.org/org/lib.git".into(),
            commit: COMMIT.into(),
            subdirectory: Some("tasks".into()),
        };
        let req = requirement(
            "{name: lib, git: \"https://example.org/org/lib.git\", branch: main, subdirectory: tasks}",
        );
        let locked = locked_url(&pin, Some(&req));
        assert_eq!(
            locked,
            format!("git+https://example.org/org/lib.git?subdirectory=tasks&branch=main#{COMMIT}")
        );
        assert_eq!(GitPin::parse(&locked), Some(pin.clone()));
        assert_eq!(
            pin.install_url(),
            format!("git+https://example.org/org/lib.git@{COMMIT}#subdirectory=tasks")
        );
        assert_eq!(GitPin::parse(&pin.install_url()), Some(pin));
    }

    #[test]
    fn the_default_branch_has_no_reference_and_ssh_users_are_no_commits() {
        let pin = GitPin {
            repository: "ssh://git@example.org/lib".into(),
            commit: COMMIT.into(),
            subdirectory: None,
        };
        let req = requirement("{name: lib, git: \"ssh://git@example.org/lib\"}");
        assert_eq!(
            locked_url(&pin, Some(&req)),
            format!("git+ssh://git@example.org/lib#{COMMIT}")
        );
        assert_eq!(GitPin::parse(&pin.install_url()), Some(pin));
        assert_eq!(GitPin::parse("git+ssh://git@example.org/lib"), None);
        assert_eq!(GitPin::parse("https://example.org/x.whl"), None);
    }
}
