//! What a request may choose of a run's Lithops configuration, and what only the server's
//! operator may.
//!
//! A request's `lithops_config` is written to the file the workflow hands to Lithops
//! (`LITHOPS_CONFIG_FILE`), and Lithops acts on what it finds there: `lithops.log_filename`
//! opens any file for writing, `localhost.runtime` names the program each worker starts,
//! `monitoring` and many other keys shape files and commands, worker counts start that many
//! processes and threads. So a request may set only the settings of [`ALLOWED`], each checked
//! by type and range (worker counts bounded by the server's per-run bound) before anything
//! starts; anything else is refused with a 422 naming it. Everything else comes from the
//! operator's file (`wt serve --lithops-config FILE`), which the request's settings are laid
//! over.

use serde_json::{Map, Value as Json};

/// A kind of value a request may give.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// One of these names.
    OneOf(&'static [&'static str]),
    /// A whole number in this range.
    Int(i64, i64),
    /// A number in this range.
    Number(f64, f64),
    /// A whole number from 1 to the server's per-run bound on workers.
    Workers,
    /// A cloud region: lowercase letters, digits and `-`, up to 64.
    Region,
    /// A container image reference: letters, digits and `._:/@-`, up to 256, not starting
    /// with `-`.
    Image,
}

/// Lithops backends a request may choose.
const BACKENDS: &[&str] = &[
    "localhost",
    "gcp_cloudrun",
    "gcp_functions",
    "aws_lambda",
    "aws_batch",
    "azure_functions",
    "azure_containers",
    "code_engine",
    "k8s",
    "knative",
];

/// Lithops storages a request may choose.
const STORAGES: &[&str] = &[
    "localhost",
    "gcp_storage",
    "aws_s3",
    "azure_storage",
    "ibm_cos",
    "minio",
];

/// The settings a request may choose: (section, key, kind). Per-backend sections (the backend
/// names but `localhost`) may choose their runtime image, memory, timeout and worker count.
const ALLOWED: &[(&str, &str, Kind)] = &[
    ("lithops", "backend", Kind::OneOf(BACKENDS)),
    ("lithops", "storage", Kind::OneOf(STORAGES)),
    ("lithops", "data_limit", Kind::Number(0.0, 1024.0)),
    ("lithops", "workers", Kind::Workers),
    ("localhost", "worker_processes", Kind::Workers),
    ("gcp", "region", Kind::Region),
    ("aws", "region", Kind::Region),
    ("azure", "region", Kind::Region),
];

/// The keys of a cloud backend's own section a request may choose.
const BACKEND_KEYS: &[(&str, Kind)] = &[
    ("runtime", Kind::Image),
    ("runtime_memory", Kind::Int(128, 32768)),
    ("runtime_timeout", Kind::Int(1, 86400)),
    ("max_workers", Kind::Int(1, 1000)),
    ("region", Kind::Region),
];

fn kind_of(section: &str, key: &str) -> Option<Kind> {
    if let Some((_, _, kind)) = ALLOWED.iter().find(|(s, k, _)| *s == section && *k == key) {
        return Some(*kind);
    }
    if section != "localhost" && BACKENDS.contains(&section) {
        return BACKEND_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, kind)| *kind);
    }
    None
}

/// Every setting a request may choose, for error messages and the API description.
pub fn allowed_settings() -> String {
    let mut names: Vec<String> = ALLOWED.iter().map(|(s, k, _)| format!("{s}.{k}")).collect();
    let keys: Vec<&str> = BACKEND_KEYS.iter().map(|(k, _)| *k).collect();
    names.push(format!("<cloud backend>.{{{}}}", keys.join(",")));
    names.join(", ")
}

/// Checks a request's `lithops_config` and returns it. `workers` bounds every worker count.
pub fn from_request(config: &Json, workers: usize) -> Result<Json, String> {
    let Json::Object(sections) = config else {
        return Err("`lithops_config` must be an object".into());
    };
    for (section, settings) in sections {
        let Json::Object(settings) = settings else {
            return Err(format!(
                "`lithops_config.{section}` must be an object of settings"
            ));
        };
        for (key, value) in settings {
            let name = format!("lithops_config.{section}.{key}");
            let Some(kind) = kind_of(section, key) else {
                return Err(format!(
                    "`{name}` is not a setting a request may choose (a request may set {}; the server's operator sets the others with `wt serve --lithops-config FILE`)",
                    allowed_settings()
                ));
            };
            check(&name, kind, value, workers)?;
        }
    }
    Ok(config.clone())
}

