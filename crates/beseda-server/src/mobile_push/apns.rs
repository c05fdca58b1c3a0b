//! Apple Push Notification service over HTTP/2 with token-based authentication: a provider
//! token (ES256 JWT: `kid` = key id, `iss` = team id, `iat`) signed with the team's .p8 key,
//! reused for [`TOKEN_REUSE_SECS`] and made anew after that or when APNs calls it expired or
//! invalid; `POST /3/device/<token>` with `apns-topic`, `apns-push-type: alert`,
//! `apns-priority`, `apns-expiration` and `apns-collapse-id`.
//!
//! Answers: 200 delivered; 400 `BadDeviceToken` / `DeviceTokenNotForTopic` and 410
//! `Unregistered` the token is gone; 403 `ExpiredProviderToken` / `InvalidProviderToken` a new
//! provider token and one more try at once (then retried later); 429 and 5xx retried later;
//! anything else given up.

use super::jwt::Signer;
use super::{ApnsSettings, Sent};
use crate::outbound;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;

/// How long one provider token is used. APNs refuses tokens older than an hour
/// (`ExpiredProviderToken`) and too frequent new ones (`TooManyProviderTokenUpdates`).
pub const TOKEN_REUSE_SECS: i64 = 50 * 60;
/// How long APNs keeps trying to reach a device that is offline.
const EXPIRATION_SECS: i64 = 24 * 3600;
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Apns {
    settings: ApnsSettings,
    signer: Signer,
    http: reqwest::Client,
    /// The provider token and when it was made (seconds).
    token: Mutex<Option<(String, i64)>>,
}

impl std::fmt::Debug for Apns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apns").field("url", &self.settings.url).finish_non_exhaustive()
    }
}

/// A device token as APNs gives it to apps: hexadecimal (32 bytes today; longer ones are
/// allowed). Anything else would not even make a path.
fn valid_device_token(token: &str) -> bool {
    (16..=400).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Apns {
    /// The client for `settings`, its key read from the file. APNs speaks HTTP/2 only: over
    /// https it is negotiated (ALPN `h2`), over plain http (a local stand-in) spoken at once.
    pub fn new(settings: &ApnsSettings) -> Result<Self, String> {
        let pem = std::fs::read_to_string(&settings.key_file)
            .map_err(|e| format!("cannot read {}: {e}", settings.key_file.display()))?;
        let signer = Signer::es256(&pem)?;
        let http = reqwest::Client::builder()
            .http2_prior_knowledge()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP/2 client: {e}"))?;
        Ok(Self { settings: settings.clone(), signer, http, token: Mutex::new(None) })
    }

    /// The provider token to send now: the current one while it is young enough.
    fn provider_token(&self, now_secs: i64) -> Result<String, String> {
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((token, iat)) = cached.as_ref() {
            if now_secs - iat < TOKEN_REUSE_SECS && now_secs >= *iat {
                return Ok(token.clone());
            }
        }
        let token = self
            .signer
            .sign(json!({"kid": self.settings.key_id}), &json!({"iss": self.settings.team_id, "iat": now_secs}))?;
        *cached = Some((token.clone(), now_secs));
        Ok(token)
    }

    /// APNs refused `stale`: the next call makes a new one.
    fn forget(&self, stale: &str) {
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if cached.as_ref().is_some_and(|(t, _)| t == stale) {
            *cached = None;
        }
    }

    pub async fn send(
        &self,
        device: &str,
        payload: &Value,
        collapse_id: Option<&str>,
        add: bool,
        now_secs: i64,
    ) -> Sent {
        if !valid_device_token(device) {
            return Sent::Gone("not an APNs device token".into());
        }
        let url = format!("{}/3/device/{device}", self.settings.url.trim_end_matches('/'));
        let mut refreshed = false;
        loop {
            let token = match self.provider_token(now_secs) {
                Ok(t) => t,
                Err(why) => return Sent::Failed(why),
            };
            let mut req = self
                .http
                .post(&url)
                .header(reqwest::header::AUTHORIZATION, format!("bearer {token}"))
                .header("apns-topic", &self.settings.topic)
                .header("apns-push-type", "alert")
                .header("apns-priority", if add { "10" } else { "5" })
                .header("apns-expiration", (now_secs + EXPIRATION_SECS).to_string())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(payload.to_string());
            if let Some(id) = collapse_id.filter(|id| id.len() <= 64) {
                req = req.header("apns-collapse-id", id);
            }
            let answer = match outbound::call(req, TIMEOUT).await {
                Ok(a) => a,
                Err(outbound::Attempt::Retry { why, retry_after, .. }) => return Sent::Retry(why, retry_after),
                Err(outbound::Attempt::Final { why, .. }) => return Sent::Failed(why),
                Err(outbound::Attempt::Delivered(_)) => return Sent::Delivered,
            };
            let reason = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|b| b.get("reason").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            let why = format!("HTTP {} {reason}", answer.status).trim_end().to_owned();
            return match (answer.status, reason.as_str()) {
                (200, _) => Sent::Delivered,
                (400, "BadDeviceToken" | "DeviceTokenNotForTopic") | (410, _) => Sent::Gone(why),
                (403, "ExpiredProviderToken" | "InvalidProviderToken") => {
                    self.forget(&token);
                    if refreshed {
                        Sent::Retry(why, None)
                    } else {
                        refreshed = true;
                        continue;
                    }
                }
                (429 | 500.., _) => Sent::Retry(why, answer.retry_after),
                _ => Sent::Failed(why),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_tokens_are_hexadecimal() {
        assert!(valid_device_token(&"a1".repeat(32)));
        assert!(!valid_device_token("../../3/device/x"));
        assert!(!valid_device_token("abc"));
        assert!(!valid_device_token(&format!("{}?x=1", "a".repeat(64))));
    }
}
