//! Chat event handlers (chat-handlers.md): `chat_started`, `chat_assigned` and `chat_closed`
//! POSTed to the URLs of the integration settings.
//!
//! Each event is an outbox row written with the change. A pass turns new rows into one queued
//! call per receiving URL (the body fixed then, so retries and re-sends are identical), then
//! sends the due calls: up to four at once per URL, each attempt at most the configured time,
//! retried after the configured delays (±10 %, or the receiver's `Retry-After` up to an hour),
//! and given up as `failed` (any other non-2xx) or `dead` (retries spent).

mod body;

use crate::metrics::Outcome;
use crate::outbound::{self, post_to, Attempt};
use crate::state::AppState;
use beseda_core::ids::{hex_id, ChatId};
use beseda_store::{NewWebhook, StoreError, WebhookDelivery, WebhookOutcome};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::time::Duration;

/// The events, as named in the outbox (`event.<name>`) and on the wire.
pub const EVENTS: [&str; 3] = ["chat_started", "chat_assigned", "chat_closed"];
/// How long a claim lasts before another pass (or node) may take the work again.
const LEASE: Duration = Duration::from_secs(60);
/// Outbox rows turned into calls per pass and event.
const QUEUE_BATCH: i64 = 64;
/// Calls claimed per pass.
const IN_FLIGHT: i64 = 32;
/// Calls in flight to one URL.
const PER_URL: usize = 4;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Turns new event rows into calls; returns how many rows it handled.
async fn queue_events(state: &AppState) -> Result<usize, StoreError> {
    let mut handled = 0;
    for event in EVENTS {
        let claims = state.store.claim_outbox(&format!("event.{event}"), QUEUE_BATCH, LEASE.as_micros() as i64).await?;
        if claims.is_empty() {
            continue;
        }
        let settings = state.store.settings().await?;
        let urls = settings.chat_handler_urls(event);
        let (departments, operators, bots) = if urls.is_empty() {
            Default::default()
        } else {
            let bots: Vec<i64> = state.store.bots().await?.iter().map(|b| b.operator_id.0).collect();
            (state.store.departments().await?, state.store.operators().await?, bots)
        };
        let dir = body::Directory { departments: &departments, operators: &operators, bots: &bots };
        for claim in claims {
            let chat = ChatId(claim.subject.parse().unwrap_or(0));
            let detail = if urls.is_empty() { None } else { state.store.chat(chat).await? };
            let calls: Vec<NewWebhook> = match detail {
                None => Vec::new(),
                Some(detail) => {
                    let event_id = hex_id();
                    let at = claim.payload.get("at").and_then(serde_json::Value::as_i64).unwrap_or_else(|| state.now());
                    let facts = body::Facts { event, event_id: &event_id, at, payload: &claim.payload };
                    // Serialising the body cannot fail: plain fields and string-keyed maps.
                    let text = serde_json::to_string(&body::build(&facts, &detail, &dir)).unwrap_or_default();
                    urls.iter()
                        .map(|url| NewWebhook {
                            event_id: event_id.clone(),
                            event: event.to_owned(),
                            chat_id: chat,
                            url: url.clone(),
                            body: text.clone(),
                        })
                        .collect()
                }
            };
            state.store.queue_webhooks(claim.id, &calls).await?;
            handled += 1;
        }
    }
    Ok(handled)
}

/// One attempt of `call`, signed when `secret` is set.
async fn attempt(state: &AppState, call: &WebhookDelivery, secret: &str) -> Attempt {
    let req = match post_to(&state.http, &call.url) {
        Ok(r) => r,
        Err(why) => return Attempt::Final { status: None, why },
    };
    let mut req = req
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", concat!("Beseda/", env!("CARGO_PKG_VERSION")))
        .header("X-Beseda-Event", &call.event)
        .header("X-Beseda-Delivery", &call.event_id)
        .header("X-Beseda-Attempt", (call.attempts + 1).to_string());
    if !secret.is_empty() {
        req = crate::channel::signature::signed(req, secret, state.now() / 1_000_000, &call.body);
    }
    outbound::send(req.body(call.body.clone()), state.config.webhook_timeout).await
}

