//! The steps of compiling a workflow (solve, discover, codegen, package), implemented as the
//! engine's actions ([`actions`]) over one workflow target ([`TargetState`]).

pub mod actions;
pub mod codegen;
pub mod context;
pub mod discover;
pub mod inputs;
pub mod introspect;
pub mod lints;
pub mod package;
pub mod resolver_python;
pub mod solve;
pub mod solve_pypi;
pub mod target;
pub mod validated;

/// The discover step's outputs, which validation and `wt tasks` read: the registry, and the
/// full signatures of its tasks. Here rather than in `discover` so that readers of discovery
/// do not depend on the step that runs it.
pub const REGISTRY_FILE: &str = "registry.json";
pub const SIGNATURES_FILE: &str = "signatures.json";

/// The steps' names, as rules/ declares them and the engine keys their results. Only `steps`
/// and `project` name a step: commands ask `project` for what they need.
pub const SOLVE: &str = "solve";
pub const DISCOVER: &str = "discover";
pub const CODEGEN: &str = "codegen";
pub const PACKAGE: &str = "package";

pub use actions::actions;
pub use context::BuildContext;
pub use target::TargetState;
