//! Web Push to operators whose workspace tab is closed (docs/operations.md "Web Push"): the
//! store queues one outbox row (kind `push`, subject = subscription id) per subscription of each
//! operator a change concerns (`beseda_core::push`); this loop encrypts each (RFC 8291), signs a
//! VAPID token for the endpoint's origin (RFC 8292) and POSTs it to the push service (RFC 8030)
//! with the shared HTTP client. The service's answers: 201 (any 2xx) delivered; 404 and 410 the
//! subscription is gone (it is deleted); 413 too large and other 4xx given up; 429 and 5xx (and
//! connection errors) retried, after `Retry-After` when the service gives one.

pub mod crypto;
pub mod subscription;

use crate::metrics::{Outcome, Worker};
use crate::outbound::{self, Attempt};
use crate::state::AppState;
use beseda_store::{OutboxClaim, StoreError};
use crypto::Vapid;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The outbox kind.
pub const KIND: &str = "push";
const LEASE: Duration = Duration::from_secs(60);
const BATCH: i64 = 32;
/// Time limit of one POST to a push service.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a push service keeps an undelivered message (`TTL`): news of a waiting chat is
/// stale after an hour.
pub const TTL_SECS: u64 = 3600;
/// Lifetime of a VAPID token (RFC 8292 §2: at most 24 hours).
const TOKEN_SECS: i64 = 12 * 3600;
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Subscriptions kept per operator (browsers and devices); a newer one replaces the oldest.
pub const MAX_SUBSCRIPTIONS: i64 = 10;

/// The VAPID key pair: read from the database, or made and stored on the first call.
pub async fn vapid(state: &AppState) -> Result<Arc<Vapid>, String> {
    state
        .vapid
        .get_or_try_init(|| async {
            let generated = crypto::generate()?;
            let stored = state.store.vapid_key(&generated).await.map_err(|e| format!("storing the VAPID key: {e}"))?;
            Vapid::from_stored(&stored).map(Arc::new)
        })
        .await
        .cloned()
}

/// What the service worker gets (small JSON; `text` only as much as `push_preview_chars`
/// allows, since a notification may show on a locked screen).
pub fn message(payload: &Value, preview_chars: usize) -> Value {
    let text: String =
        payload.get("text").and_then(Value::as_str).unwrap_or_default().chars().take(preview_chars).collect();
    json!({
        "type": payload.get("type").and_then(Value::as_str).unwrap_or("message"),
        "chatId": payload.get("chatId").and_then(Value::as_i64).unwrap_or(0),
        "text": text,
    })
}

/// `Urgency` (RFC 8030 §5.3): a chat waiting for someone is `high`, a message `normal`.
fn urgency(kind: &str) -> &'static str {
    if kind == "message" {
        "normal"
    } else {
        "high"
    }
}

/// The origin of an endpoint: the `aud` of its VAPID token.
fn audience(endpoint: &reqwest::Url) -> String {
    endpoint.origin().ascii_serialization()
}

/// How one push ended.
enum Sent {
    Delivered,
    /// The service no longer knows the subscription.
    Gone(String),
    Retry(String, Option<Duration>),
    Failed(String),
}

