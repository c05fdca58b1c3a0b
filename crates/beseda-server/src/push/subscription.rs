//! A browser's `PushSubscription` as the operator API receives it, checked before it is kept:
//! an `https` endpoint (or `http` to a host of `push_insecure_hosts`, for local stand-ins), no
//! credentials in it, no private or loopback address literal unless so listed, a P-256 key and
//! a 16-byte auth secret.

use super::crypto;
use beseda_store::NewPushSubscription;
use serde::Deserialize;
use std::net::IpAddr;

/// Longest endpoint URL, in bytes (push services use a few hundred).
pub const MAX_ENDPOINT_BYTES: usize = 2048;

/// The body of `PUT /api/operator/v1/push/subscription`: `PushSubscription.toJSON()`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PushSubscription)]
pub struct SubscriptionBody {
    /// https (http only to a host of `push_insecure_hosts`).
    #[schema(format = "uri", max_length = 2048)]
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    /// Sent by browsers, not used.
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub expiration_time: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionKeys {
    /// Uncompressed P-256 point, base64url.
    pub p256dh: String,
    /// 16 bytes, base64url.
    pub auth: String,
}

/// Why a subscription is refused: a machine-readable code and a message.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub message: String,
}

fn refused(code: &'static str, message: impl Into<String>) -> Refused {
    Refused { code, message: message.into() }
}

/// Checks a subscription; `insecure_hosts` are the `host[:port]`s that may be reached over
/// plain `http` (and may be loopback or private addresses).
pub fn validate(body: &SubscriptionBody, insecure_hosts: &[String]) -> Result<NewPushSubscription, Refused> {
    let endpoint = body.endpoint.trim();
    check_endpoint(endpoint, insecure_hosts)?;
    let p256dh = crypto::base64url(body.keys.p256dh.trim())
        .filter(|k| crypto::is_p256_point(k))
        .ok_or_else(|| refused("invalid-push-key", "keys.p256dh must be an uncompressed P-256 point, base64url"))?;
    let auth = crypto::base64url(body.keys.auth.trim())
        .filter(|a| a.len() == crypto::AUTH_LEN)
        .ok_or_else(|| refused("invalid-push-key", "keys.auth must be 16 bytes, base64url"))?;
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    Ok(NewPushSubscription { endpoint: endpoint.to_owned(), p256dh: b64.encode(p256dh), auth: b64.encode(auth) })
}

fn check_endpoint(endpoint: &str, insecure_hosts: &[String]) -> Result<(), Refused> {
    let bad = |why: &str| refused("invalid-push-endpoint", format!("endpoint {why}"));
    if endpoint.len() > MAX_ENDPOINT_BYTES {
        return Err(bad(&format!("must be at most {MAX_ENDPOINT_BYTES} bytes")));
    }
    let url = reqwest::Url::parse(endpoint).map_err(|_| bad("must be an absolute URL"))?;
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("must name a host"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    if url.fragment().is_some() {
        return Err(bad("must not have a fragment"));
    }
    let host_port = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    let listed = insecure_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host_port));
    match url.scheme() {
        "https" => {}
        "http" if listed => {}
        "http" => return Err(bad("must be https (http only to a host of push_insecure_hosts)")),
        _ => return Err(bad("must be an https URL")),
    }
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
    if literal.is_some_and(|ip| !is_public(ip)) && !listed {
        return Err(bad("must not be a private, loopback or link-local address"));
    }
    Ok(())
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback() || v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(endpoint: &str, p256dh: &str, auth: &str) -> SubscriptionBody {
        SubscriptionBody {
            endpoint: endpoint.into(),
            keys: SubscriptionKeys { p256dh: p256dh.into(), auth: auth.into() },
            expiration_time: None,
        }
    }

    #[test]
    fn endpoints_keys_and_secrets_are_checked() {
        let key = crypto::generate().expect("test value").public_key;
        let auth = "AAECAwQFBgcICQoLDA0ODw";
        let ok = |e: &str, hosts: &[&str]| {
            let hosts: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
            validate(&body(e, &key, auth), &hosts).map(|s| s.endpoint).map_err(|r| r.code)
        };
        assert_eq!(
            ok("https://fcm.googleapis.com/fcm/send/abc", &[]),
            Ok("https://fcm.googleapis.com/fcm/send/abc".into())
        );
        assert_eq!(ok("http://push.example.com/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("http://127.0.0.1:9000/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("https://127.0.0.1/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("https://[::1]/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("https://10.1.2.3/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("https://[::ffff:192.168.0.1]/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("http://127.0.0.1:9000/x", &["127.0.0.1:9000"]), Ok("http://127.0.0.1:9000/x".into()));
        assert_eq!(ok("http://127.0.0.1:9001/x", &["127.0.0.1:9000"]), Err("invalid-push-endpoint"));
        assert_eq!(ok("https://user:pw@push.example.com/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("ftp://push.example.com/x", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok("/relative", &[]), Err("invalid-push-endpoint"));
        assert_eq!(ok(&format!("https://push.example.com/{}", "a".repeat(3000)), &[]), Err("invalid-push-endpoint"));
        let refuse = |p: &str, a: &str| validate(&body("https://push.example.com/x", p, a), &[]).map_err(|r| r.code);
        assert_eq!(refuse(&key, "short").expect_err("refused"), "invalid-push-key");
        assert_eq!(refuse("BAAA", auth).expect_err("refused"), "invalid-push-key");
        assert_eq!(refuse("not base64!", auth).expect_err("refused"), "invalid-push-key");
        // Padded base64url is taken and stored unpadded.
        let padded = refuse(&key, "AAECAwQFBgcICQoLDA0ODw==").expect("test value");
        assert_eq!(padded.auth, auth);
    }
}
