//! The DAG picture in each format `wt graph` prints: the SVG that compiled workspaces carry as
//! graph.svg, the mermaid flowchart of their README, and a Graphviz digraph.

use minijinja::Value;
use serde::Serialize;

use super::graph::Graph;
use super::{CodegenError, HEADER, dot, readme, render, svg};
use crate::spec::resolved::Workflow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Mermaid,
    Dot,
}

/// The context graph.svg's template reads.
#[derive(Serialize)]
struct SvgContext<'a> {
    header: &'static str,
    release_name: &'a str,
    svg: svg::SvgLayout,
}

/// The picture of `workflow` in `format`, titled `title` (the release name in a workspace).
pub fn picture(workflow: &Workflow, title: &str, format: Format) -> Result<String, CodegenError> {
    let graph = Graph::of(workflow);
    Ok(match format {
        Format::Svg => svg_file(&graph, title)?,
        Format::Mermaid => readme::mermaid(&graph),
        Format::Dot => dot::dot(&graph, title),
    })
}

/// graph.svg, as the workspace holds it.
pub fn svg_file(graph: &Graph, title: &str) -> Result<String, CodegenError> {
    let env = render::environment().map_err(template_error)?;
    render_svg(&env, graph, title)
}

/// graph.svg with the templates already loaded (codegen renders every file with one set).
pub(super) fn render_svg(
    env: &minijinja::Environment,
    graph: &Graph,
    title: &str,
) -> Result<String, CodegenError> {
    let ctx = SvgContext {
        header: HEADER,
        release_name: title,
        svg: svg::SvgLayout::of(graph),
    };
    render::render(
        env,
        "graph.svg",
        &Value::from(minijinja::value::Serde(&ctx)),
    )
    .map_err(template_error)
}

fn template_error(source: minijinja::Error) -> CodegenError {
    CodegenError::Template {
        name: "graph.svg".into(),
        source,
    }
}
