//! Pushes to mobile SDK visitors (visitor-api.md §16, docs/api.md "Push notifications to
//! apps"). The store queues one outbox row (kind `mobile_push`, subject = visit session) per
//! device token whose app is not listening, in the transaction of the change
//! (`beseda_core::mobile_push`); this loop sends each through APNs ([`apns`]) or FCM
//! ([`fcm`]).
//!
//! "Listening" is kept in the database (`visit_sessions.listening_until`), so every node sees
//! it: a long-poll marks its session for its hold plus [`GRACE`] (the app's next poll follows
//! at once), a WebSocket for as long as it is open. It is checked twice: when the change is
//! written (no row for an app that gets the change over its open connection) and again just
//! before sending (a push delayed by retries is not sent to an app the visitor has opened in
//! the meantime).

pub mod apns;
pub mod fcm;
pub mod jwt;

use crate::metrics::{Outcome, Worker};
use crate::state::AppState;
use beseda_core::mobile_push::{Push, PushKind, OUTBOX_KIND};
use beseda_store::{OutboxClaim, PageAuth, StoreError};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);
const BATCH: i64 = 32;
/// Time an app has, after a long-poll's answer, to send the next one and still count as
/// listening.
pub const GRACE: Duration = Duration::from_secs(10);
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// APNs settings (`apns_*`).
#[derive(Clone, Debug, PartialEq)]
pub struct ApnsSettings {
    /// The token-signing key (.p8, PKCS#8 P-256).
    pub key_file: PathBuf,
    pub key_id: String,
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    /// `https://api.push.apple.com`, or the sandbox `https://api.sandbox.push.apple.com`.
    pub url: String,
}

/// FCM settings (`fcm_*`).
#[derive(Clone, Debug, PartialEq)]
pub struct FcmSettings {
    /// The service account's key file (JSON).
    pub service_account_file: PathBuf,
    /// `https://fcm.googleapis.com`.
    pub url: String,
    /// Replaces the key file's `token_uri`.
    pub token_url: Option<String>,
}