fn check(name: &str, kind: Kind, value: &Json, workers: usize) -> Result<(), String> {
    let whole = |lo: i64, hi: i64| match value.as_i64() {
        Some(n) if (lo..=hi).contains(&n) => Ok(()),
        _ => Err(format!(
            "`{name}` must be a whole number from {lo} to {hi}, not {value}"
        )),
    };
    let text = |ok: fn(&str) -> bool, what: &str| match value.as_str() {
        Some(s) if ok(s) => Ok(()),
        _ => Err(format!("`{name}` must be {what}, not {value}")),
    };
    match kind {
        Kind::OneOf(names) => match value.as_str() {
            Some(s) if names.contains(&s) => Ok(()),
            _ => Err(format!(
                "`{name}` must be one of {}, not {value}",
                names.join(", ")
            )),
        },
        Kind::Int(lo, hi) => whole(lo, hi),
        Kind::Workers => whole(1, i64::try_from(workers).unwrap_or(i64::MAX)).map_err(|e| {
            format!(
                "{e} (the server's bound on the workers of one run: `wt serve --workers-per-run`)"
            )
        }),
        Kind::Number(lo, hi) => match value.as_f64() {
            Some(n) if (lo..=hi).contains(&n) => Ok(()),
            _ => Err(format!(
                "`{name}` must be a number from {lo} to {hi}, not {value}"
            )),
        },
        Kind::Region => text(is_region, "a region name (lowercase letters, digits and -)"),
        Kind::Image => text(
            is_image,
            "a container image (letters, digits and ._:/@-, not starting with -)",
        ),
    }
}

fn is_region(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_image(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && !s.starts_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/@-".contains(&b))
}

/// The configuration a run gets: the operator's, with the request's settings laid over it
/// key by key. `None` when neither gives one (the workflow then uses Lithops on localhost).
pub fn merged(operator: Option<&Json>, request: Option<&Json>) -> Option<Json> {
    let mut out = match operator {
        Some(Json::Object(o)) => o.clone(),
        Some(_) | None if request.is_none() => return None,
        _ => Map::new(),
    };
    if let Some(Json::Object(request)) = request {
        for (section, settings) in request {
            let target = out
                .entry(section.clone())
                .or_insert_with(|| Json::Object(Map::new()));
            if !target.is_object() {
                *target = Json::Object(Map::new());
            }
            if let (Some(target), Some(settings)) = (target.as_object_mut(), settings.as_object()) {
                for (k, v) in settings {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Some(Json::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_file_path_or_a_program_is_refused_naming_the_setting() {
        let hostile = json!({"lithops": {"backend": "localhost", "storage": "localhost",
            "log_level": "DEBUG", "log_filename": "/tmp/x", "monitoring": "storage\ntouch /tmp/x #\n"}});
        let e = from_request(&hostile, 4).unwrap_err();
        assert!(
            e.starts_with(
                "`lithops_config.lithops.log_level` is not a setting a request may choose"
            ),
            "{e}"
        );
        let e = from_request(&json!({"localhost": {"runtime": "/bin/sh"}}), 4).unwrap_err();
        assert!(e.contains("`lithops_config.localhost.runtime`"), "{e}");
        let e = from_request(&json!({"gcp_cloudrun": {"runtime": "img\nx"}}), 4).unwrap_err();
        assert!(e.contains("must be a container image"), "{e}");
    }

    #[test]
    fn worker_counts_are_bounded_by_the_server() {
        let e = from_request(&json!({"lithops": {"workers": 100000}}), 4).unwrap_err();
        assert!(e.contains("from 1 to 4"), "{e}");
        let e = from_request(&json!({"localhost": {"worker_processes": 0}}), 4).unwrap_err();
        assert!(e.contains("from 1 to 4"), "{e}");
        assert!(from_request(&json!({"localhost": {"worker_processes": 4}}), 4).is_ok());
    }

    #[test]
    fn choosable_settings_pass_and_lie_over_the_operators() {
        let request = json!({"lithops": {"backend": "gcp_cloudrun", "storage": "gcp_storage",
            "data_limit": 16}, "gcp": {"region": "europe-west1"},
            "gcp_cloudrun": {"runtime": "eu.gcr.io/p/wf:1", "runtime_memory": 2048}});
        let request = from_request(&request, 4).unwrap();
        let operator = json!({"lithops": {"log_level": "INFO", "backend": "localhost"},
            "gcp": {"credentials_path": "/secret.json"}});
        let run = merged(Some(&operator), Some(&request)).unwrap();
        assert_eq!(run["lithops"]["backend"], "gcp_cloudrun");
        assert_eq!(run["lithops"]["log_level"], "INFO");
        assert_eq!(run["gcp"]["credentials_path"], "/secret.json");
        assert_eq!(run["gcp"]["region"], "europe-west1");
        assert_eq!(merged(None, None), None);
        assert_eq!(merged(Some(&operator), None), Some(operator));
    }
}
