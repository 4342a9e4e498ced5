//! A mirror of conda-forge: where its repodata and packages are fetched from, while the lock
//! keeps naming conda-forge itself, so it stays the same on every machine.
//!
//! `WT_CONDA_FORGE_MIRROR` names the mirror: a folder (a channel on disk) or a URL. Records
//! fetched from it are rewritten to conda-forge's URLs before the solver and the lock see them,
//! and a locked package is fetched from the mirror again at install time. A mirror is trusted
//! to hold conda-forge's packages: the lock's sha256 is what the bytes are checked against.

use rattler_conda_types::{Channel, RepoDataRecord};
use url::Url;

/// The variable naming the mirror.
pub const ENV: &str = "WT_CONDA_FORGE_MIRROR";

/// conda-forge's canonical URL, as locks name it.
pub const CONDA_FORGE: &str = "https://conda.anaconda.org/conda-forge/";

/// The mirror's base URL (ending in `/`), when one is set. Read once per process: every
/// fetched record passes through [`canonical`].
fn mirror() -> Option<&'static Url> {
    static MIRROR: std::sync::OnceLock<Option<Url>> = std::sync::OnceLock::new();
    MIRROR
        .get_or_init(|| {
            let value = std::env::var(ENV).ok().filter(|v| !v.trim().is_empty())?;
            let value = value.trim();
            if value.contains("://") {
                Url::parse(&format!("{}/", value.trim_end_matches('/'))).ok()
            } else {
                Url::from_directory_path(crate::workspace::absolute(std::path::Path::new(value)))
                    .ok()
            }
        })
        .as_ref()
}

/// `url` with the prefix `from` replaced by `to` (unchanged when it does not start with it).
fn rebase(url: &Url, from: &str, to: &str) -> Url {
    match url.as_str().strip_prefix(from) {
        Some(rest) => Url::parse(&format!("{to}{rest}")).unwrap_or_else(|_| url.clone()),
        None => url.clone(),
    }
}

/// Where to fetch `url` from: the mirror for conda-forge's URLs.
pub fn fetch_url(url: &Url) -> Url {
    match mirror() {
        Some(m) => rebase(url, CONDA_FORGE, m.as_str()),
        None => url.clone(),
    }
}

/// The channel to query for `channel`: its mirror, if it has one.
pub fn fetch_channel(channel: &Channel) -> Channel {
    let url = fetch_url(channel.base_url.url());
    if url.as_str() == channel.base_url.as_str() {
        channel.clone()
    } else {
        Channel::from_url(url)
    }
}

/// A record fetched from the mirror, named as conda-forge's.
pub fn canonical(mut record: RepoDataRecord) -> RepoDataRecord {
    if let Some(m) = mirror()
        && record.url.as_str().starts_with(m.as_str())
    {
        record.url = rebase(&record.url, m.as_str(), CONDA_FORGE);
        static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let name = NAME.get_or_init(|| {
            let url = Url::parse(CONDA_FORGE).expect("conda-forge's URL is valid");
            Channel::from_url(url).canonical_name()
        });
        record.channel = Some(name.clone());
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_move_between_the_channel_and_its_mirror() {
        let url =
            Url::parse("https://conda.anaconda.org/conda-forge/linux-64/python-3.11.7-h_0.conda")
                .unwrap();
        assert_eq!(
            rebase(&url, CONDA_FORGE, "file:///m/").as_str(),
            "file:///m/linux-64/python-3.11.7-h_0.conda"
        );
        let other = Url::parse("https://example.org/c/noarch/x.conda").unwrap();
        assert_eq!(rebase(&other, CONDA_FORGE, "file:///m/"), other);
    }
}