async fn send(state: &AppState, vapid: &Vapid, claim: &OutboxClaim) -> Result<Sent, StoreError> {
    let Ok(id) = claim.subject.parse::<i64>() else { return Ok(Sent::Failed("bad subject".into())) };
    let Some(sub) = state.store.push_subscription(id).await? else {
        return Ok(Sent::Failed("the subscription was removed".into()));
    };
    let Ok(endpoint) = reqwest::Url::parse(&sub.endpoint) else { return Ok(Sent::Failed("bad endpoint".into())) };
    let (Some(ua_public), Some(auth)) = (crypto::base64url(&sub.p256dh), crypto::base64url(&sub.auth)) else {
        return Ok(Sent::Failed("bad subscription keys".into()));
    };
    let body = message(&claim.payload, state.config.push_preview_chars);
    let kind = body["type"].as_str().unwrap_or("message").to_owned();
    let encrypted = match crypto::encrypt(body.to_string().as_bytes(), &ua_public, &auth) {
        Ok(e) => e,
        Err(why) => return Ok(Sent::Failed(why)),
    };
    let expires = state.now() / 1_000_000 + TOKEN_SECS;
    let authorization = match vapid.authorization(&audience(&endpoint), expires, &state.config.push_contact) {
        Ok(a) => a,
        Err(why) => return Ok(Sent::Failed(why)),
    };
    let req = state
        .http
        .post(endpoint)
        .header("TTL", TTL_SECS.to_string())
        .header("Urgency", urgency(&kind))
        // RFC 8030 §5.4: a newer push about the same chat replaces one not yet delivered.
        .header("Topic", format!("chat-{}", body["chatId"]))
        .header(reqwest::header::CONTENT_ENCODING, "aes128gcm")
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .header(reqwest::header::AUTHORIZATION, authorization)
        .body(encrypted);
    Ok(match outbound::send(req, TIMEOUT).await {
        Attempt::Delivered(_) => Sent::Delivered,
        Attempt::Final { status: Some(s @ (404 | 410)), .. } => Sent::Gone(format!("HTTP {s}: subscription gone")),
        Attempt::Final { status: Some(413), .. } => Sent::Failed("HTTP 413: payload too large".into()),
        Attempt::Final { why, .. } => Sent::Failed(why),
        Attempt::Retry { why, retry_after, .. } => Sent::Retry(why, retry_after),
    })
}

/// One pass: sends what is due.
pub async fn deliver_once(state: &AppState, vapid: &Vapid) -> Result<usize, StoreError> {
    let claims = state.store.claim_outbox(KIND, BATCH, LEASE.as_micros() as i64).await?;
    for claim in &claims {
        let sent = send(state, vapid, claim).await?;
        let delays = &state.config.push_retry_delays;
        let retry_left = (claim.attempts as usize) < delays.len();
        state.metrics.delivery(
            Worker::Push,
            match &sent {
                Sent::Delivered => Outcome::Delivered,
                Sent::Retry(..) if retry_left => Outcome::Retried,
                Sent::Retry(..) => Outcome::Dead,
                Sent::Gone(_) | Sent::Failed(_) => Outcome::Failed,
            },
        );
        match sent {
            Sent::Delivered => state.store.outbox_done(claim.id, None).await?,
            Sent::Gone(why) => {
                tracing::info!(subscription = %claim.subject, "push subscription gone: removed");
                if let Ok(id) = claim.subject.parse() {
                    state.store.drop_push_subscription(id).await?;
                }
                state.store.outbox_done(claim.id, Some(&why)).await?;
            }
            Sent::Retry(why, retry_after) if retry_left => {
                let delay = retry_after.map(|d| d.min(MAX_RETRY_AFTER)).unwrap_or(delays[claim.attempts as usize]);
                tracing::info!(attempt = claim.attempts + 1, "push will be retried");
                state.store.outbox_retry(claim.id, delay.as_micros() as i64, &why).await?;
            }
            Sent::Retry(why, _) | Sent::Failed(why) => {
                tracing::warn!(reason = %why, "push not delivered");
                state.store.outbox_done(claim.id, Some(&why)).await?;
            }
        }
    }
    Ok(claims.len())
}

pub async fn run(state: AppState) {
    let vapid = loop {
        match vapid(&state).await {
            Ok(v) => break v,
            Err(e) => {
                tracing::error!(error = %e, "Web Push is waiting for its VAPID key");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                    _ = state.closing.wait() => return,
                }
            }
        }
    };
    crate::state::delivery_loop(&state, "Web Push", &state.push_wake, || deliver_once(&state, &vapid)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_shows_only_as_much_visitor_text_as_configured() {
        let payload =
            json!({"operatorId": 3, "type": "new_chat", "chatId": 12, "text": "Здравствуйте, мой номер 1234"});
        assert_eq!(message(&payload, 0), json!({"type": "new_chat", "chatId": 12, "text": ""}));
        assert_eq!(message(&payload, 12)["text"], "Здравствуйте");
        assert_eq!(urgency("message"), "normal");
        assert_eq!(urgency("redirected"), "high");
        let url = reqwest::Url::parse("http://127.0.0.1:9000/push/abc?x=1").expect("test value");
        assert_eq!(audience(&url), "http://127.0.0.1:9000");
        let url = reqwest::Url::parse("https://fcm.googleapis.com:443/fcm/send/abc").expect("test value");
        assert_eq!(audience(&url), "https://fcm.googleapis.com");
    }
}
