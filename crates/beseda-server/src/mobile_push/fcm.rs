//! Firebase Cloud Messaging, HTTP v1 API: `POST {fcm_url}/v1/projects/{project_id}/messages:send`
//! with a Bearer access token of the service account. The token comes from the account's
//! `token_uri` (OAuth 2.0 JWT bearer grant: an RS256 assertion with `iss` = `client_email`,
//! `scope` = firebase.messaging, `aud` = `token_uri`, `iat`, `exp` one hour later), is kept
//! until a minute before it expires, and is fetched anew when FCM answers 401.
//!
//! Answers: 200 delivered; `UNREGISTERED` (404), `SENDER_ID_MISMATCH` (403) and an
//! `INVALID_ARGUMENT` (400) about `message.token` the token is gone; 429 and 5xx retried after
//! `Retry-After`; anything else given up.

use super::jwt::Signer;
use super::{FcmSettings, Sent};
use crate::outbound;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Lifetime asked for an assertion (Google takes at most an hour).
const ASSERTION_SECS: i64 = 3600;
/// An access token is replaced this long before it expires.
const EARLY_SECS: i64 = 60;
/// How long FCM keeps a message for a device that is offline.
const TTL: &str = "86400s";
const TIMEOUT: Duration = Duration::from_secs(10);

/// The fields of a service-account key file that are used.
#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    #[serde(default)]
    private_key_id: Option<String>,
    private_key: String,
    client_email: String,
    #[serde(default)]
    token_uri: Option<String>,
}

pub struct Fcm {
    project_id: String,
    client_email: String,
    key_id: Option<String>,
    token_uri: String,
    url: String,
    signer: Signer,
    http: reqwest::Client,
    /// The access token and when it expires (seconds); one fetch at a time.
    access: tokio::sync::Mutex<Option<(String, i64)>>,
}

impl std::fmt::Debug for Fcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fcm").field("project_id", &self.project_id).field("url", &self.url).finish_non_exhaustive()
    }
}

impl Fcm {
    /// The client of the service account in `settings`' file.
    pub fn new(settings: &FcmSettings, http: reqwest::Client) -> Result<Self, String> {
        let text = std::fs::read_to_string(&settings.service_account_file)
            .map_err(|e| format!("cannot read {}: {e}", settings.service_account_file.display()))?;
        let account: ServiceAccount =
            serde_json::from_str(&text).map_err(|e| format!("not a service-account key file: {e}"))?;
        let signer = Signer::rs256(&account.private_key)?;
        let token_uri = settings
            .token_url
            .clone()
            .or(account.token_uri)
            .unwrap_or_else(|| "https://oauth2.googleapis.com/token".into());
        if account.project_id.is_empty() || !account.project_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("the service account's project_id is not a project id".into());
        }
        Ok(Self {
            project_id: account.project_id,
            client_email: account.client_email,
            key_id: account.private_key_id,
            token_uri,
            url: settings.url.trim_end_matches('/').to_owned(),
            signer,
            http,
            access: tokio::sync::Mutex::new(None),
        })
    }

    /// The access token to send with now: the kept one, or a new one from the token endpoint.
    async fn access_token(&self, now_secs: i64) -> Result<String, Sent> {
        let mut kept = self.access.lock().await;
        if let Some((token, expires)) = kept.as_ref() {
            if now_secs < expires - EARLY_SECS {
                return Ok(token.clone());
            }
        }
        let mut header = json!({});
        if let Some(kid) = &self.key_id {
            header["kid"] = json!(kid);
        }
        let claims = json!({
            "iss": self.client_email, "scope": SCOPE, "aud": self.token_uri,
            "iat": now_secs, "exp": now_secs + ASSERTION_SECS,
        });
        let assertion = self.signer.sign(header, &claims).map_err(Sent::Failed)?;
        let req = self.http.post(&self.token_uri).form(&[("grant_type", GRANT_TYPE), ("assertion", &assertion)]);
        let answer = outbound::call(req, TIMEOUT).await.map_err(|a| match a {
            outbound::Attempt::Retry { why, retry_after, .. } => {
                Sent::Retry(format!("token endpoint: {why}"), retry_after)
            }
            outbound::Attempt::Final { why, .. } => Sent::Retry(format!("token endpoint: {why}"), None),
            outbound::Attempt::Delivered(_) => Sent::Retry("token endpoint: no answer".into(), None),
        })?;
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        if !(200..300).contains(&answer.status) {
            // A refused account (invalid_grant, …) is the deployment's to fix: the push waits
            // through the retries rather than being lost at once.
            let error = body.get("error").and_then(Value::as_str).unwrap_or_default();
            return Err(Sent::Retry(format!("token endpoint: HTTP {} {error}", answer.status), answer.retry_after));
        }
        let (Some(token), expires_in) =
            (body.get("access_token").and_then(Value::as_str), body.get("expires_in").and_then(Value::as_i64))
        else {
            return Err(Sent::Retry("token endpoint: no access_token in its answer".into(), None));
        };
        let expires = now_secs + expires_in.unwrap_or(3600);
        *kept = Some((token.to_owned(), expires));
        Ok(token.to_owned())
    }

    /// FCM refused `stale` (401): the next call fetches a new one.
    async fn forget(&self, stale: &str) {
        let mut kept = self.access.lock().await;
        if kept.as_ref().is_some_and(|(t, _)| t == stale) {
            *kept = None;
        }
    }

    /// The request body: `data` for the Android SDK, and for an app on Apple devices that
    /// registered with FCM the APNs payload FCM hands on.
    pub fn message(device: &str, data: &BTreeMap<String, String>, apns: &Value, add: bool) -> Value {
        json!({"message": {
            "token": device,
            "data": data,
            "android": {"priority": if add { "HIGH" } else { "NORMAL" }, "ttl": TTL},
            "apns": {"headers": {"apns-push-type": "alert", "apns-priority": if add { "10" } else { "5" }}, "payload": apns},
        }})
    }

    pub async fn send(&self, body: &Value, now_secs: i64) -> Sent {
        let url = format!("{}/v1/projects/{}/messages:send", self.url, self.project_id);
        let mut refreshed = false;
        loop {
            let token = match self.access_token(now_secs).await {
                Ok(t) => t,
                Err(sent) => return sent,
            };
            let req = self.http.post(&url).bearer_auth(&token).json(body);
            let answer = match outbound::call(req, TIMEOUT).await {
                Ok(a) => a,
                Err(outbound::Attempt::Retry { why, retry_after, .. }) => return Sent::Retry(why, retry_after),
                Err(outbound::Attempt::Final { why, .. }) => return Sent::Failed(why),
                Err(outbound::Attempt::Delivered(_)) => return Sent::Delivered,
            };
            let error: Value = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|b| b.get("error").cloned())
                .unwrap_or(Value::Null);
            let status = error.get("status").and_then(Value::as_str).unwrap_or_default();
            let why = format!("HTTP {} {status}", answer.status).trim_end().to_owned();
            return match answer.status {
                200..=299 => Sent::Delivered,
                401 if !refreshed => {
                    self.forget(&token).await;
                    refreshed = true;
                    continue;
                }
                401 => Sent::Retry(why, answer.retry_after),
                400 | 403 | 404 if token_gone(&error) => Sent::Gone(why),
                429 | 500.. => Sent::Retry(why, answer.retry_after),
                _ => Sent::Failed(why),
            };
        }
    }
}

