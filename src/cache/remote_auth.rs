//! Credentials of a remote cache: basic auth from the URL's `user:password@`, extra headers
//! (`--remote-cache-header NAME=VALUE`), and the URL as messages may show it. Secrets go into
//! request headers only; every error and warning is built from what these functions leave
//! of them.

/// The `Authorization` value for the URL's credentials, if it has any.
pub(crate) fn basic_auth(url: &url::Url) -> Option<String> {
    use base64::Engine;
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    // URLs carry the reserved characters of credentials percent-encoded (`%40` for `@`).
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let pair = format!(
        "{}:{}",
        decode(url.username()),
        decode(url.password().unwrap_or(""))
    );
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    ))
}

/// `NAME=VALUE` as a header, or why it is not one (without the value, which may be secret).
pub(crate) fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| "a remote-cache header must be NAME=VALUE, e.g. x-api-key=…".to_string())?;
    let name = name.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!("`{name}` is not a valid HTTP header name"));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(format!(
            "the value of header `{name}` holds a control character"
        ));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// The URL with any password replaced by `***`, for messages.
pub(crate) fn redacted(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{basic_auth, parse_header, redacted};

    #[test]
    fn headers_are_name_value_and_errors_hide_values() {
        assert_eq!(
            parse_header("x-api-key=s3cr3t=x"),
            Ok(("x-api-key".into(), "s3cr3t=x".into()))
        );
        for bad in ["x-api-key", "=v", "bad name=s3cr3t", "x=s3cr3t\n"] {
            let err = parse_header(bad).unwrap_err();
            assert!(!err.contains("s3cr3t"), "{bad}: {err}");
        }
    }

    #[test]
    fn credentials_become_basic_auth_and_are_redacted() {
        let url = url::Url::parse("https://ci:p%40ss@cache.example/prefix").unwrap();
        // base64("ci:p@ss")
        assert_eq!(basic_auth(&url).as_deref(), Some("Basic Y2k6cEBzcw=="));
        assert_eq!(
            basic_auth(&url::Url::parse("https://cache.example").unwrap()),
            None
        );
        assert_eq!(
            redacted("https://ci:p%40ss@cache.example/prefix"),
            "https://ci:***@cache.example/prefix"
        );
        assert_eq!(redacted("http://cache.example/"), "http://cache.example/");
    }
}
