//! A run's progress, read from the spans its workflow writes while it runs (the package's
//! `spans.py`, to `WT_RUN_PROGRESS`): per task instance, its state (`running` once it has
//! started, then `succeeded`, `skipped`, `reused`, `failed` or `cancelled`), its duration, and
//! for a fan-out how many elements there are and how many have ended, were reused or skipped.
//! Instances with no line yet are waiting; the page knows them from the workflow's DAG.

use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TaskProgress {
    pub state: String,
    /// Seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elements: Option<u64>,
    /// Elements that ended (ran, were reused or skipped, or failed).
    pub elements_done: u64,
    pub elements_reused: u64,
    pub elements_skipped: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The progress of every task instance with a line in `file`, by instance id (empty when the
/// file is missing).
pub fn read(file: &Path) -> BTreeMap<String, TaskProgress> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut tasks: BTreeMap<String, TaskProgress> = BTreeMap::new();
    // A line being written may be incomplete: it fails to parse and is read next time.
    for line in text
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
    {
        let attributes = &line["attributes"];
        let Some(id) = attributes["wt.task_instance_id"].as_str() else {
            continue;
        };
        let task = tasks.entry(id.to_string()).or_default();
        if line.get("started").is_some() {
            task.state = "running".into();
            task.started_at = line["start_time"].as_str().and_then(parse_iso);
            task.elements = attributes["wt.elements"].as_u64();
            continue;
        }
        let state = attributes["wt.state"].as_str().unwrap_or("succeeded");
        if attributes.get("wt.element.index").is_some() {
            task.elements_done += 1;
            match state {
                "reused" => task.elements_reused += 1,
                "skipped" => task.elements_skipped += 1,
                _ => {}
            }
            continue;
        }
        let start = line["start_time"].as_str().and_then(parse_iso);
        let end = line["end_time"].as_str().and_then(parse_iso);
        task.state = state.to_string();
        task.started_at = task.started_at.or(start);
        task.duration_s = start.zip(end).map(|(s, e)| (e - s).max(0.0));
        task.elements = attributes["wt.elements"].as_u64().or(task.elements);
        task.error = line["status"]["description"].as_str().map(str::to_string);
    }
    tasks
}

/// Seconds since the epoch of `2026-01-02T03:04:05.123456Z`.
fn parse_iso(text: &str) -> Option<f64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':');
    let (h, min) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let s: f64 = t.next()?.parse().ok()?;
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + min * 60) as f64 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_back() {
        assert_eq!(parse_iso("1970-01-01T00:00:01.500000Z"), Some(1.5));
        assert_eq!(
            parse_iso("2000-02-29T00:00:00.000000Z"),
            Some(951_782_400.0)
        );
        assert_eq!(parse_iso("not a time"), None);
    }

    #[test]
    fn states_and_counts_come_from_the_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.jsonl");
        let lines = [
            r#"{"started": "a", "start_time": "2026-01-01T00:00:00.000000Z", "attributes": {"wt.task_instance_id": "a"}}"#,
            r#"{"name": "a", "start_time": "2026-01-01T00:00:00.000000Z", "end_time": "2026-01-01T00:00:02.500000Z", "status": {"status_code": "UNSET"}, "attributes": {"wt.task_instance_id": "a", "wt.state": "succeeded"}}"#,
            r#"{"started": "m", "start_time": "2026-01-01T00:00:03.000000Z", "attributes": {"wt.task_instance_id": "m", "wt.elements": 3}}"#,
            r#"{"name": "m[0]", "attributes": {"wt.task_instance_id": "m", "wt.element.index": 0, "wt.state": "reused"}}"#,
            r#"{"name": "m[1]", "attributes": {"wt.task_instance_id": "m", "wt.element.index": 1, "wt.state": "succeeded"}}"#,
            r#"{"name": "m[2]", "attr"#,
        ];
        std::fs::write(&file, lines.join("\n")).unwrap();
        let tasks = read(&file);
        assert_eq!(tasks["a"].state, "succeeded");
        assert_eq!(tasks["a"].duration_s, Some(2.5));
        let m = &tasks["m"];
        assert_eq!(
            (
                m.state.as_str(),
                m.elements,
                m.elements_done,
                m.elements_reused
            ),
            ("running", Some(3), 2, 1)
        );
        assert!(read(&dir.path().join("missing")).is_empty());
    }
}
