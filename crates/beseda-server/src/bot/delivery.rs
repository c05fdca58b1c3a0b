//! Beseda → bot: events from the outbox POSTed to each bot's webhook with the headers of
//! bot-api.md §3.1. Strictly in order per chat (one event in flight per chat), chats in
//! parallel. Each attempt has a time limit; connection errors, time-outs, 408, 429 and 5xx are
//! retried after the configured delays; when an event finally fails the chat is handed to
//! humans (§4.3).

use crate::channel::answer::{self, Step};
use crate::metrics::{Outcome as Delivery, Worker};
use crate::state::AppState;
use beseda_core::bot_wire;
use beseda_core::ids::hex_id;
use beseda_store::{BotCall, BotDelivery, OperatorMessage, OperatorMessageKind, Redirect, RedirectTarget};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// How long a claimed event stays claimed before another pass may try it again.
const LEASE: Duration = Duration::from_secs(60);
/// Events delivered at once (one per chat).
const IN_FLIGHT: i64 = 16;
/// The Webim release whose bot API is implemented (≥ 10.4: bots enable "redirect to queue").
pub const WEBIM_VERSION: &str = "10.5.62";

enum Outcome {
    /// Accepted; for API 1.0 bots and bot-side channels, with the reply to apply.
    Delivered(Option<Vec<Step>>),
    Retryable(String),
    Final(String),
}

use crate::outbound::post_to;

/// The webhook request with the exact headers of bot-api.md §3.1.
fn request(client: &reqwest::Client, d: &BotDelivery, origin: &str) -> Result<reqwest::RequestBuilder, String> {
    let req = post_to(client, &d.bot.webhook_url)?
        .header("Content-Type", "application/json; charset=utf-8")
        .header("X-Bot-API-Version", if d.bot.api_version == 1 { "1.0" } else { "2.0" })
        .header("X-Bot-API-Dialect", "Webim Standard")
        .header("X-Webim-Version", WEBIM_VERSION)
        .header("User-Agent", concat!("Beseda/", env!("CARGO_PKG_VERSION")))
        .header("X-Beseda-Event-Id", format!("{:032x}", d.outbox_id))
        .body(signed_body(&d.body, origin, &d.bot.token).to_string());
    Ok(req)
}

/// The event body with its file placeholders turned into signed links (bot-api.md §3.4).
pub fn signed_body(body: &Value, origin: &str, token: &str) -> Value {
    match body {
        Value::String(s) => match s.strip_prefix(bot_wire::FILE_LINK_PREFIX) {
            Some(guid) => Value::String(super::files::link(origin, token, guid)),
            None => body.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(|v| signed_body(v, origin, token)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), signed_body(v, origin, token))).collect())
        }
        other => other.clone(),
    }
}

/// `bots.api_version` of a custom channel on the bot side (custom-channel.md §5).
const CHANNEL_API: i64 = 3;

/// A custom channel's request: signed with the channel secret (custom-channel.md §2).
async fn channel_request(state: &AppState, d: &BotDelivery) -> Result<reqwest::RequestBuilder, String> {
    let channels = state.store.channels().await.map_err(|e| e.to_string())?;
    let channel =
        channels.into_iter().find(|c| c.operator_id == Some(d.bot.operator_id)).ok_or("the channel is gone")?;
    let body = signed_body(&d.body, &state.origin.get(), &channel.secret).to_string();
    let req = post_to(&state.http, &channel.callback_url)?
        .header("Content-Type", "application/json; charset=utf-8")
        .header("X-Beseda-Delivery", format!("{:032x}", d.outbox_id));
    Ok(crate::channel::signature::signed(req, &channel.secret, state.now() / 1_000_000, &body).body(body))
}

async fn attempt(state: &AppState, d: &BotDelivery) -> Outcome {
    let req = if d.bot.api_version == CHANNEL_API {
        channel_request(state, d).await
    } else {
        request(&state.http, d, &state.origin.get())
    };
    let req = match req {
        Ok(r) => r,
        Err(e) => return Outcome::Final(e),
    };
    let limit = state.config.bot_timeout;
    let sent = tokio::time::timeout(limit, async {
        let resp = req.timeout(limit).send().await?.error_for_status()?;
        resp.bytes().await
    })
    .await;
    match sent {
        Err(_) => Outcome::Retryable(format!("timeout after {} s", limit.as_secs_f64())),
        Ok(Ok(body)) if d.bot.api_version == 1 => match v1_reply(&body) {
            Some(calls) => Outcome::Delivered(Some(calls.into_iter().map(Step::Call).collect())),
            None => Outcome::Retryable("the reply is not an API 1.0 answer".into()),
        },
        // Synchronous answers of a channel: `{"messages": [...], "actions": [...]}` is applied;
        // any other body ignored.
        Ok(Ok(body)) if d.bot.api_version == CHANNEL_API => Outcome::Delivered(Some(answer::parse(&body))),
        Ok(Ok(_)) => Outcome::Delivered(None),
        Ok(Err(e)) => match e.status() {
            Some(s)
                if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT || s == StatusCode::TOO_MANY_REQUESTS =>
            {
                Outcome::Retryable(format!("HTTP {}", s.as_u16()))
            }
            Some(s) => Outcome::Final(format!("HTTP {}", s.as_u16())),
            None if e.is_timeout() => Outcome::Retryable(format!("timeout after {} s", limit.as_secs_f64())),
            None => Outcome::Retryable("connection failed".into()),
        },
    }
}

