//! The minijinja environment holding every template of the generated workspace.
//!
//! Templates live in `templates/` and are compiled into the binary with `include_str!`, so
//! `wt` renders the same files from any working directory. Nothing is auto-escaped: values
//! are escaped explicitly for their target language with the filters below.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::python::py_str;
use super::{pixi, python, readme, svg};

/// `(name, source)` of every template.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("pixi.toml", include_str!("../../templates/pixi.toml.j2")),
    (
        "pyproject.toml",
        include_str!("../../templates/pyproject.toml.j2"),
    ),
    (
        "hatch_build.py",
        include_str!("../../templates/hatch_build.py.j2"),
    ),
    (
        "VERSION.yaml",
        include_str!("../../templates/VERSION.yaml.j2"),
    ),
    ("Dockerfile", include_str!("../../templates/Dockerfile.j2")),
    (
        "Dockerfile.dockerignore",
        include_str!("../../templates/dockerignore.j2"),
    ),
    ("README.md", include_str!("../../templates/README.md.j2")),
    ("graph.svg", include_str!("../../templates/graph.svg.j2")),
    (
        "tests/conftest.py",
        include_str!("../../templates/tests/conftest.py.j2"),
    ),
    (
        "tests/test_workflow.py",
        include_str!("../../templates/tests/test_workflow.py.j2"),
    ),
    (
        "package/__init__.py",
        include_str!("../../templates/package/__init__.py.j2"),
    ),
    (
        "package/cli.py",
        include_str!("../../templates/package/cli.py.j2"),
    ),
    (
        "package/metadata.py",
        include_str!("../../templates/package/metadata.py.j2"),
    ),
    (
        "package/dags/__init__.py",
        include_str!("../../templates/package/dags/__init__.py.j2"),
    ),
    (
        "package/dags/run_sequential.py",
        include_str!("../../templates/package/dags/run_sequential.py.j2"),
    ),
    (
        "package/dags/run_graph.py",
        include_str!("../../templates/package/dags/run_graph.py.j2"),
    ),
];

/// `(path in the package, source)` of every module of the generated runtime: the same in every
/// package, so they are real Python kept in `runtime/wt_runtime/` (linted and unit-tested
/// there) and copied as they are, under the generated-file header.
pub const RUNTIME_MODULES: &[(&str, &str)] = &[
    (
        "bindings.py",
        include_str!("../../runtime/wt_runtime/bindings.py"),
    ),
    ("keys.py", include_str!("../../runtime/wt_runtime/keys.py")),
    (
        "dispatch.py",
        include_str!("../../runtime/wt_runtime/dispatch.py"),
    ),
    (
        "entry.py",
        include_str!("../../runtime/wt_runtime/entry.py"),
    ),
    (
        "executors.py",
        include_str!("../../runtime/wt_runtime/executors.py"),
    ),
    ("lane.py", include_str!("../../runtime/wt_runtime/lane.py")),
    (
        "response.py",
        include_str!("../../runtime/wt_runtime/response.py"),
    ),
    (
        "reuse.py",
        include_str!("../../runtime/wt_runtime/reuse.py"),
    ),
    (
        "scheduler.py",
        include_str!("../../runtime/wt_runtime/scheduler.py"),
    ),
    (
        "spread.py",
        include_str!("../../runtime/wt_runtime/spread.py"),
    ),
    (
        "store.py",
        include_str!("../../runtime/wt_runtime/store.py"),
    ),
    (
        "run_spans.py",
        include_str!("../../runtime/wt_runtime/run_spans.py"),
    ),
    (
        "spans.py",
        include_str!("../../runtime/wt_runtime/spans.py"),
    ),
    ("warm.py", include_str!("../../runtime/wt_runtime/warm.py")),
];

/// The environment with all templates and the escaping filters:
/// `py` (Python string literal), `toml` (TOML basic string), `xml` (XML text/attribute),
/// `yaml_scalar` (YAML plain or double-quoted scalar), `mermaid` (mermaid label text); and the
/// function `exploded(items, level)`.
pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    env.add_filter("py", |s: &str| py_str(s));
    env.add_filter("toml", |s: &str| pixi::toml_str(s));
    // A JSON string, as the exec form of Dockerfile instructions takes them.
    env.add_filter("json", |s: &str| {
        serde_json::to_string(s).expect("a string serializes")
    });
    env.add_filter("xml", |s: &str| svg::xml_escape(s));
    env.add_filter("yaml_scalar", |s: &str| readme::yaml_scalar(s));
    env.add_filter("mermaid", |s: &str| readme::mermaid_text(s));
    // A list of already-rendered Python items, one per line, for a line indented `level`
    // times: the layout ruff keeps for a list with a trailing comma.
    env.add_function("exploded", |items: Vec<String>, level: usize| {
        python::exploded_list(&items, level)
    });
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// Renders template `name` with `ctx`.
pub fn render(env: &Environment, name: &str, ctx: &Value) -> Result<String, minijinja::Error> {
    env.get_template(name)?.render(ctx.clone())
}
