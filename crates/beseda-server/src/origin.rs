//! The public origin of absolute URLs Beseda gives out (file links to bots and channels).
//!
//! Configured with `public_origin`, it never changes. Without it, and with trusted proxies
//! configured, a request that comes *from* one of those proxies sets it from the proxy's
//! `X-Forwarded-Proto` and `X-Forwarded-Host` (or `Host`) headers. Requests from anywhere else
//! never do, so a client cannot steer the links by forging headers.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::RwLock;

/// The current public origin, e.g. `https://chat.example.com`.
#[derive(Debug)]
pub struct PublicOrigin(RwLock<String>);

impl PublicOrigin {
    pub fn new(origin: &str) -> Self {
        Self(RwLock::new(origin.trim_end_matches('/').to_owned()))
    }

    pub fn get(&self) -> String {
        self.0.read().map(|o| o.clone()).unwrap_or_default()
    }

    fn set(&self, origin: String) {
        if self.0.read().is_ok_and(|o| *o == origin) {
            return;
        }
        if let Ok(mut o) = self.0.write() {
            tracing::info!(origin = %origin, "public origin taken from the trusted proxy");
            *o = origin;
        }
    }
}

/// The origin a trusted proxy's headers describe, if they are well formed.
pub fn forwarded_origin(headers: &HeaderMap) -> Option<String> {
    let first =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).map(str::trim);
    let proto = first("x-forwarded-proto")?.to_ascii_lowercase();
    if proto != "http" && proto != "https" {
        return None;
    }
    let host = first("x-forwarded-host").filter(|h| !h.is_empty()).or_else(|| first("host"))?;
    let valid = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    valid.then(|| format!("{proto}://{}", host.to_ascii_lowercase()))
}

/// The client's address: the socket's, or — for a request from a trusted proxy — the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(trusted: &[std::net::IpAddr], peer: std::net::IpAddr, headers: &HeaderMap) -> std::net::IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(&peer) {
        return peer;
    }
    let chain: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .map(|a| a.to_canonical())
        .collect();
    chain.into_iter().rev().find(|a| !trusted.contains(a)).unwrap_or(peer)
}

/// Middleware: learns the origin from requests that come through a trusted proxy.
pub async fn learn(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let trusted = &state.config.trusted_proxies;
    if !trusted.is_empty() {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical());
        if peer.is_some_and(|ip| trusted.contains(&ip)) {
            if let Some(origin) = forwarded_origin(req.headers()) {
                state.origin.set(origin);
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().expect("name"), v.parse().expect("value"))).collect()
    }

    #[test]
    fn forwarded_headers_give_the_origin() {
        let h = headers(&[("x-forwarded-proto", "https"), ("host", "Chat.Example.com")]);
        assert_eq!(forwarded_origin(&h).as_deref(), Some("https://chat.example.com"));
        let h = headers(&[("x-forwarded-proto", "https, http"), ("x-forwarded-host", "a.io:8443"), ("host", "b")]);
        assert_eq!(forwarded_origin(&h).as_deref(), Some("https://a.io:8443"));
    }

    #[test]
    fn malformed_forwarded_headers_are_ignored() {
        assert_eq!(forwarded_origin(&headers(&[("host", "a.io")])), None);
        assert_eq!(forwarded_origin(&headers(&[("x-forwarded-proto", "ftp"), ("host", "a.io")])), None);
        let h = headers(&[("x-forwarded-proto", "https"), ("host", "evil.io/path?x")]);
        assert_eq!(forwarded_origin(&h), None);
        let h = headers(&[("x-forwarded-proto", "https"), ("host", "a@b.io")]);
        assert_eq!(forwarded_origin(&h), None);
    }
}
