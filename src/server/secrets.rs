//! Secrets: data connection credentials sent with a run, and the Cloud Batch token.
//!
//! A [`Secret`] prints as `***` (Debug and Display) and has no `Serialize`, so it cannot end
//! up in a log line, an error or a JSON answer by accident; [`Secret::expose`] is the one way
//! to its value, used where it must go (a child's environment, a Cloud Batch job, an
//! `Authorization` header). As a second line of defence a [`Redactor`] replaces the values of a
//! run's secrets in everything the server logs or answers for that run, including the child's
//! output and the workflow's result and error.

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A secret string.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself. Call only where the value must go.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Environment variable names a request may not set: what the server itself sets for the run,
/// and what the interpreter, the dynamic loader and C library, a shell, TLS, pixi/conda/uv
/// environments or wt read, any of which would change which code runs or whom it trusts.
fn reserved(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "PATH",
        "HOME",
        "TMPDIR",
        "TMP",
        "TEMP",
        crate::env_vars::TRACEPARENT,
        crate::env_vars::TRACESTATE,
        "GCONV_PATH",
        "GLIBC_TUNABLES",
        "NLSPATH",
        "LOCPATH",
        "HOSTALIASES",
        "RES_OPTIONS",
        "LOCALDOMAIN",
        "BASH_ENV",
        "ENV",
        "SHELL",
        "SHELLOPTS",
        "BASHOPTS",
        "IFS",
        "PS4",
        "CDPATH",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "VIRTUAL_ENV",
    ];
    const PREFIXES: &[&str] = &[
        "PYTHON",
        "LD_",
        "DYLD_",
        "MALLOC_",
        "WT_",
        "PIXI_",
        "CONDA_",
        "UV_",
        "LITHOPS_",
        "BASH_FUNC_",
    ];
    NAMES.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// At most this many variables per request, and this many bytes of values in all: secrets
/// are credentials, not payloads, and a run's environment has a size limit of its own.
pub const MAX_SECRETS: usize = 64;
pub const MAX_SECRET_BYTES: usize = 256 * 1024;

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && name.len() <= 256
}

/// `data_connections_env_vars`: environment variable name -> secret value.
#[derive(Clone, Default, Debug)]
pub struct Secrets(BTreeMap<String, Secret>);

impl Secrets {
    /// From the request's JSON (absent or null: none). Errors name the variable, never the
    /// value.
    pub fn parse(value: Option<&Json>) -> Result<Secrets, String> {
        let map = match value {
            None | Some(Json::Null) => return Ok(Secrets::default()),
            Some(Json::Object(map)) => map,
            Some(_) => {
                return Err(
                    "`data_connections_env_vars` must be an object of environment variable names to string values"
                        .into(),
                );
            }
        };
        if map.len() > MAX_SECRETS {
            return Err(format!(
                "`data_connections_env_vars` sets {} variables; at most {MAX_SECRETS} are accepted",
                map.len()
            ));
        }
        let total: usize = map
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        if total > MAX_SECRET_BYTES {
            return Err(format!(
                "`data_connections_env_vars` holds {total} bytes; at most {MAX_SECRET_BYTES} are accepted"
            ));
        }
        let mut out = BTreeMap::new();
        for (name, value) in map {
            if !valid_name(name) {
                return Err(format!(
                    "`data_connections_env_vars`: `{}` is not a valid environment variable name (letters, digits and `_`, not starting with a digit)",
                    name.escape_default()
                ));
            }
            if reserved(name) {
                return Err(format!(
                    "`data_connections_env_vars`: `{name}` is reserved and cannot be set by a request"
                ));
            }
            let Json::String(text) = value else {
                return Err(format!(
                    "`data_connections_env_vars`: the value of `{name}` must be a string"
                ));
            };
            if text.contains('\0') {
                return Err(format!(
                    "`data_connections_env_vars`: the value of `{name}` contains a NUL character"
                ));
            }
            out.insert(name.clone(), Secret::new(text.clone()));
        }
        Ok(Secrets(out))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Secret)> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn redactor(&self) -> Redactor {
        Redactor::new(self.0.values().cloned())
    }
}

/// Values shorter than this are not redacted: they would mangle ordinary text and are no
/// secret worth the name.
pub const MIN_REDACTED_LEN: usize = 4;