/// JAICP names a department by its "id-number" in `redirect_to_department`: a value that is no
/// department's key but is a department's numeric id means that department.
async fn by_department_id(state: &AppState, step: &mut Step) {
    let Step::Call(BotCall::Redirect(Redirect { target: RedirectTarget::Department(key), .. })) = step else { return };
    let Ok(id) = key.parse::<i64>() else { return };
    let Ok(departments) = state.store.departments().await else { return };
    if !departments.iter().any(|d| d.key == *key) {
        if let Some(d) = departments.iter().find(|d| d.id == id) {
            *key = d.key.clone();
        }
    }
}

/// One message of a synchronous answer: `operator` text or a `keyboard`.
pub(crate) fn reply_message(m: &Value) -> Option<BotCall> {
    let client_side_id = hex_id();
    match m.get("kind")?.as_str()? {
        "operator" => Some(BotCall::Send(OperatorMessage {
            client_side_id,
            text: m.get("text")?.as_str()?.to_owned(),
            markdown: m.get("markdown").and_then(Value::as_bool).unwrap_or(false),
            keyboard: None,
            kind: OperatorMessageKind::Text,
        })),
        "keyboard" => Some(BotCall::Send(OperatorMessage {
            client_side_id,
            text: String::new(),
            markdown: false,
            keyboard: Some(bot_wire::keyboard(m.get("buttons")?).ok()?),
            kind: OperatorMessageKind::Text,
        })),
        _ => None,
    }
}

/// An API 1.0 reply (bot-api.md §8): `{"has_answer": true, "messages": [...]}` posts the
/// messages; `{"has_answer": false}` sends the chat to the queue. Anything else is `None`.
fn v1_reply(body: &[u8]) -> Option<Vec<BotCall>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match v.get("has_answer")?.as_bool()? {
        false => Some(vec![BotCall::Redirect(Redirect {
            target: RedirectTarget::Queue,
            language: None,
            allow_offline: false,
            allow_invisible: true,
        })]),
        true => v.get("messages")?.as_array()?.iter().map(reply_message).collect(),
    }
}

async fn deliver(state: &AppState, d: BotDelivery) -> Result<(), beseda_store::StoreError> {
    let outcome = attempt(state, &d).await;
    let retries = &state.config.bot_retry_delays;
    let retry_left = (d.attempts as usize) < retries.len();
    state.metrics.delivery(
        Worker::Bots,
        match &outcome {
            Outcome::Delivered(_) => Delivery::Delivered,
            Outcome::Retryable(_) if retry_left => Delivery::Retried,
            Outcome::Retryable(_) if !d.notify_only => Delivery::Dead,
            Outcome::Retryable(_) | Outcome::Final(_) => Delivery::Failed,
        },
    );
    match outcome {
        Outcome::Delivered(reply) => {
            state.store.bot_event_delivered(d.outbox_id).await?;
            for mut step in reply.unwrap_or_default() {
                by_department_id(state, &mut step).await;
                let applied = match &step {
                    Step::Call(call) => state.store.bot_call(d.bot.operator_id, d.chat_id, call).await.map(|(_, c)| c),
                    Step::Category { category, subcategory } => {
                        let (op, sub) = (d.bot.operator_id, subcategory.as_deref());
                        state.store.set_category(op, d.chat_id, category, sub).await
                    }
                };
                match applied {
                    Ok(changes) => state.publish(changes),
                    Err(e) => {
                        tracing::info!(chat = d.chat_id.0, error = %e, "synchronous reply not applied");
                        break;
                    }
                }
            }
            Ok(())
        }
        Outcome::Retryable(why) if retry_left => {
            let delay = retries[d.attempts as usize];
            tracing::info!(chat = d.chat_id.0, attempt = d.attempts + 1, reason = %why, "bot event will be retried");
            state.store.outbox_retry(d.outbox_id, delay.as_micros() as i64, &why).await
        }
        Outcome::Retryable(why) | Outcome::Final(why) if d.notify_only => {
            tracing::info!(chat = d.chat_id.0, reason = %why, "bot notification not delivered");
            state.store.bot_event_delivered(d.outbox_id).await
        }
        Outcome::Retryable(why) | Outcome::Final(why) => {
            let reason = format!("{why} ({} attempts)", d.attempts + 1);
            tracing::warn!(chat = d.chat_id.0, bot = d.bot.operator_id.0, reason = %reason, "bot failed; chat handed to operators");
            let changes = state.store.bot_event_failed(d.outbox_id, &reason).await?;
            state.publish(changes);
            Ok(())
        }
    }
}

/// One pass: claims the next event of each chat and delivers them in parallel.
pub async fn deliver_once(state: &AppState) -> Result<usize, beseda_store::StoreError> {
    let batch = state.store.claim_bot_events(IN_FLIGHT, LEASE.as_micros() as i64).await?;
    let n = batch.len();
    let tasks: Vec<_> = batch.into_iter().map(|d| deliver(state, d)).collect();
    for r in futures_util::future::join_all(tasks).await {
        r?;
    }
    Ok(n)
}

pub async fn run(state: AppState) {
    crate::state::delivery_loop(&state, "bot events", &state.bot_wake, || deliver_once(&state)).await;
}
