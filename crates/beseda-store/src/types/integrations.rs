//! Bots, custom channels, the outbox and webhook deliveries: records and calls.

use super::{NewFile, OperatorMessage, Redirect};
use beseda_core::ids::{ChatId, OperatorId};
use serde_json::Value;

/// An external bot's settings (bot-api.md §1).
#[derive(Clone, Debug)]
pub struct BotConfig {
    /// The operator account the bot speaks as.
    pub operator_id: OperatorId,
    pub sort_order: i64,
    /// 2 (asynchronous webhooks + REST) or 1 (synchronous).
    pub api_version: i64,
    /// "Link to external API", used exactly as entered.
    pub webhook_url: String,
    /// Generate a new token (the old one stops working at once).
    pub rotate_token: bool,
    pub reply_timeout_secs: i64,
    /// Beseda extension §7.5: add the visitor's source channel to `new_chat`.
    pub send_channel: bool,
    /// Beseda extension §7.1: tell the bot when a chat it held is closed.
    pub send_chat_closed: bool,
    /// Beseda extension §7.2: `chat_returned_to_bot` instead of a second `new_chat`.
    pub send_chat_returned_to_bot: bool,
}

/// A bot as stored.
#[derive(Clone, Debug)]
pub struct BotRecord {
    pub operator_id: OperatorId,
    pub operator_name: String,
    pub sort_order: i64,
    pub api_version: i64,
    pub webhook_url: String,
    /// API 2.0 token (40 hex characters).
    pub token: String,
    pub reply_timeout_secs: i64,
    pub send_channel: bool,
    pub send_chat_closed: bool,
    pub send_chat_returned_to_bot: bool,
}

/// One bot event claimed for delivery.
#[derive(Clone, Debug)]
pub struct BotDelivery {
    pub outbox_id: i64,
    pub chat_id: ChatId,
    pub bot: BotRecord,
    pub body: Value,
    /// Attempts made before this one.
    pub attempts: i64,
    /// A notification whose failure is only logged (no hand-off).
    pub notify_only: bool,
}

/// What a bot asks for through the Bot API.
#[derive(Clone, Debug)]
pub enum BotCall {
    Send(OperatorMessage),
    Redirect(Redirect),
    Close,
    /// Beseda extension §7.6: a note only operators see, optionally updating visitor fields;
    /// allowed to the bot holding the chat or the last bot that held it.
    Note {
        text: String,
        visitor_fields: Option<Value>,
    },
    /// A file the server fetched for the bot (`file_operator`).
    SendFile(NewFile),
}

/// A custom channel's settings (custom-channel.md §1), visitor side.
#[derive(Clone, Debug)]
pub struct ChannelConfig {
    /// `None` creates a channel (a key and a secret are generated).
    pub key: Option<String>,
    pub title: String,
    pub callback_url: String,
    /// `not_necessary` or `obligatory`.
    pub department_mode: String,
    pub default_department: Option<String>,
    pub allowed_departments: Vec<String>,
    pub rotate_secret: bool,
    /// `visitor` (default) or `bot`.
    pub side: String,
    /// Bot side: the operator account the channel speaks as, and its sort order.
    pub operator_id: Option<OperatorId>,
    pub sort_order: i64,
    /// `custom`, `telegram` or `vk`.
    pub kind: String,
    /// The messenger's credentials (`custom`: `{}`).
    pub config: Value,
}

#[derive(Clone, Debug)]
pub struct ChannelRecord {
    pub key: String,
    pub title: String,
    /// 40 hex characters; signs and authenticates both directions.
    pub secret: String,
    pub callback_url: String,
    pub department_mode: String,
    pub default_department: Option<String>,
    pub allowed_departments: Vec<String>,
    pub side: String,
    pub operator_id: Option<OperatorId>,
    /// `custom`, `telegram` or `vk`.
    pub kind: String,
    /// The messenger's credentials (`custom`: `{}`).
    pub config: Value,
}

/// An outbox row claimed for delivery.
#[derive(Clone, Debug)]
pub struct OutboxClaim {
    pub id: i64,
    pub subject: String,
    pub payload: Value,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// A chat event handler call to queue (chat-handlers.md): one event to one URL.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub event_id: String,
    pub event: String,
    pub chat_id: ChatId,
    pub url: String,
    /// The exact JSON text sent on every attempt.
    pub body: String,
}

/// A queued chat event handler call and where it stands.
#[derive(Clone, Debug, serde::Serialize)]
pub struct WebhookDelivery {
    pub id: i64,
    pub event_id: String,
    pub event: String,
    pub chat_id: i64,
    pub url: String,
    #[serde(skip)]
    pub body: String,
    /// `pending`, `delivered`, `failed` (not retried) or `dead` (retries spent).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i64,
    pub created_at: i64,
    pub due_at: i64,
    pub done_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// How an attempt of a [`WebhookDelivery`] went.
#[derive(Clone, Debug)]
pub enum WebhookOutcome {
    Delivered,
    /// Tried again after `delay_micros`.
    Retry {
        delay_micros: i64,
        status: Option<i64>,
        error: String,
    },
    /// Given up: `dead` when the retries are spent, otherwise `failed`.
    GiveUp {
        dead: bool,
        status: Option<i64>,
        error: String,
    },
}
