//! The packages wt adds to every workflow environment, next to the spec's requirements.
//!
//! Generated code imports `wt_task` and `wt_contracts`; the generated CLI uses click, pydantic
//! and ruamel.yaml, and obstore to write results to object storage; discovery runs the
//! `wt-registry` CLI; the parallel and async execution modes run on Lithops. Where each comes
//! from is decided once, here: Python itself from conda, everything else from PyPI. The
//! solve locks these lists and the generated pixi.toml declares the same ones, so the manifest
//! asks each package from where the lock has it.

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
    ("lithops", ">=3.8,<4"),
];

/// The Lithops requirement of the generated pixi.toml's `cloudrun` feature (Google Cloud Run +
/// Storage, which need Lithops' `gcp` extras).
pub const PIXI_LITHOPS: &str = ">=3.8,<4";

/// conda packages written into the generated pixi.toml `[dependencies]`: the interpreter.
pub const PIXI_CONDA: &[(&str, &str)] = &[("python", ">=3.10,<3.14")];
