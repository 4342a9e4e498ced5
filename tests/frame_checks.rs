//! Data frames along edges, for real: a task library typed with pandera `DataFrameModel`s is
//! discovered in its own environment (pandera and pandas from PyPI), its frames' columns are
//! recorded, and a consumer requiring a column the producer's model lacks stops `wt build` at
//! the binding's line, naming the column; the matching edge builds and runs.

use crate::support::runs;

use std::path::Path;
use std::process::Output;

const LIBRARY: &str = r#"import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame, Series
from wt_registry import register


class Fixes(pa.DataFrameModel):
    animal: Series[str]
    x: Series[float]


class TimedFixes(pa.DataFrameModel):
    animal: Series[str]
    x: Series[float]
    time: Series[int]


@register()
def load_fixes(count: int = 3) -> DataFrame[Fixes]:
    frame = pd.DataFrame({"animal": ["a"] * count, "x": [float(i) for i in range(count)]})
    return DataFrame[Fixes](frame)


@register()
def track_length(fixes: DataFrame[Fixes]) -> float:
    return float(fixes["x"].sum())


@register()
def duration(fixes: DataFrame[TimedFixes]) -> int:
    return int(fixes["time"].max() - fixes["time"].min())
"#;

fn spec(consumer: &str) -> String {
    format!(
        "id: frames\nrequirements:\n  - name: frame-tasks\n    path: ../../frame-tasks\nworkflow:\n  - id: fixes\n    task: load_fixes\n  - id: measured\n    task: {consumer}\n    partial:\n      fixes: ${{{{ workflow.fixes.return }}}}\n"
    )
}

fn wt_in(dir: &Path, args: &[&str]) -> Output {
    runs::wt().args(args).current_dir(dir).output().unwrap()
}

#[test]
fn frame_columns_are_checked_at_build_time() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    runs::write_library(root, "frame-tasks", LIBRARY);
    let pyproject = root.join("frame-tasks/pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap().replace(
        "dependencies = [\"wt-registry\"]",
        "dependencies = [\"wt-registry\", \"pandera[pandas]==0.35.0\"]",
    );
    std::fs::write(&pyproject, text).unwrap();
    std::fs::write(root.join("wt.toml"), "[workspace]\n").unwrap();
    let spec_dir = root.join("workflows/frames");
    std::fs::create_dir_all(&spec_dir).unwrap();

    std::fs::write(spec_dir.join("spec.yaml"), spec("duration")).unwrap();
    let out = wt_in(root, &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: Type mismatch: `fixes` (load_fixes) returns")
            && stderr.contains("`TimedFixes` requires column `time` that `Fixes` does not declare")
            && stderr.contains("--> workflows/frames/spec.yaml:11:14")
            && stderr.contains("`frame-columns` is an error by default"),
        "{stderr}"
    );

    // A workspace that knows its frames carry more than their models say may lower the level.
    std::fs::write(root.join("wt.toml"), "[lints]\nframe-columns = \"warn\"\n").unwrap();
    let out = wt_in(root, &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: Type mismatch"), "{stderr}");

    std::fs::write(root.join("wt.toml"), "[workspace]\n").unwrap();
    std::fs::write(spec_dir.join("spec.yaml"), spec("track_length")).unwrap();
    let run = runs::run_example(
        &spec_dir.join("spec.yaml"),
        &serde_json::json!({}),
        &[],
        &[],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.trim(), "3.0");
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}
