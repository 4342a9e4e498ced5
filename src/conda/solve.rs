//! Solving conda requirements for every platform of the lock: repodata from the channels
//! through rattler's gateway (cached under the wt cache), then the resolvo solver.

use super::net;
use super::platforms;
use crate::spec::model::CondaRequirement;
use rattler_conda_types::{Channel, MatchSpec, ParseStrictness, RepoDataRecord, Subdir};
use rattler_repodata_gateway::fetch::CacheAction;
use rattler_repodata_gateway::{ChannelConfig as FetchConfig, Gateway, SourceConfig};
use rattler_solve::{SolveError, SolverImpl, SolverTask};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The solved packages of each platform, sorted by name.
pub type Solution = BTreeMap<Subdir, Vec<RepoDataRecord>>;

/// What to solve.
pub struct CondaRequest<'a> {
    pub requirements: &'a [CondaRequirement],
    pub platforms: &'a [Subdir],
    /// Pins to keep where they still fit (an earlier lock), per platform.
    pub preferred: &'a Solution,
    pub offline: bool,
    /// The wt cache root; repodata is cached under `conda/repodata`.
    pub cache: &'a Path,
}

/// Why a solve failed, in terms the spec's author can act on.
#[derive(Debug)]
pub enum SolveFailure {
    /// A channel could not be read; `requirements` index the requirements that use it.
    Channel {
        requirements: Vec<usize>,
        message: String,
    },
    /// No channel of the requirement has a package of that name; `suggestion` is a
    /// " Did you mean …?" sentence when the channel has a close name.
    Unknown {
        requirement: usize,
        suggestion: String,
    },
    /// The requirements cannot all hold on `platform`; `explanation` is resolvo's.
    Conflict {
        platform: Subdir,
        explanation: String,
    },
    Other(String),
}

/// The match spec of a requirement, restricted to its channel.
pub fn match_spec(r: &CondaRequirement) -> Result<MatchSpec, String> {
    let text = format!("{} {}", r.name.value, r.version.trim());
    let mut spec = MatchSpec::from_str(text.trim(), ParseStrictness::Lenient)
        .map_err(|e| format!("`{}` is not a valid conda match spec: {e}", text.trim()))?;
    spec.channel = Some(Arc::new(channel(r)?));
    Ok(spec)
}

fn channel(r: &CondaRequirement) -> Result<Channel, String> {
    let url = url::Url::parse(&r.channel.value.base_url).map_err(|e| {
        format!(
            "`{}` is not a valid channel URL: {e}",
            r.channel.value.base_url
        )
    })?;
    Ok(Channel::from_url(url))
}

/// Solves `req` for each of its platforms.
pub fn solve(req: &CondaRequest) -> Result<Solution, SolveFailure> {
    let mut specs = Vec::new();
    let mut channels: Vec<Channel> = Vec::new();
    for r in req.requirements {
        specs.push(match_spec(r).map_err(SolveFailure::Other)?);
        let c = channel(r).map_err(SolveFailure::Other)?;
        if !channels.iter().any(|k| k.base_url == c.base_url) {
            channels.push(c);
        }
    }
    let mut solution = Solution::new();
    if specs.is_empty() {
        for p in req.platforms {
            solution.insert(*p, Vec::new());
        }
        return Ok(solution);
    }
    let gateway = gateway(req).map_err(|e| SolveFailure::Other(format!("{e:#}")))?;
    let mut found: Vec<bool> = vec![false; specs.len()];
    let mut available = BTreeMap::new();
    for &platform in req.platforms {
        // Query by name: every version of each package, so the solver (not the fetch) decides
        // and can explain a conflict in terms of real candidates.
        let names: Vec<String> = req
            .requirements
            .iter()
            .map(|r| r.name.value.clone())
            .collect();
        let records = super::fetch::records(&gateway, &channels, platform, &names, req.offline)
            .map_err(|e| channel_failure(req, &e))?;
        for (i, r) in req.requirements.iter().enumerate() {
            if records
                .iter()
                .any(|rec| rec.package_record.name.as_normalized() == r.name.value.to_lowercase())
            {
                found[i] = true;
            }
        }
        available.insert(platform, records);
    }
    if let Some(missing) = found.iter().position(|f| !f) {
        let r = &req.requirements[missing];
        let names = channel(r).ok().and_then(|c| {
            let query = gateway.names([c], [req.platforms[0], Subdir::NoArch]);
            net::block_on(query.execute()).ok()?.ok()
        });
        let suggestion = names
            .map(|out| {
                let names: Vec<String> = out
                    .names
                    .iter()
                    .map(|n| n.as_normalized().to_string())
                    .collect();
                crate::diag::did_you_mean(&r.name.value, names.iter().map(String::as_str))
            })
            .unwrap_or_default();
        return Err(SolveFailure::Unknown {
            requirement: missing,
            suggestion,
        });
    }
    for (platform, records) in &available {
        let preferred: Vec<&RepoDataRecord> = req
            .preferred
            .get(platform)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        let task = SolverTask {
            specs: specs.clone(),
            virtual_packages: platforms::virtual_packages(*platform),
            locked_packages: preferred,
            ..SolverTask::from_iter([records.iter()])
        };
        let mut solved = match rattler_solve::resolvo::Solver.solve(task) {
            Ok(result) => result.records,
            Err(SolveError::Unsolvable(lines)) => {
                return Err(SolveFailure::Conflict {
                    platform: *platform,
                    explanation: lines.join("\n"),
                });
            }
            Err(e) => return Err(SolveFailure::Other(e.to_string())),
        };
        solved.sort_by(|a, b| {
            a.package_record
                .name
                .as_normalized()
                .cmp(b.package_record.name.as_normalized())
        });
        solution.insert(*platform, solved);
    }
    Ok(solution)
}

fn gateway(req: &CondaRequest) -> anyhow::Result<Gateway> {
    let mut source = SourceConfig::default();
    if req.offline {
        source.cache_action = CacheAction::ForceCacheOnly;
    }
    Ok(Gateway::builder()
        .with_cache_dir(crate::cache::Layout(req.cache).conda_repodata())
        .with_package_cache(rattler_cache::package_cache::PackageCache::new(
            crate::cache::Layout(req.cache).conda_packages(),
        ))
        .with_client(net::client(req.offline)?)
        .with_channel_config(FetchConfig {
            default: source,
            per_channel: Default::default(),
        })
        .finish())
}

/// A gateway error, attributed to the requirements whose channel it names (all of them when
/// it names none).
fn channel_failure(req: &CondaRequest, e: &rattler_repodata_gateway::GatewayError) -> SolveFailure {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    let named: Vec<usize> = req
        .requirements
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            let url = r.channel.value.base_url.trim_end_matches('/');
            message.contains(url)
                || url
                    .strip_prefix("file://")
                    .is_some_and(|path| message.contains(path))
        })
        .map(|(i, _)| i)
        .collect();
    let requirements = if named.is_empty() {
        (0..req.requirements.len()).collect()
    } else {
        named
    };
    if req.offline {
        message.push_str(" (wt is offline: only cached repodata can be read)");
    }
    SolveFailure::Channel {
        requirements,
        message,
    }
}
