//! What a finished run reports: result.json's `{"result", "error", "trace"}`.
//!
//! The result travels as the text the workflow wrote ([`ExactJson`]), so its numbers reach
//! the client exactly (a Python integer of any size stays one).

use crate::server::exact_json::ExactJson;
use crate::server::secrets::Redactor;
use serde::{Deserialize, Serialize};

/// The report of a run, as result.json holds it and the server answers it.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub result: ExactJson,
    pub error: Option<String>,
    pub trace: Option<String>,
}

impl RunReport {
    /// A report of a run that failed without a result.
    pub fn error(error: String, trace: Option<String>) -> RunReport {
        RunReport {
            result: ExactJson::null(),
            error: Some(error),
            trace,
        }
    }

    /// The report in result.json text, if it has that shape.
    pub fn parse(text: &str) -> Result<RunReport, String> {
        /// The shape checked field by field; the result is kept as text.
        #[derive(Deserialize)]
        struct Shape<'a> {
            #[serde(borrow)]
            result: Option<&'a serde_json::value::RawValue>,
            error: Option<String>,
            trace: Option<String>,
        }
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("result.json is not valid JSON: {e}"))?;
        if !value.is_object() {
            return Err("result.json is not a JSON object".into());
        }
        let shape: Shape = serde_json::from_str(text).map_err(|_| {
            "result.json does not have the {result, error, trace} shape".to_string()
        })?;
        let result = match shape.result {
            Some(raw) => ExactJson::parse(raw.get()).map_err(|e| e.to_string())?,
            None => ExactJson::null(),
        };
        Ok(RunReport {
            result,
            error: shape.error,
            trace: shape.trace,
        })
    }

    /// The report as result.json text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("reports serialize")
    }

    /// The report with every secret of `redactor` masked in its strings, the result's object
    /// keys included (its numbers and structure stay as they are).
    pub fn redact(&mut self, redactor: &Redactor) {
        if redactor.is_empty() {
            return;
        }
        self.result = self.result.map_strings(&|s| {
            let masked = redactor.text(s);
            (masked != s).then_some(masked)
        });
        for text in [&mut self.error, &mut self.trace].into_iter().flatten() {
            *text = redactor.text(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::secrets::Secret;

    #[test]
    fn result_json_is_checked_and_kept_exact() {
        let r = RunReport::parse(r#"{"result": 18446744073709551616, "error": null}"#).unwrap();
        assert_eq!(
            r.to_json(),
            r#"{"result":18446744073709551616,"error":null,"trace":null}"#
        );
        assert!(RunReport::parse("[1]").is_err());
        assert!(RunReport::parse(r#"{"error": 3}"#).is_err());
        assert!(RunReport::parse("{").is_err());
    }

    #[test]
    fn secrets_are_masked_in_values_and_keys() {
        let mut r = RunReport::parse(
            r#"{"result": {"result": "result", "n": 1, "s3cret-key": {"s3cret": 2, "***": 3}}, "error": "result"}"#,
        )
        .unwrap();
        r.redact(&Redactor::new([
            Secret::new("result"),
            Secret::new("s3cret"),
        ]));
        assert_eq!(
            r.to_json(),
            r#"{"result":{"***":"***","n":1,"***-key":{"***":2,"*** (2)":3}},"error":"***","trace":null}"#
        );
    }
}