/// `delay` moved by up to ±10 %, the same for the same call and attempt.
fn jittered(delay: Duration, call: &WebhookDelivery) -> Duration {
    let spread = (call.id.wrapping_mul(7919).wrapping_add(call.attempts.wrapping_mul(104_729))).rem_euclid(201);
    delay.mul_f64(0.9 + spread as f64 / 1000.0)
}

/// What to record after an attempt.
fn outcome(state: &AppState, call: &WebhookDelivery, attempt: Attempt) -> WebhookOutcome {
    let delays = &state.config.webhook_retry_delays;
    match attempt {
        Attempt::Delivered(_) => WebhookOutcome::Delivered,
        Attempt::Retry { status, why, retry_after } if (call.attempts as usize) < delays.len() => {
            let delay = match retry_after {
                Some(after) if status == Some(429) && after <= MAX_RETRY_AFTER => after,
                _ => jittered(delays[call.attempts as usize], call),
            };
            WebhookOutcome::Retry { delay_micros: delay.as_micros() as i64, status: status.map(i64::from), error: why }
        }
        Attempt::Retry { status, why, .. } => {
            WebhookOutcome::GiveUp { dead: true, status: status.map(i64::from), error: why }
        }
        Attempt::Final { status, why } => {
            WebhookOutcome::GiveUp { dead: false, status: status.map(i64::from), error: why }
        }
    }
}

async fn deliver(state: &AppState, call: WebhookDelivery, secret: &str) -> Result<(), StoreError> {
    let result = outcome(state, &call, attempt(state, &call, secret).await);
    let (counted, status) = match &result {
        WebhookOutcome::Delivered => (Outcome::Delivered, Some(200)),
        WebhookOutcome::Retry { status, .. } => (Outcome::Retried, *status),
        WebhookOutcome::GiveUp { dead: true, status, .. } => (Outcome::Dead, *status),
        WebhookOutcome::GiveUp { dead: false, status, .. } => (Outcome::Failed, *status),
    };
    state.metrics.webhook_attempt(counted, status);
    match &result {
        WebhookOutcome::Delivered => {}
        WebhookOutcome::Retry { status, .. } => {
            tracing::info!(event_id = %call.event_id, attempt = call.attempts + 1, ?status, "chat event handler call will be retried")
        }
        WebhookOutcome::GiveUp { dead, status, .. } => {
            tracing::warn!(event_id = %call.event_id, attempt = call.attempts + 1, ?status, dead, "chat event handler call given up")
        }
    }
    state.store.webhook_attempted(call.id, &result).await
}

/// Sends the due calls; returns how many.
async fn send_due(state: &AppState) -> Result<usize, StoreError> {
    let calls = state.store.claim_webhooks(IN_FLIGHT, LEASE.as_micros() as i64).await?;
    if calls.is_empty() {
        return Ok(0);
    }
    let n = calls.len();
    let secret = state.store.settings().await?.chat_handlers_signing_secret;
    let mut by_url: BTreeMap<String, Vec<WebhookDelivery>> = BTreeMap::new();
    for call in calls {
        by_url.entry(call.url.clone()).or_default().push(call);
    }
    let per_url = by_url.into_values().map(|calls| {
        let secret = &secret;
        futures_util::stream::iter(calls)
            .map(move |call| deliver(state, call, secret))
            .buffer_unordered(PER_URL)
            .collect::<Vec<_>>()
    });
    for results in futures_util::future::join_all(per_url).await {
        results.into_iter().collect::<Result<(), _>>()?;
    }
    Ok(n)
}

/// One pass: queue new events, send due calls.
pub async fn deliver_once(state: &AppState) -> Result<usize, StoreError> {
    Ok(queue_events(state).await? + send_due(state).await?)
}

pub async fn run(state: AppState) {
    crate::state::delivery_loop(&state, "chat event handlers", &state.webhook_wake, || deliver_once(&state)).await;
}
