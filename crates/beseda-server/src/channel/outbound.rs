//! Events to a custom channel's callback URL (custom-channel.md §4.3, §6): signed, in order per
//! chat, each attempt at most 10 s; network errors, time-outs, 408, 429 and 5xx are retried
//! after the configured delays; a message that finally fails is recorded as not delivered and
//! the next one proceeds.

use super::signature;
use crate::bot::delivery::{post_to, signed_body};
use crate::state::AppState;
use beseda_store::OutboxClaim;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);
const IN_FLIGHT: i64 = 16;
const ATTEMPT_LIMIT: Duration = Duration::from_secs(10);

enum Outcome {
    Delivered,
    Retryable(String),
    Final(String),
}

async fn attempt(state: &AppState, c: &OutboxClaim, url: &str, secret: &str) -> Outcome {
    let body = signed_body(&c.payload["body"], &state.origin.get(), secret).to_string();
    let ts = state.now() / 1_000_000;
    let req = match post_to(&state.http, url) {
        Ok(r) => r
            .header("Content-Type", "application/json; charset=utf-8")
            .header("X-Beseda-Timestamp", ts.to_string())
            .header("X-Beseda-Signature", signature::sign(secret, ts, &body))
            .header("X-Beseda-Delivery", format!("{:032x}", c.id))
            .body(body),
        Err(e) => return Outcome::Final(e),
    };
    match tokio::time::timeout(ATTEMPT_LIMIT, req.timeout(ATTEMPT_LIMIT).send()).await {
        Err(_) => Outcome::Retryable("timeout after 10 s".into()),
        Ok(Err(e)) => Outcome::Retryable(format!("request failed: {e}")),
        Ok(Ok(resp)) => {
            let s = resp.status();
            if s.is_success() {
                Outcome::Delivered
            } else if s.is_server_error() || s.as_u16() == 408 || s.as_u16() == 429 {
                Outcome::Retryable(format!("HTTP {}", s.as_u16()))
            } else {
                Outcome::Final(format!("HTTP {}", s.as_u16()))
            }
        }
    }
}

async fn deliver(state: &AppState, c: OutboxClaim) -> Result<(), beseda_store::StoreError> {
    let key = c.payload["channel"].as_str().unwrap_or_default().to_owned();
    let channel = state.store.channel(&key).await?.filter(|ch| !ch.callback_url.is_empty());
    let Some(channel) = channel else {
        return state.store.outbox_done(c.id, Some("the channel has no callback URL")).await;
    };
    let retries = &state.config.channel_retry_delays;
    match attempt(state, &c, &channel.callback_url, &channel.secret).await {
        Outcome::Delivered => state.store.outbox_done(c.id, None).await,
        Outcome::Retryable(why) if (c.attempts as usize) < retries.len() => {
            state.store.bot_event_retry(c.id, retries[c.attempts as usize].as_micros() as i64, &why).await
        }
        Outcome::Retryable(why) | Outcome::Final(why) => {
            tracing::warn!(channel = %key, reason = %why, "channel event not delivered");
            let changes = state.store.channel_event_failed(c.id, &format!("not delivered: {why}")).await?;
            state.publish(&changes);
            Ok(())
        }
    }
}

pub async fn deliver_once(state: &AppState) -> Result<usize, beseda_store::StoreError> {
    let batch = state.store.claim_outbox("channel_event", IN_FLIGHT, LEASE.as_micros() as i64).await?;
    let n = batch.len();
    for r in futures_util::future::join_all(batch.into_iter().map(|c| deliver(state, c))).await {
        r?;
    }
    Ok(n)
}

pub async fn run(state: AppState) {
    crate::state::delivery_loop(&state, "channel events", &state.channel_wake, || deliver_once(&state)).await;
}
