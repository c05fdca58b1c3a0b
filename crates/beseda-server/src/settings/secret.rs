//! Settings that must never reach a log, an error message or `print-config`: [`Secret`] (a
//! token, shown as `***`) and [`SecretUrl`] (a URL that may carry a password, shown with the
//! password replaced). `Debug`, `Display` and `Serialize` all write the placeholder, so a
//! whole configuration can be logged or printed; only [`Secret::expose`] and
//! [`SecretUrl::expose`] give the value, at the one place that uses it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What a hidden value is shown as.
pub const HIDDEN: &str = "***";

/// A token or password.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// A URL whose user information (a password, or a token such as NATS's `nats://token@host`)
/// and password-like query parameters are hidden; the scheme, user name and host stay
/// visible, which is what an operator needs to recognise it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the code that uses it (never for output).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl SecretUrl {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The URL itself, for the code that connects with it (never for output).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL as it may be shown.
    pub fn redacted(&self) -> String {
        redact_url(&self.0)
    }
}

/// `url` with its password (or a lone token before `@`) and the values of `password`,
/// `secret` and `token` query parameters replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority_path, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let mut out = format!("{scheme}://");
    // The user information ends at the last `@` before the path.
    let authority_end = authority_path.find('/').unwrap_or(authority_path.len());
    match authority_path[..authority_end].rsplit_once('@') {
        Some((userinfo, host)) => {
            match userinfo.split_once(':') {
                Some((user, _password)) => out.push_str(&format!("{user}:{HIDDEN}")),
                None => out.push_str(HIDDEN),
            }
            out.push('@');
            out.push_str(host);
            out.push_str(&authority_path[authority_end..]);
        }
        None => out.push_str(authority_path),
    }
    if let Some(query) = query {
        let hidden = |name: &str| ["password", "secret", "token", "key"].iter().any(|s| name.contains(s));
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if hidden(&name.to_ascii_lowercase()) => format!("{name}={HIDDEN}"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(HIDDEN)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(HIDDEN)
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Serialised as shown: `print-config` and any structured log get the placeholder. (No
/// setting has a secret default, so nothing ever needs the value serialised.)
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(HIDDEN)
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

impl<'de> Deserialize<'de> for SecretUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for SecretUrl {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for SecretUrl {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens_in_urls_are_hidden() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("nats://s3cr3t@nats:4222"), "nats://***@nats:4222");
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=pw&sslmode=require"),
            "postgres://h/db?user=u&password=***&sslmode=require"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
        assert_eq!(redact_url("smtp://mail.example.com:25"), "smtp://mail.example.com:25");
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn secrets_show_only_the_placeholder() {
        let token = Secret::new("tok-123");
        let url = SecretUrl::new("smtps://m:pw-456@smtp:465");
        let shown =
            format!("{token} {token:?} {url} {url:?} {}", serde_json::to_string(&(&token, &url)).expect("json"));
        assert!(!shown.contains("tok-123") && !shown.contains("pw-456"), "{shown}");
        assert_eq!((token.expose(), url.expose()), ("tok-123", "smtps://m:pw-456@smtp:465"));
    }
}