/// Replaces secret values by `***` in text and JSON.
#[derive(Clone, Default)]
pub struct Redactor {
    values: Arc<Vec<String>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.values.len())
    }
}

impl Redactor {
    /// Redacts each secret as it is, each of its lines (output is logged line by line, and a
    /// PEM key or a JSON credential spans several), and each of those as a JSON string would
    /// escape it (a result or error that quotes the secret).
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Redactor {
        let mut values: Vec<String> = Vec::new();
        for secret in secrets {
            let whole = secret.0;
            let lines: Vec<String> = whole
                .lines()
                .filter(|l| *l != whole)
                .map(str::to_string)
                .collect();
            for v in std::iter::once(whole).chain(lines) {
                let escaped = serde_json::to_string(&v).expect("a string serializes");
                let escaped = escaped[1..escaped.len() - 1].to_string();
                if escaped != v {
                    values.push(escaped);
                }
                values.push(v);
            }
        }
        values.retain(|v| v.len() >= MIN_REDACTED_LEN);
        // Longest first, so a secret containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Redactor {
            values: Arc::new(values),
        }
    }

    /// Adds more secrets (e.g. a token) to a redactor.
    pub fn with(&self, more: impl IntoIterator<Item = Secret>) -> Redactor {
        Redactor::new(
            self.values
                .iter()
                .cloned()
                .map(Secret)
                .chain(more)
                .collect::<Vec<_>>(),
        )
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in self.values.iter() {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "***");
            }
        }
        out
    }

    /// Whether there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        let all = Secrets::parse(Some(&json!({"TOKEN": "hunter2-hunter2"}))).unwrap();
        assert!(!format!("{all:?}").contains("hunter2"));
    }

    #[test]
    fn names_are_checked() {
        for bad in [
            json!({"1X": "v"}),
            json!({"A B": "v"}),
            json!({"PATH": "v"}),
            json!({"LD_PRELOAD": "v"}),
            json!({"PYTHONPATH": "v"}),
            json!({"WT_RESULTS": "v"}),
            json!({"GCONV_PATH": "v"}),
            json!({"BASH_ENV": "v"}),
            json!({"SSL_CERT_FILE": "v"}),
            json!({"HOME": "v"}),
            json!({"TMPDIR": "v"}),
            json!({"VIRTUAL_ENV": "v"}),
            json!({"PIXI_PROJECT_ROOT": "v"}),
            json!({"WT_CACHE_DIR": "v"}),
            json!({"X": 1}),
            json!(["X"]),
        ] {
            let err = Secrets::parse(Some(&bad)).unwrap_err();
            assert!(!err.contains("\"v\""), "{err}");
        }
        assert!(Secrets::parse(Some(&json!({"ER_TOKEN": "v"}))).is_ok());
        let many: serde_json::Map<String, Json> =
            (0..10_000).map(|i| (format!("V{i}"), json!("x"))).collect();
        let err = Secrets::parse(Some(&Json::Object(many))).unwrap_err();
        assert!(err.contains("at most 64"), "{err}");
        let big = json!({"BIG": "x".repeat(MAX_SECRET_BYTES + 1)});
        assert!(Secrets::parse(Some(&big)).unwrap_err().contains("bytes"));
    }

    #[test]
    fn redaction_covers_text() {
        let r = Redactor::new([Secret::new("abcd1234"), Secret::new("abc")]);
        assert_eq!(r.text("x abcd1234 y abc"), "x *** y abc");
    }

    #[test]
    fn multi_line_secrets_are_redacted_line_by_line_and_escaped() {
        let pem = "-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----";
        let r = Redactor::new([Secret::new(pem)]);
        for line in pem.lines() {
            assert_eq!(r.text(&format!("log: {line}")), "log: ***");
        }
        let quoted = serde_json::to_string(pem).unwrap();
        assert!(
            !r.text(&quoted).contains("MIIEvQIBADANBg"),
            "{}",
            r.text(&quoted)
        );
        let json_credential = r#"{"private_key": "k3y-value", "type": "sa"}"#;
        let r = Redactor::new([Secret::new(json_credential)]);
        let escaped = serde_json::to_string(json_credential).unwrap();
        assert_eq!(r.text(&escaped), "\"***\"");
    }
}
