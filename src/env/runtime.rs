//! The packages wt adds to every workflow environment, next to the spec's requirements.
//!
//! Generated code imports `wt_task` and `wt_contracts`; the generated CLI uses click, pydantic
//! and ruamel.yaml, and obstore to write results to object storage; discovery runs the
//! `wt-registry` CLI; the parallel and async execution modes run on Lithops. Where each comes
//! from is decided once, here: Python itself from conda, everything else from PyPI. The
//! solve locks these lists and the generated pixi.toml declares the same ones, so the manifest
//! asks each package from where the lock has it.

use crate::spec::model::{Channel, Requirement};

/// PyPI packages of every workflow environment: (name, version range). Locked by the solve and
/// written into the generated pixi.toml's `[pypi-dependencies]`.
pub const PYPI: &[(&str, &str)] = &[
    ("wt-registry", ">=0.2.2,<1"),
    ("wt-task", ">=0.1.3,<1"),
    ("wt-contracts", ">=0.2.0,<1"),
    ("click", ">=8,<9"),
    ("pydantic", ">=2,<3"),
    ("ruamel.yaml", ">=0.18,<0.19"),
    ("obstore", ">=0.6,<0.7"),
    // The async execution mode's executor (localhost backend; cloud backends need extras).
    ("lithops", LITHOPS),
];

/// Lithops' versions, the same in every environment (the `cloudrun` one adds its extras).
const LITHOPS: &str = ">=3.8,<4";

/// A pixi feature: PyPI packages one environment adds to the default ones.
#[derive(Debug, serde::Serialize)]
pub struct Feature {
    /// The feature's name, which is also its environment's.
    pub name: &'static str,
    /// Why the environment exists (comment lines of pixi.toml).
    pub purpose: &'static [&'static str],
    /// (name, version range, extras).
    pub pypi: &'static [(&'static str, &'static str, &'static [&'static str])],
}

/// The environments of a workflow's pixi.toml besides `default`, one feature each, all in the
/// `default` solve group: the lock holds every one of them, with the versions they share equal.
pub const FEATURES: &[Feature] = &[
    Feature {
        name: "test",
        purpose: &["`pixi run -e test test` runs the generated tests."],
        pypi: &[("pytest", ">=8,<9", &[])],
    },
    Feature {
        name: "cloudrun",
        purpose: &[
            "`--execution-mode async` on Google Cloud Run + Storage (LITHOPS_CONFIG_FILE); the",
            "default environment has Lithops for the localhost backend.",
        ],
        pypi: &[("lithops", LITHOPS, &["gcp"])],
    },
];

/// A feature's PyPI packages as requirement lines (`lithops[gcp]>=3.8,<4`).
pub fn feature_lines(feature: &Feature) -> Vec<String> {
    feature
        .pypi
        .iter()
        .map(|(name, version, extras)| {
            let extras = if extras.is_empty() {
                String::new()
            } else {
                format!("[{}]", extras.join(","))
            };
            format!("{name}{extras}{version}")
        })
        .collect()
}

/// conda packages written into the generated pixi.toml `[dependencies]`: the interpreter.
pub const PIXI_CONDA: &[(&str, &str)] = &[("python", ">=3.10,<3.14")];

/// The channel Python comes from, by the name workspaces know it (a workspace may point the
/// name at a mirror in wt.toml's `[conda.channels]`).
pub const PYTHON_CHANNEL: &str = "conda-forge";

/// The PyPI index the runtime and the spec's PyPI requirements are resolved from.
pub const PYPI_INDEX: &str = "https://pypi.org/simple";

/// Bumped when the solve writes the lock differently for the same inputs (it is part of the
/// solve's key, so cached locks of an older shape are not reused). 5: METADATA read as
/// `email.parser` reads it (format 4 stopped at a whitespace-only continuation line of a
/// multi-line `License:` and could lock a package without its `requires_dist`).
pub const LOCK_FORMAT: u32 = 5;

/// The channel Python comes from (conda-forge, or where the workspace points that name).
pub fn python_channel() -> Channel {
    crate::spec::requirements::known_channels()
        .into_iter()
        .find(|c| c.name == PYTHON_CHANNEL)
        .expect("conda-forge is a built-in channel")
}

/// The conda channels of a workflow's environment, in order: those of the spec's conda
/// requirements, then the one Python comes from. pixi.toml lists these and the lock records
/// them, so the two agree by pixi's rules (same channels, same order).
pub fn channels(requirements: &[Requirement]) -> Vec<Channel> {
    let mut out: Vec<Channel> = Vec::new();
    let python = Some(python_channel());
    let conda = requirements.iter().filter_map(|r| match r {
        Requirement::Conda(c) => Some(c.channel.value.clone()),
        Requirement::Pypi(_) => None,
    });
    for channel in conda.chain(python) {
        if !out.iter().any(|k| k.base_url == channel.base_url) {
            out.push(channel);
        }
    }
    out
}
