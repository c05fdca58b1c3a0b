//! External bots: their settings, events through the outbox, their calls, hand-off on failure.

use crate::{BotRecord, Result, StoreError};
use beseda_core::ids::{hex_id, ChatId, OperatorId};
use beseda_core::model::{Chat, Message, Operator};
use beseda_core::state::{ChatState, MessageKind};
use beseda_core::wire::DeltaItem;
use beseda_core::{bot_wire, rules, texts, wire, DomainError};
use serde_json::{json, Value};
use sqlx::Row;

use super::channels::CHANNEL_BOT_API;
use super::common::{
    cancel_pending_keyboards, json_col, load_messages, load_visitor, merge_visitor_fields, system_message, to_json,
    Emit,
};
use super::routing::back_to_queue;
use super::{Conn, DbRow};

pub(super) const BOT_COLS: &str =
    "b.operator_id, o.name AS operator_name, b.sort_order, b.api_version, b.webhook_url, b.token, \
                        b.reply_timeout_secs, b.flags";

pub(super) fn bot_from(row: &DbRow) -> Result<BotRecord> {
    Ok(BotRecord {
        operator_id: OperatorId(row.try_get("operator_id")?),
        operator_name: row.try_get("operator_name")?,
        sort_order: row.try_get("sort_order")?,
        api_version: row.try_get("api_version")?,
        webhook_url: row.try_get("webhook_url")?,
        token: row.try_get::<Option<String>, _>("token")?.unwrap_or_default(),
        reply_timeout_secs: row.try_get("reply_timeout_secs")?,
        send_channel: flag(row, "send_channel")?,
        send_chat_closed: flag(row, "send_chat_closed")?,
        send_chat_returned_to_bot: flag(row, "send_chat_returned_to_bot")?,
    })
}

fn flag(row: &DbRow, name: &str) -> Result<bool> {
    Ok(json_col::<Value>(row, "flags")?[name].as_bool().unwrap_or(false))
}

pub(super) async fn load_bot(conn: &mut Conn, operator: OperatorId) -> Result<Option<BotRecord>> {
    let sql =
        format!("SELECT {BOT_COLS} FROM bots b JOIN operators o ON o.id = b.operator_id WHERE b.operator_id = $1");
    let row = sqlx::query(&sql).bind(operator.0).fetch_optional(&mut *conn).await?;
    row.as_ref().map(bot_from).transpose()
}

/// Queues an event for the bot holding `chat`; delivered in order per chat.
async fn enqueue_bot_event(conn: &mut Conn, chat: ChatId, bot: OperatorId, body: Value, emit: &Emit) -> Result<()> {
    enqueue_bot_payload(conn, chat, json!({"bot": bot.0, "body": body}), emit).await
}

/// Queues a notification whose failure is only logged.
async fn enqueue_bot_notice(conn: &mut Conn, chat: ChatId, bot: OperatorId, body: Value, emit: &Emit) -> Result<()> {
    enqueue_bot_payload(conn, chat, json!({"bot": bot.0, "body": body, "notify_only": true}), emit).await
}

async fn enqueue_bot_payload(conn: &mut Conn, chat: ChatId, payload: Value, emit: &Emit) -> Result<()> {
    sqlx::query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ('bot_event', $1, $2, $3, $4)")
        .bind(chat.0.to_string())
        .bind(to_json(&payload)?)
        .bind(emit.now)
        .bind(emit.now)
        .execute(&mut *conn)
        .await?;
    emit.queued(crate::Queued::BOT);
    Ok(())
}

