//! The `[conda]` table of wt.toml, checked: the platforms a lock covers and the workspace's
//! named channels.

use super::platforms;
use crate::config::Config;
use crate::spec::model::Channel;
use anyhow::{Result, bail};
use rattler_conda_types::Subdir;
use std::path::Path;

/// What the solve needs from wt.toml.
#[derive(Debug, Clone)]
pub struct CondaSettings {
    pub platforms: Vec<Subdir>,
    pub channels: Vec<Channel>,
}

impl CondaSettings {
    /// Reads and checks `config.conda`; `root` is the folder of wt.toml, against which channel
    /// folders are resolved.
    pub fn from_config(root: &Path, config: &Config) -> Result<CondaSettings> {
        let file = root.join(crate::workspace::WORKSPACE_FILE);
        let mut problems = Vec::new();
        let mut platforms = Vec::new();
        for name in config.conda.platforms() {
            match platforms::parse(&name) {
                Ok(p) if platforms.contains(&p) => {
                    problems.push(format!("[conda] platforms: `{name}` is listed twice"))
                }
                Ok(p) => platforms.push(p),
                Err(e) => problems.push(format!("[conda] platforms: {e}")),
            }
        }
        if platforms.is_empty() && problems.is_empty() {
            problems.push("[conda] platforms: the list is empty; name at least one platform, e.g. `[\"linux-64\"]`".into());
        }
        let mut channels = Vec::new();
        for (name, location) in &config.conda.channels {
            match channel_url(root, location) {
                Ok(base_url) => channels.push(Channel {
                    name: name.clone(),
                    base_url,
                }),
                Err(e) => problems.push(format!("[conda.channels] {name}: {e}")),
            }
        }
        if !problems.is_empty() {
            bail!(
                "{} has an invalid [conda] table:\n{}",
                file.display(),
                problems
                    .iter()
                    .map(|p| format!("  - {p}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        platforms.sort_by_key(|p| p.as_str());
        Ok(CondaSettings {
            platforms,
            channels,
        })
    }

    /// The default platforms and no workspace channels.
    pub fn default_settings() -> CondaSettings {
        CondaSettings::from_config(std::path::Path::new("."), &Config::default())
            .expect("the default [conda] settings are valid")
    }

    /// The platform names, in the lock's order.
    pub fn platform_names(&self) -> Vec<&'static str> {
        self.platforms.iter().map(|p| p.as_str()).collect()
    }
}

/// A channel's base URL (ending in `/`): URLs as written, anything else a folder.
fn channel_url(root: &Path, location: &str) -> Result<String, String> {
    let with_slash = |s: String| if s.ends_with('/') { s } else { format!("{s}/") };
    if location.contains("://") {
        return match url::Url::parse(location) {
            Ok(u) if matches!(u.scheme(), "http" | "https" | "file") => {
                Ok(with_slash(location.to_string()))
            }
            Ok(u) => Err(format!(
                "`{location}` uses the scheme `{}`; channels are http(s):// URLs, file:// URLs or folders",
                u.scheme()
            )),
            Err(e) => Err(format!("`{location}` is not a valid URL: {e}")),
        };
    }
    let dir = crate::workspace::normalize(&root.join(location));
    if !dir.is_dir() {
        return Err(format!(
            "the folder {} does not exist (folders are relative to the workspace root)",
            dir.display()
        ));
    }
    Ok(with_slash(format!("file://{}", dir.display())))
}
