//! Reading the repodata a solve needs: every record of the requested names and, recursively,
//! of their dependencies, for one platform plus `noarch`.
//!
//! Online, one recursive gateway query does it; a channel without a subdir for the platform
//! (many custom channels are `noarch` only) answers 404, which the gateway treats as empty.
//! That answer is not cached, so offline the same subdir has "no cache" and the query would
//! fail. Since wt always fetches a channel's platform subdir together with its `noarch`, a
//! channel whose `noarch` is cached but whose platform subdir is not had none: offline, such
//! channels are read as `noarch` only, and the dependency closure is followed by hand across
//! the two groups of channels.

use super::net;
use rattler_conda_types::{Channel, MatchSpec, ParseStrictness, RepoDataRecord, Subdir};
use rattler_repodata_gateway::fetch::FetchRepoDataError;
use rattler_repodata_gateway::{Gateway, GatewayError};
use std::collections::BTreeSet;

/// Every record of `names` and their dependencies in `channels`, for `platform` and `noarch`.
pub fn records(
    gateway: &Gateway,
    channels: &[Channel],
    platform: Subdir,
    names: &[String],
    offline: bool,
) -> Result<Vec<RepoDataRecord>, GatewayError> {
    if !offline {
        return query(gateway, channels, &[platform, Subdir::NoArch], names, true);
    }
    let mut with_platform = Vec::new();
    let mut noarch_only = Vec::new();
    for c in channels {
        match query(gateway, std::slice::from_ref(c), &[platform], names, false) {
            Ok(_) => with_platform.push(c.clone()),
            Err(e) if is_not_cached(&e) => noarch_only.push(c.clone()),
            Err(e) => return Err(e),
        }
    }
    if noarch_only.is_empty() {
        return query(gateway, channels, &[platform, Subdir::NoArch], names, true);
    }
    let mut wanted: BTreeSet<String> = names.iter().cloned().collect();
    loop {
        let list: Vec<String> = wanted.iter().cloned().collect();
        let mut found = query(gateway, &noarch_only, &[Subdir::NoArch], &list, true)?;
        if !with_platform.is_empty() {
            found.extend(query(
                gateway,
                &with_platform,
                &[platform, Subdir::NoArch],
                &list,
                true,
            )?);
        }
        let before = wanted.len();
        for r in &found {
            wanted.extend(r.package_record.depends.iter().map(|d| dependency_name(d)));
        }
        if wanted.len() == before {
            let mut seen = BTreeSet::new();
            found.retain(|r| seen.insert(r.url.clone()));
            return Ok(found);
        }
    }
}

fn query(
    gateway: &Gateway,
    channels: &[Channel],
    platforms: &[Subdir],
    names: &[String],
    recursive: bool,
) -> Result<Vec<RepoDataRecord>, GatewayError> {
    let specs: Vec<MatchSpec> = names
        .iter()
        .filter_map(|n| MatchSpec::from_str(n, ParseStrictness::Lenient).ok())
        .collect();
    let fetched: Vec<Channel> = channels.iter().map(super::mirror::fetch_channel).collect();
    let q = gateway
        .query(fetched, platforms.to_vec(), specs)
        .recursive(recursive);
    let output = net::block_on(q.execute()).map_err(|e| GatewayError::Generic(e.to_string()))??;
    Ok(output
        .iter()
        .flat_map(|rd| rd.iter().cloned())
        .map(super::mirror::canonical)
        .collect())
}

/// The package name a dependency spec such as `python >=3.8` or `numpy[version='>=1']` names.
fn dependency_name(spec: &str) -> String {
    spec.split(|c: char| c.is_whitespace() || "=<>![~".contains(c))
        .next()
        .unwrap_or("")
        .to_lowercase()
}

fn is_not_cached(e: &GatewayError) -> bool {
    matches!(
        e,
        GatewayError::FetchRepoDataError(FetchRepoDataError::NoCacheAvailable(_))
            | GatewayError::ShardedIndexNotCached(_)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dependency_names() {
        assert_eq!(super::dependency_name("python >=3.8"), "python");
        assert_eq!(super::dependency_name("Greet"), "greet");
        assert_eq!(super::dependency_name("numpy>=1,<2"), "numpy");
        assert_eq!(
            super::dependency_name("libzlib[version='>=1.3']"),
            "libzlib"
        );
    }
}
