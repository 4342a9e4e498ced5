//! Settings: the environment variables a workflow reads with `${{ env.X }}`. Unlike secrets
//! (`data_connections_env_vars`), they are shown as they are. The operator sets them for every
//! run (`wt serve --env X=…` or the server's environment); those the server leaves unset, a
//! request may give in `settings`, and the launchpad asks for them.

use super::workflows::ServedWorkflow;
use serde_json::{Value as Json, json};

/// Longest value of one setting.
const LONGEST_VALUE: usize = 64 * 1024;

/// The value the server gives `name`: `--env` first, then its own environment.
pub fn server_value(name: &str, server: &[(String, String)]) -> Option<String> {
    server
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var(name).ok())
}

/// The settings of `workflow` as `GET /workflows` lists them: `name`, `where` (the spec line
/// that reads it), and `value` when the server sets it (null: a run must give it).
pub fn describe(workflow: &ServedWorkflow, server: &[(String, String)]) -> Json {
    Json::Array(
        workflow
            .env_references
            .iter()
            .map(|(name, at)| json!({"name": name, "where": at, "value": server_value(name, server)}))
            .collect(),
    )
}

/// The `settings` of a request: only settings the workflow reads and the server leaves unset,
/// each a string.
pub fn from_request(
    value: Option<&Json>,
    workflow: &ServedWorkflow,
    server: &[(String, String)],
) -> Result<Vec<(String, String)>, String> {
    let map = match value {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Object(map)) => map,
        Some(_) => {
            return Err("`settings` must be an object of setting names and string values".into());
        }
    };
    let reads: Vec<&str> = workflow
        .env_references
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let mut out = Vec::new();
    for (name, value) in map {
        if !reads.contains(&name.as_str()) {
            let known = if reads.is_empty() {
                "it reads none".to_string()
            } else {
                format!("it reads {}", reads.join(", "))
            };
            return Err(format!(
                "`{}` is not a setting of {}: {known}",
                super::workflows::shorten(name),
                workflow.release
            ));
        }
        if server_value(name, server).is_some() {
            return Err(format!(
                "the setting `{name}` is set by the server (`wt serve --env` or its environment); a request cannot change it"
            ));
        }
        let Some(text) = value.as_str() else {
            return Err(format!("the setting `{name}` must be a string"));
        };
        if text.len() > LONGEST_VALUE || text.contains('\0') {
            return Err(format!(
                "the setting `{name}` must be at most 64 KiB, without NUL characters"
            ));
        }
        out.push((name.clone(), text.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflow() -> ServedWorkflow {
        ServedWorkflow {
            env_references: vec![
                ("WT_TEST_OWNER_9".into(), "spec.yaml line 3".into()),
                ("WT_TEST_SET_9".into(), "spec.yaml line 4".into()),
            ],
            ..ServedWorkflow::sample("wt-x-workflow")
        }
    }

    #[test]
    fn only_unset_settings_of_the_workflow_are_taken() {
        let server = vec![("WT_TEST_SET_9".to_string(), "fixed".to_string())];
        let w = workflow();
        let ok = from_request(Some(&json!({"WT_TEST_OWNER_9": "Ada"})), &w, &server).unwrap();
        assert_eq!(ok, vec![("WT_TEST_OWNER_9".into(), "Ada".into())]);
        let e = from_request(Some(&json!({"PATH": "/x"})), &w, &server).unwrap_err();
        assert!(
            e.contains("not a setting") && e.contains("WT_TEST_OWNER_9"),
            "{e}"
        );
        let e = from_request(Some(&json!({"WT_TEST_SET_9": "x"})), &w, &server).unwrap_err();
        assert!(e.contains("set by the server"), "{e}");
        let e = from_request(Some(&json!({"WT_TEST_OWNER_9": 3})), &w, &server).unwrap_err();
        assert!(e.contains("must be a string"), "{e}");
        assert_eq!(
            describe(&w, &server),
            json!([
                {"name": "WT_TEST_OWNER_9", "where": "spec.yaml line 3", "value": null},
                {"name": "WT_TEST_SET_9", "where": "spec.yaml line 4", "value": "fixed"},
            ])
        );
    }
}
