//! The grammars a PyPI requirement's fields must follow before they reach uv's requirement
//! files, git or a lock: package and extra names (PEP 508), version specifiers (PEP 440),
//! git and download URLs, revisions and paths. A field that breaks its grammar is a located
//! spec error: a newline in an extra would otherwise start a line of its own in the file uv
//! reads (`-r /etc/passwd`), and `ext::` URLs make git run a command.

use std::str::FromStr;

/// A PEP 508 name (of a package or an extra): ASCII letters and digits, with `.`, `_` and `-`
/// inside.
pub fn is_name(s: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            alnum(first) && alnum(last) && bytes.iter().all(|&b| alnum(b) || b"._-".contains(&b))
        }
        _ => false,
    }
}

/// Why `s` is not a PEP 440 version specifier set (`*` means any version).
pub fn version_problem(s: &str) -> Option<String> {
    if s.trim() == "*" {
        return None;
    }
    if s.chars().any(char::is_control) {
        return Some("it holds a control character".into());
    }
    pep440_rs::VersionSpecifiers::from_str(s)
        .err()
        .map(|e| e.to_string().lines().next().unwrap_or_default().to_string())
}

/// URL schemes git may clone from: no `ext::` (runs a command) or `fd::`.
const GIT_SCHEMES: &[&str] = &["https", "http", "ssh", "git", "file"];

/// Why `s` is not a git repository URL wt passes to git and uv.
pub fn git_url_problem(s: &str) -> Option<String> {
    if let Some(problem) = word_problem(s) {
        return Some(problem);
    }
    if let Some((scheme, _)) = s.split_once("://") {
        let scheme = scheme.strip_prefix("git+").unwrap_or(scheme);
        return (!GIT_SCHEMES.contains(&scheme)).then(|| {
            format!(
                "`{scheme}://` is not a scheme wt clones from ({})",
                GIT_SCHEMES.join(", ")
            )
        });
    }
    // scp-like: user@host:path.
    match s.split_once(':') {
        Some((host, path)) if host.contains('@') && !host.contains("::") && !path.is_empty() => {
            None
        }
        _ => Some(format!(
            "it is neither a URL ({}://…) nor `user@host:path`",
            GIT_SCHEMES.join("|")
        )),
    }
}

/// Why `s` is not a download URL (`https`, `http` or `file`).
pub fn url_problem(s: &str) -> Option<String> {
    if let Some(problem) = word_problem(s) {
        return Some(problem);
    }
    match url::Url::parse(s) {
        Ok(u) if ["https", "http", "file"].contains(&u.scheme()) => None,
        Ok(u) => Some(format!(
            "`{}:` URLs are not downloaded (https, http or file)",
            u.scheme()
        )),
        Err(e) => Some(format!("it is not a URL ({e})")),
    }
}

/// Why `s` cannot stand as one word of a requirement line (a revision, a subdirectory, a URL):
/// blanks and control characters would split it, a leading `-` would read as an option.
pub fn word_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        Some("it is empty".into())
    } else if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("it holds a blank or a control character".into())
    } else if s.starts_with('-') {
        Some("it starts with `-`".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_pep_508() {
        for ok in ["a", "wt-example-tasks", "ruamel.yaml", "A_1"] {
            assert!(is_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a]\n-r /etc/passwd\nx[b", "a b", "a[b]"] {
            assert!(!is_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn versions_urls_and_words() {
        assert_eq!(version_problem(">=1.0,<2"), None);
        assert_eq!(version_problem("*"), None);
        assert!(version_problem(">=1\n-r /etc/passwd").is_some());
        assert!(version_problem("latest").is_some());
        assert_eq!(git_url_problem("https://github.com/o/r.git"), None);
        assert_eq!(git_url_problem("git@github.com:o/r.git"), None);
        assert!(git_url_problem("ext::sh -c touch% /tmp/x").is_some());
        assert!(git_url_problem("ext::sh").is_some());
        assert!(git_url_problem("fd::17").is_some());
        assert!(url_problem("https://x/y.whl").is_none());
        assert!(url_problem("ftp://x/y.whl").is_some());
        assert!(word_problem("main\n-r x").is_some());
        assert!(word_problem("--upload-pack=x").is_some());
    }
}