/// FCM's error says the registration token is unusable: `UNREGISTERED`, `SENDER_ID_MISMATCH`,
/// or `INVALID_ARGUMENT` about the field `message.token`.
fn token_gone(error: &Value) -> bool {
    let details = error.get("details").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let code = |c: &str| details.iter().any(|d| d.get("errorCode").and_then(Value::as_str) == Some(c));
    let about_token = details.iter().any(|d| {
        d.get("fieldViolations")
            .and_then(Value::as_array)
            .is_some_and(|v| v.iter().any(|f| f.get("field").and_then(Value::as_str) == Some("message.token")))
    });
    let status = error.get("status").and_then(Value::as_str).unwrap_or_default();
    code("UNREGISTERED")
        || code("SENDER_ID_MISMATCH")
        || status == "NOT_FOUND"
        || ((code("INVALID_ARGUMENT") || status == "INVALID_ARGUMENT") && about_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unregistered_and_bad_tokens_are_gone_other_bad_requests_are_not() {
        let fcm_error = |status: &str, code: &str, field: Option<&str>| {
            let mut details =
                vec![json!({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code})];
            if let Some(f) = field {
                details.push(json!({"@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": f, "description": "Invalid registration token"}]}));
            }
            json!({"code": 400, "message": "x", "status": status, "details": details})
        };
        assert!(token_gone(&fcm_error("NOT_FOUND", "UNREGISTERED", None)));
        assert!(token_gone(&fcm_error("INVALID_ARGUMENT", "INVALID_ARGUMENT", Some("message.token"))));
        assert!(token_gone(&fcm_error("PERMISSION_DENIED", "SENDER_ID_MISMATCH", None)));
        assert!(!token_gone(&fcm_error("INVALID_ARGUMENT", "INVALID_ARGUMENT", Some("message.data"))));
        assert!(!token_gone(&fcm_error("INVALID_ARGUMENT", "INVALID_ARGUMENT", None)));
        assert!(!token_gone(&Value::Null));
    }
}
