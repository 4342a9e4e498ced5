//! The Airflow DAG file of a workspace (`airflow/<package>_dag.py`): the DAG builder that is
//! the same for every workflow (`runtime/airflow/wt_dag.py`, real Python kept in this
//! repository) followed by this workflow's nodes as data and the call that builds the DAG.

use super::HEADER;
use super::python::{INDENT, exploded_list, py_str};
use crate::spec::resolved::Workflow;

/// The DAG builder, copied as it is.
const BUILDER: &str = include_str!("../../runtime/airflow/wt_dag.py");

/// Where the DAG file goes in the workspace.
pub fn path(package: &str) -> String {
    format!("airflow/{package}_dag.py")
}

/// The DAG file of `workflow`.
pub fn file(workflow: &Workflow, release: &str, package: &str) -> String {
    let nodes: Vec<String> = workflow
        .instances
        .iter()
        .map(|inst| {
            let inputs: Vec<String> = inst.dependencies.iter().map(|d| py_str(d)).collect();
            let fan_out = match inst.def.fan_out() {
                Some((_, true)) => py_str("mapvalues"),
                Some((_, false)) => py_str("map"),
                None => "None".to_string(),
            };
            let inner = INDENT.repeat(3);
            format!(
                "{{\n{inner}\"id\": {},\n{inner}\"inputs\": {},\n{inner}\"fan_out\": {fan_out},\n{}}}",
                py_str(&inst.def.id.value),
                exploded_list(&inputs, 3),
                INDENT.repeat(2)
            )
        })
        .collect();
    let terminal = workflow
        .terminal()
        .map_or("None".to_string(), |t| py_str(&t.def.id.value));
    format!(
        "# {HEADER}\n{BUILDER}\n\n# The workflow: its task instances, each after the instances it reads.\nWORKFLOW = {{\n    \"release\": {},\n    \"package\": {},\n    \"terminal\": {terminal},\n    \"nodes\": {},\n}}\n\ndag = build_dag(WORKFLOW)\n",
        py_str(release),
        py_str(package),
        exploded_list(&nodes, 1)
    )
}
