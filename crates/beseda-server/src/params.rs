//! Visitor-protocol input: form fields from the query and the urlencoded body (the body wins),
//! read once with a size limit. Malformed input is a 400, an oversized body a 413.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, Request};
use axum::http::Method;
use std::collections::HashMap;

/// All form/query fields of a request.
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A field that must be present and non-empty.
    pub fn required(&self, key: &'static str) -> Result<&str, ApiError> {
        self.get(key).filter(|v| !v.is_empty()).ok_or_else(|| ApiError::argument_missing(key))
    }

    /// A boolean field (`1`/`0`, `true`/`false`, `on`/`off`); absent = `false`.
    pub fn flag(&self, key: &'static str) -> Result<bool, ApiError> {
        match self.get(key) {
            None => Ok(false),
            Some(v) => beseda_core::rules::parse_bool(v).ok_or_else(|| ApiError::wrong_argument(key)),
        }
    }

    /// An integer field; absent = `None`.
    pub fn int(&self, key: &'static str) -> Result<Option<i64>, ApiError> {
        match self.get(key).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| ApiError::wrong_argument(key)),
        }
    }

    /// A JSON field; absent or empty = `None`.
    pub fn json(&self, key: &'static str) -> Result<Option<serde_json::Value>, ApiError> {
        match self.get(key).filter(|v| !v.trim().is_empty()) {
            None => Ok(None),
            Some(v) => serde_json::from_str(v).map(Some).map_err(|_| ApiError::wrong_argument(key)),
        }
    }
}

/// Longest value, in characters, of the visitor-protocol fields that are stored. Generous for
/// real clients; a longer value is refused (`wrong-argument-value` naming the field) before
/// anything is written. Message texts have their own limit (`max-message-length-exceeded`).
const MAX_CHARS: &[(&str, usize)] = &[
    ("client-side-id", 256),
    ("device-id", 256),
    ("visit-session-id", 256),
    ("provided_auth_token", 256),
    ("platform", 64),
    ("app-version", 64),
    ("push-service", 64),
    ("push-token", 4096),
    ("title", 1000),
    ("page-url", 2048),
    ("url", 2048),
    ("referrer", 2048),
    ("location", 256),
    ("department-key", 256),
    ("kind", 64),
    ("reaction", 64),
    ("button-id", 256),
    ("request-message-id", 256),
    ("email", 254),
    ("first-question", 10_000),
    ("hint_question", 16),
    ("latitude", 64),
    ("longitude", 64),
    ("provided_visitor", 16_384),
    ("message-draft", 10_000),
    ("visitor", 16_384),
    ("visitor-ext", 16_384),
    ("visitor-fields", 16_384),
    ("custom_fields", 16_384),
    ("prechat-key-independent-fields", 16_384),
    ("data", 16_384),
    ("quote", 16_384),
];

impl Params {
    /// Refuses a field longer than its limit (see `MAX_CHARS`), and any field with a NUL
    /// character: PostgreSQL cannot store one in text, and no client of the protocol sends one.
    pub fn check_lengths(&self) -> Result<(), ApiError> {
        if let Some((name, _)) = self.0.iter().find(|(_, v)| v.contains('\0')) {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "wrong-argument-value",
                format!("`{name}` contains a NUL character"),
            ));
        }
        for (name, max) in MAX_CHARS {
            if self.get(name).is_some_and(|v| v.len() > *max && v.chars().count() > *max) {
                return Err(ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "wrong-argument-value",
                    format!("`{name}` is longer than {max} characters"),
                ));
            }
        }
        Ok(())
    }
}

fn parse_pairs(bytes: &[u8], into: &mut HashMap<String, String>) -> Result<(), ApiError> {
    let pairs: Vec<(String, String)> = form_pairs(bytes)?;
    into.extend(pairs);
    Ok(())
}

/// The pairs of an `application/x-www-form-urlencoded` body or query, in order; a 400 for
/// text that is not UTF-8 or a malformed escape.
pub fn form_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        ApiError::new(axum::http::StatusCode::BAD_REQUEST, "wrong-argument-value", "form data is not UTF-8")
    })?;
    form_urlencoded(text)
}

/// Decodes `application/x-www-form-urlencoded` text.
fn form_urlencoded(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((decode(k)?, decode(v)?));
    }
    Ok(out)
}

fn decode(s: &str) -> Result<String, ApiError> {
    let bad = || ApiError::new(axum::http::StatusCode::BAD_REQUEST, "wrong-argument-value", "malformed form encoding");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits exactly: `from_str_radix` alone would also take a sign (`%+0`).
                let hex = bytes.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit)).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| bad())
}

impl FromRequest<AppState> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut map = HashMap::new();
        if let Some(q) = req.uri().query() {
            parse_pairs(q.as_bytes(), &mut map)?;
        }
        if req.method() == Method::GET || req.method() == Method::HEAD {
            let p = Params(map);
            p.check_lengths()?;
            return Ok(p);
        }
        let is_form = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "wrong-argument-value",
                "expected application/x-www-form-urlencoded",
            ));
        }
        let limit = state.config.max_body_bytes;
        let body = axum::body::to_bytes(req.into_body(), limit).await.map_err(|_| ApiError::too_large(limit))?;
        parse_pairs(&body, &mut map)?;
        let p = Params(map);
        p.check_lengths()?;
        Ok(p)
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let pairs = form_urlencoded("a=1&b=%D0%BF%D1%80%D0%B8+%D0%B2&c").expect("valid");
        assert_eq!(pairs[0], ("a".into(), "1".into()));
        assert_eq!(pairs[1], ("b".into(), "при в".into()));
        assert_eq!(pairs[2], ("c".into(), "".into()));
        assert!(form_urlencoded("a=%zz").is_err());
        assert!(form_urlencoded("a=%").is_err());
        // A sign is not a hex digit: `%+0` was once read as a NUL byte.
        assert!(form_urlencoded("a=%+0").is_err());
        assert!(form_urlencoded("%-1=b").is_err());
    }
}
