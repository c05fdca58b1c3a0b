//! Events to a custom channel's callback URL (custom-channel.md §4.3, §6), or through its
//! messenger adapter (Telegram, VK): signed, in order per chat, each attempt at most 10 s; network errors, time-outs, 408, 429 and 5xx are retried
//! after the configured delays; a message that finally fails is recorded as not delivered and
//! the next one proceeds.

use super::signature;
use crate::bot::delivery::signed_body;
use crate::metrics::{Outcome, Worker};
use crate::outbound::{self, post_to, Attempt};
use crate::state::AppState;
use beseda_store::OutboxClaim;
use std::time::Duration;

const LEASE: Duration = Duration::from_secs(60);
const IN_FLIGHT: i64 = 16;
const ATTEMPT_LIMIT: Duration = Duration::from_secs(10);

async fn attempt(state: &AppState, c: &OutboxClaim, url: &str, secret: &str) -> Attempt {
    let body = signed_body(&c.payload["body"], &state.origin.get(), secret).to_string();
    match post_to(&state.http, url) {
        Ok(r) => {
            let req = r
                .header("Content-Type", "application/json; charset=utf-8")
                .header("X-Beseda-Delivery", format!("{:032x}", c.id));
            let req = signature::signed(req, secret, state.now() / 1_000_000, &body).body(body);
            outbound::send(req, ATTEMPT_LIMIT).await
        }
        Err(why) => Attempt::Final { status: None, why },
    }
}

async fn deliver(state: &AppState, c: OutboxClaim) -> Result<(), beseda_store::StoreError> {
    let key = c.payload["channel"].as_str().unwrap_or_default().to_owned();
    let channel = state.store.channel(&key).await?.filter(|ch| ch.kind != "custom" || !ch.callback_url.is_empty());
    let Some(channel) = channel else {
        state.metrics.delivery(Worker::Channels, Outcome::Failed);
        return state.store.outbox_done(c.id, Some("the channel has no callback URL")).await;
    };
    let retries = &state.config.channel_retry_delays;
    let result = if channel.kind == "custom" {
        attempt(state, &c, &channel.callback_url, &channel.secret).await
    } else {
        let body = signed_body(&c.payload["body"], &state.origin.get(), &channel.secret);
        crate::messenger::deliver(state, &channel, &body).await
    };
    let retry_left = (c.attempts as usize) < retries.len();
    state.metrics.delivery(Worker::Channels, Outcome::of(&result, retry_left));
    match result {
        Attempt::Delivered(_) => state.store.outbox_done(c.id, None).await,
        Attempt::Retry { why, .. } if retry_left => {
            state.store.outbox_retry(c.id, retries[c.attempts as usize].as_micros() as i64, &why).await
        }
        Attempt::Retry { why, .. } | Attempt::Final { why, .. } => {
            tracing::warn!(channel = %key, reason = %why, "channel event not delivered");
            let changes = state.store.channel_event_failed(c.id, &format!("not delivered: {why}")).await?;
            state.publish(changes);
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