/// How one push ended.
#[derive(Debug)]
pub enum Sent {
    Delivered,
    /// Not sent, and no need: the app is listening, the push was withdrawn.
    Skipped(&'static str),
    /// The service no longer knows the device token.
    Gone(String),
    Retry(String, Option<Duration>),
    Failed(String),
}

/// The deployment's push services, as configured.
#[derive(Debug, Default)]
pub struct Services {
    pub apns: Option<apns::Apns>,
    pub fcm: Option<fcm::Fcm>,
}

impl Services {
    /// The clients of the configured services. A key that cannot be read is logged and that
    /// service stays off (the settings' check already refuses to start with one).
    pub fn new(config: &crate::state::ServerConfig, http: &reqwest::Client) -> Self {
        let apns = config.apns.as_ref().and_then(|s| {
            apns::Apns::new(s).map_err(|e| tracing::error!(error = %e, "APNs is off: apns_key_file")).ok()
        });
        let fcm = config.fcm.as_ref().and_then(|s| {
            fcm::Fcm::new(s, http.clone())
                .map_err(|e| tracing::error!(error = %e, "FCM is off: fcm_service_account_file"))
                .ok()
        });
        Self { apns, fcm }
    }
}

/// The session's app listens for `hold` more (a long-poll's hold, a socket's idle limit):
/// written for sessions with a push token only, and only when the mark would not cover it.
pub async fn listening(state: &AppState, page: &mut PageAuth, hold: Duration) {
    if !page.push_token {
        return;
    }
    let now = state.now();
    if page.listening_until.is_some_and(|until| until >= now + hold.as_micros() as i64) {
        return;
    }
    let until = now + (hold + GRACE).as_micros() as i64;
    match state.store.set_listening(&page.visit_session_id, until).await {
        Ok(()) => page.listening_until = Some(until),
        Err(e) => tracing::warn!(error = %e, "could not mark the app as listening"),
    }
}

/// The session's socket closed: its app no longer listens.
pub async fn stopped(state: &AppState, page: &PageAuth) {
    if page.push_token {
        if let Err(e) = state.store.set_listening(&page.visit_session_id, state.now()).await {
            tracing::warn!(error = %e, "could not mark the app as gone");
        }
    }
}

async fn send(state: &AppState, claim: &OutboxClaim) -> Result<Sent, StoreError> {
    let p = &claim.payload;
    let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default();
    let (service, device) = (text("service"), text("token"));
    let Some(kind) = PushKind::parse(text("key")) else { return Ok(Sent::Failed("bad push kind".into())) };
    let add = text("event") != "del";
    if add && state.store.push_token_listening(device).await? {
        return Ok(Sent::Skipped("the app was listening"));
    }
    let push = Push {
        kind,
        add,
        args: p
            .get("args")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
        unread: p.get("unread").and_then(Value::as_i64).unwrap_or(0),
        location: text("location").to_owned(),
    };
    let collapse = p.get("messageId").and_then(Value::as_str);
    let now_secs = state.now() / 1_000_000;
    let services = &state.mobile_push;
    Ok(match service {
        "apns" => match &services.apns {
            Some(apns) => apns.send(device, &push.apns(), collapse, add, now_secs).await,
            None => Sent::Failed("APNs is not configured".into()),
        },
        "fcm" => match &services.fcm {
            Some(fcm) => fcm.send(&fcm::Fcm::message(device, &push.fcm_data(), &push.apns(), add), now_secs).await,
            None => Sent::Failed("FCM is not configured".into()),
        },
        _ => Sent::Failed("unknown push service".into()),
    })
}

/// One pass: sends what is due.
pub async fn deliver_once(state: &AppState) -> Result<usize, StoreError> {
    let claims = state.store.claim_outbox(OUTBOX_KIND, BATCH, LEASE.as_micros() as i64).await?;
    for claim in &claims {
        let sent = send(state, claim).await?;
        let delays = &state.config.mobile_push_retry_delays;
        let retry_left = (claim.attempts as usize) < delays.len();
        state.metrics.delivery(
            Worker::MobilePush,
            match &sent {
                Sent::Delivered => Outcome::Delivered,
                Sent::Retry(..) if retry_left => Outcome::Retried,
                Sent::Retry(..) => Outcome::Dead,
                Sent::Skipped(_) | Sent::Gone(_) | Sent::Failed(_) => Outcome::Failed,
            },
        );
        match sent {
            Sent::Delivered => state.store.outbox_done(claim.id, None).await?,
            Sent::Skipped(why) => state.store.outbox_done(claim.id, Some(why)).await?,
            Sent::Gone(why) => {
                tracing::info!(session = %claim.subject, reason = %why, "push token gone: removed");
                let token = claim.payload.get("token").and_then(Value::as_str).unwrap_or_default();
                state
                    .store
                    .drop_push_token(token, &format!("the push service no longer knows the token ({why})"))
                    .await?;
                state.store.outbox_done(claim.id, Some(&why)).await?;
            }
            Sent::Retry(why, retry_after) if retry_left => {
                let delay = retry_after.map(|d| d.min(MAX_RETRY_AFTER)).unwrap_or(delays[claim.attempts as usize]);
                tracing::info!(attempt = claim.attempts + 1, reason = %why, "mobile push will be retried");
                state.store.outbox_retry(claim.id, delay.as_micros() as i64, &why).await?;
            }
            Sent::Retry(why, _) | Sent::Failed(why) => {
                tracing::warn!(session = %claim.subject, reason = %why, "mobile push not delivered");
                state.store.outbox_done(claim.id, Some(&why)).await?;
            }
        }
    }
    Ok(claims.len())
}

pub async fn run(state: AppState) {
    crate::state::delivery_loop(&state, "mobile pushes", &state.mobile_push_wake, || deliver_once(&state)).await;
}
