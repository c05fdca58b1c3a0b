//! The public origin of absolute URLs Beseda gives out, and the client's address behind a proxy.
//!
//! The origin comes from configuration only: `public_origin` when set (file links to bots and
//! channels, messenger webhooks, the embed code), else the listen address. An anonymous request
//! never changes it. Without `public_origin`, a request whose host is in the deployment's
//! `allowed_hosts` list gets its own origin for that one answer (the embed code shown to the
//! admin who asked) — taken from a trusted proxy's `X-Forwarded-Proto` / `X-Forwarded-Host`, or
//! from `Host` over plain HTTP — and nothing is remembered.
//!
//! `trusted_proxies` decides, independently of the origin, whose `X-Forwarded-For` is believed
//! for the client's address (the IP allowlist, connection limits).

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The configured public origin, e.g. `https://chat.example.com`.
#[derive(Debug)]
pub struct PublicOrigin(String);

impl PublicOrigin {
    pub fn new(origin: &str) -> Self {
        Self(origin.trim_end_matches('/').to_owned())
    }

    pub fn get(&self) -> String {
        self.0.clone()
    }
}

/// A well-formed `host[:port]`, lowercased.
fn host(value: &str) -> Option<String> {
    let valid = !value.is_empty()
        && value.len() <= 255
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    valid.then(|| value.to_ascii_lowercase())
}

/// The origin a request describes: a trusted proxy's `X-Forwarded-Proto` and
/// `X-Forwarded-Host` (or `Host`), or, from anyone else, `http://` and `Host`.
pub fn request_origin(from_trusted_proxy: bool, headers: &HeaderMap) -> Option<String> {
    let first =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).map(str::trim);
    let (proto, host_value) = if from_trusted_proxy {
        let proto = first("x-forwarded-proto")?.to_ascii_lowercase();
        (proto, first("x-forwarded-host").filter(|h| !h.is_empty()).or_else(|| first("host"))?)
    } else {
        ("http".to_owned(), first("host")?)
    };
    if proto != "http" && proto != "https" {
        return None;
    }
    Some(format!("{proto}://{}", host(host_value)?))
}

/// Whether `origin`'s `host[:port]` is one of `allowed` (compared without case).
fn is_allowed(origin: &str, allowed: &[String]) -> bool {
    let host = origin.split_once("://").map_or(origin, |(_, h)| h);
    allowed.iter().any(|a| a.eq_ignore_ascii_case(host))
}

/// The origin for the answer to one request: the configured one, unless the request's host is
/// in `allowed_hosts` (then the request's own origin, for this answer only).
#[derive(Debug)]
pub struct RequestOrigin(pub String);

impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let fixed = state.origin.get();
        let allowed = &state.config.allowed_hosts;
        if allowed.is_empty() {
            return Ok(Self(fixed));
        }
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical());
        let trusted = peer.is_some_and(|ip| state.config.trusted_proxies.contains(&ip));
        let own = request_origin(trusted, &parts.headers).filter(|o| is_allowed(o, allowed));
        Ok(Self(own.unwrap_or(fixed)))
    }
}

/// The client's address: the socket's, or — for a request from a trusted proxy — the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy. Fails closed: a chain with
/// any hop that is not a bare IP address (a port, garbage, an empty entry), or no untrusted hop,
/// counts as the proxy itself.
pub fn client_ip(trusted: &[IpAddr], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut chain = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else { return peer };
        for hop in value.split(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => chain.push(ip.to_canonical()),
                Err(_) => return peer,
            }
        }
    }
    chain.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer)
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().expect("name"), v.parse().expect("value"))).collect()
    }

    #[test]
    fn forwarded_headers_give_the_origin_only_from_a_trusted_proxy() {
        let h = headers(&[("x-forwarded-proto", "https"), ("host", "Chat.Example.com")]);
        assert_eq!(request_origin(true, &h).as_deref(), Some("https://chat.example.com"));
        assert_eq!(request_origin(false, &h).as_deref(), Some("http://chat.example.com"));
        let h = headers(&[("x-forwarded-proto", "https, http"), ("x-forwarded-host", "a.io:8443"), ("host", "b")]);
        assert_eq!(request_origin(true, &h).as_deref(), Some("https://a.io:8443"));
        assert!(is_allowed("https://a.io:8443", &["A.io:8443".into()]));
        assert!(!is_allowed("https://a.io", &["a.io:8443".into()]));
    }

    #[test]
    fn malformed_forwarded_headers_are_ignored() {
        assert_eq!(request_origin(true, &headers(&[("host", "a.io")])), None);
        assert_eq!(request_origin(true, &headers(&[("x-forwarded-proto", "ftp"), ("host", "a.io")])), None);
        let h = headers(&[("x-forwarded-proto", "https"), ("host", "evil.io/path?x")]);
        assert_eq!(request_origin(true, &h), None);
        let h = headers(&[("x-forwarded-proto", "https"), ("host", "a@b.io")]);
        assert_eq!(request_origin(true, &h), None);
    }

    #[test]
    fn unparseable_forwarded_hops_fail_closed() {
        let proxy: IpAddr = "127.0.0.1".parse().expect("ip");
        let ip = |chain: &'static str| client_ip(&[proxy], proxy, &headers(&[("x-forwarded-for", chain)]));
        assert_eq!(ip("10.9.9.9").to_string(), "10.9.9.9");
        assert_eq!(ip("6.6.6.6, 10.9.9.9, 127.0.0.1").to_string(), "10.9.9.9");
        for forged in ["10.9.9.9, 6.6.6.6:51234", "10.9.9.9, garbage", "garbage, 10.9.9.9", "10.9.9.9,,", ""] {
            assert_eq!(ip(forged), proxy, "{forged}");
        }
    }
}
