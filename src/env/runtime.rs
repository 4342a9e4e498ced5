//! The Python packages wt adds to every workflow environment, next to the spec's requirements.
//!
//! Generated code imports `wt_task` and `wt_contracts`; the generated CLI uses click, pydantic
//! and ruamel.yaml; discovery runs the `wt-registry` CLI; the async execution mode runs on
//! Lithops. All are published on PyPI.

/// PyPI packages of the environment used for discovery and `wt run`: (name, version range).
pub const PYPI: &[(&str, &str)] = &[
    ("wt-registry", ">=0.2.2,<1"),
    ("wt-task", ">=0.1.3,<1"),
    ("wt-contracts", ">=0.2.0,<1"),
    ("click", ">=8,<9"),
    ("pydantic", ">=2,<3"),
    ("ruamel.yaml", ">=0.18,<0.19"),
    // The async execution mode's executor (localhost backend; cloud backends need extras).
    ("lithops", ">=3.8,<4"),
];

/// The Lithops requirement of the generated pixi.toml's `async` feature, and of its
/// `cloudrun` feature (Google Cloud Run + Storage).
pub const PIXI_LITHOPS: &str = ">=3.8,<4";

/// conda packages written into the generated pixi.toml `[dependencies]` (conda-forge).
pub const PIXI_CONDA: &[(&str, &str)] = &[
    ("python", ">=3.10,<3.14"),
    ("click", ">=8,<9"),
    ("obstore", ">=0.6,<0.7"),
    ("pydantic", ">=2,<3"),
    ("ruamel.yaml", ">=0.18,<0.19"),
];

/// PyPI packages written into the generated pixi.toml `[pypi-dependencies]`.
pub const PIXI_PYPI: &[(&str, &str)] = &[("wt-task", ">=0.1.3,<1"), ("wt-contracts", ">=0.2.0,<1")];