/// `new_chat` for a bot that just got the chat, with the visitor's earlier messages — or, for a
/// bot that held it before and asked for it, `chat_returned_to_bot` (§7.2).
pub(super) async fn bot_new_chat(conn: &mut Conn, emit: &Emit, chat: &Chat, bot: OperatorId) -> Result<()> {
    let history = sqlx::query("SELECT last_bot_id, bot_released_at FROM chats WHERE id = $1")
        .bind(chat.id.0)
        .fetch_one(&mut *conn)
        .await?;
    let last_bot: Option<i64> = history.try_get("last_bot_id")?;
    let released_at: Option<i64> = history.try_get("bot_released_at")?;
    sqlx::query("UPDATE chats SET last_bot_id = $1, bot_close_sent = FALSE, bot_released_at = NULL WHERE id = $2")
        .bind(bot.0)
        .bind(chat.id.0)
        .execute(&mut *conn)
        .await?;
    if emit.quiet_bot == Some(bot) {
        return Ok(());
    }
    let Some(record) = load_bot(conn, bot).await?.filter(|b| !b.webhook_url.is_empty()) else { return Ok(()) };
    let messages = load_messages(conn, chat.id).await?;
    if record.api_version == 2 && record.send_chat_returned_to_bot && last_bot == Some(bot.0) {
        let since = released_at.unwrap_or(0);
        let recent: Vec<&Message> = messages.iter().filter(|m| m.created_at >= since).collect();
        let (id, name) = emit.actor.clone().unwrap_or((bot, record.operator_name.clone()));
        let mut body = bot_wire::returned_to_bot(chat, id, &name, &recent);
        if record.send_channel {
            body["channel"] = bot_wire::channel(chat);
        }
        return enqueue_bot_event(conn, chat.id, bot, body, emit).await;
    }
    if record.api_version == CHANNEL_BOT_API {
        let page: Option<String> = sqlx::query_scalar("SELECT page_url FROM visit_sessions WHERE id = $1")
            .bind(chat.visit_session_id.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
        let body = bot_wire::channel_start(chat, &messages, page.as_deref());
        return enqueue_bot_event(conn, chat.id, bot, body, emit).await;
    }
    let visitor = load_visitor(conn, &chat.visitor_id).await?.ok_or(StoreError::NotFound)?;
    let body = if record.api_version == 1 {
        bot_wire::v1_new_chat(chat, &visitor, &messages)
    } else {
        let mut body = bot_wire::new_chat(chat, bot_wire::visitor(&visitor, &emit.settings.default_lang), &messages);
        if record.send_channel {
            body["channel"] = bot_wire::channel(chat);
        }
        body
    };
    enqueue_bot_event(conn, chat.id, bot, body, emit).await
}

/// The bot that held the chat lets go of it (another operator, the queue, a hand-off).
pub(super) async fn bot_released(conn: &mut Conn, chat: ChatId, previous: Option<OperatorId>, now: i64) -> Result<()> {
    let Some(previous) = previous else { return Ok(()) };
    sqlx::query("UPDATE chats SET bot_released_at = $1 WHERE id = $2 AND last_bot_id = $3 AND bot_released_at IS NULL")
        .bind(now)
        .bind(chat.0)
        .bind(previous.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A bot's note for operators (§7.6): the bot holds the chat or was its last bot.
pub(super) async fn bot_note(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &Chat,
    bot: &Operator,
    text: &str,
    visitor_fields: Option<&Value>,
) -> Result<()> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT last_bot_id FROM chats WHERE id = $1").bind(chat.id.0).fetch_one(&mut *conn).await?;
    if chat.operator_id != Some(bot.id) && last != Some(bot.id.0) {
        return Err(DomainError::NotHeldByBot.into());
    }
    rules::validate_text(text, &emit.settings)?;
    if let Some(fields) = visitor_fields {
        if fields.as_object().is_none_or(|f| f.values().any(|v| !v.is_string())) {
            return Err(DomainError::WrongArgumentValue("visitor_fields").into());
        }
        merge_visitor_fields(conn, &chat.visitor_id, fields, emit.now).await?;
        if let Some(v) = load_visitor(conn, &chat.visitor_id).await? {
            emit.item(DeltaItem::upd("VISITOR_FULL", chat.visit_session_id.as_str(), wire::visitor(&v)));
        }
    }
    let mut note = system_message(conn, emit, chat, MessageKind::ForOperator, text.to_owned()).await?;
    // Operators see who wrote it.
    note.author_id = Some(bot.id);
    note.name = bot.name.clone();
    sqlx::query("UPDATE messages SET author_id = $1, name = $2 WHERE id = $3")
        .bind(bot.id.0)
        .bind(&bot.name)
        .bind(note.id.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Who closed a chat, for the `chat_closed` extension.
pub(super) enum Closer<'a> {
    Visitor,
    Operator(&'a Operator),
    Timeout,
    /// The system: the visitor was blocked.
    System,
}

impl Closer<'_> {
    /// The `closed_by` of the integrations' `chat_closed`.
    pub(super) fn as_str(&self) -> &'static str {
        match self {
            Closer::Visitor => "visitor",
            Closer::Operator(_) => "operator",
            Closer::Timeout => "timeout",
            Closer::System => "system",
        }
    }
}

/// `chat_closed` (§7.1): once, to the last bot that held the chat, if it asked for it and did
/// not close the chat itself.
pub(super) async fn bot_chat_closed(conn: &mut Conn, emit: &Emit, chat: &Chat, by: &Closer<'_>) -> Result<()> {
    let row = sqlx::query("SELECT last_bot_id, bot_close_sent FROM chats WHERE id = $1")
        .bind(chat.id.0)
        .fetch_one(&mut *conn)
        .await?;
    let (Some(bot), false) = (row.try_get::<Option<i64>, _>("last_bot_id")?, row.try_get::<bool, _>("bot_close_sent")?)
    else {
        return Ok(());
    };
    sqlx::query("UPDATE chats SET bot_close_sent = TRUE WHERE id = $1").bind(chat.id.0).execute(&mut *conn).await?;
    let bot = OperatorId(bot);
    if matches!(by, Closer::Operator(op) if op.id == bot) {
        return Ok(());
    }
    let Some(record) = load_bot(conn, bot).await?.filter(|b| b.send_chat_closed && !b.webhook_url.is_empty()) else {
        return Ok(());
    };
    let operator = match by {
        Closer::Operator(op) => Some((op.id, op.name.as_str())),
        _ => None,
    };
    let body = bot_wire::chat_closed(chat, by.as_str(), operator, chat.operator_id == Some(record.operator_id));
    enqueue_bot_notice(conn, chat.id, bot, body, emit).await
}

/// `new_message` when the visitor writes in a chat a bot holds.
pub(super) async fn bot_new_message(conn: &mut Conn, emit: &Emit, chat: &Chat, message: &Message) -> Result<()> {
    // The bot holds the chat; a notice of the visitor closing it still reaches the bot.
    let held = chat.state == ChatState::ChattingWithRobot
        || (message.kind == MessageKind::Info && chat.state == ChatState::ClosedByVisitor);
    let Some(bot) = chat.operator_id.filter(|_| held) else { return Ok(()) };
    let Some(record) = load_bot(conn, bot).await?.filter(|b| !b.webhook_url.is_empty()) else { return Ok(()) };
    let bodies = if record.api_version == 1 {
        bot_wire::v1_new_message(chat, message).into_iter().collect()
    } else if record.api_version == CHANNEL_BOT_API {
        bot_wire::channel_next(chat, message).into_iter().collect()
    } else {
        bot_wire::new_messages(chat, message)
    };
    for body in bodies {
        enqueue_bot_event(conn, chat.id, bot, body, emit).await?;
    }
    Ok(())
}

/// The bot could not be reached: the chat leaves it for the human queue of its department, the
/// visitor is told, operators see why; the chat's remaining events for that bot are dropped.
pub(super) async fn hand_off(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    bot: &BotRecord,
    reason: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET done_at = $1, last_error = $2 WHERE kind = 'bot_event' AND subject = $3 AND done_at IS NULL",
    )
    .bind(emit.now)
    .bind(reason)
    .bind(chat.id.0.to_string())
    .execute(&mut *conn)
    .await?;
    if chat.operator_id != Some(bot.operator_id) || chat.state.is_final() {
        return Ok(());
    }
    trip_breaker(conn, bot.operator_id, emit.now).await?;
    bot_released(conn, chat.id, Some(bot.operator_id), emit.now).await?;
    cancel_pending_keyboards(conn, emit, chat).await?;
    back_to_queue(conn, emit, chat).await?;
    let lang = emit.settings.default_lang.clone();
    system_message(conn, emit, chat, MessageKind::ForOperator, texts::bot_failed(&lang, &bot.operator_name, reason))
        .await?;
    let unavailable = texts::bot_unavailable(&lang);
    if !unavailable.is_empty() {
        system_message(conn, emit, chat, MessageKind::Info, unavailable.to_owned()).await?;
    }
    Ok(())
}

/// Hand-offs that trip the circuit breaker, within this window (bot-api.md §4.3.5).
const BREAKER_HANDOFFS: i64 = 5;
const BREAKER_WINDOW_MICROS: i64 = 60 * 1_000_000;

/// Records a hand-off; the fifth within a minute makes routing skip the bot for a minute.
async fn trip_breaker(conn: &mut Conn, bot: OperatorId, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO bot_failures (operator_id, failed_at) VALUES ($1, $2)")
        .bind(bot.0)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM bot_failures WHERE operator_id = $1 AND failed_at <= $2")
        .bind(bot.0)
        .bind(now - BREAKER_WINDOW_MICROS)
        .execute(&mut *conn)
        .await?;
    let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bot_failures WHERE operator_id = $1")
        .bind(bot.0)
        .fetch_one(&mut *conn)
        .await?;
    if recent >= BREAKER_HANDOFFS {
        sqlx::query("UPDATE bots SET skip_until = $1 WHERE operator_id = $2")
            .bind(now + BREAKER_WINDOW_MICROS)
            .bind(bot.0)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM bot_failures WHERE operator_id = $1").bind(bot.0).execute(&mut *conn).await?;
        tracing::warn!(bot = bot.0, "bot skipped for a minute after repeated failures");
    }
    Ok(())
}

/// A fresh API 2.0 token: 40 random hex characters.
pub(super) fn new_bot_token() -> String {
    let mut t = hex_id();
    t.push_str(&hex_id()[..8]);
    t
}
