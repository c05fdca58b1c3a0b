//! External bots: their settings, events through the outbox, their calls, hand-off on failure.

use crate::capabilities::{Bots, Outbox};
use crate::{BotCall, BotConfig, BotDelivery, BotRecord, Changes, OperatorMessage, Result, StoreError, VisitorCtx};
use async_trait::async_trait;
use beseda_core::ids::{hex_id, ChatId, MessageId, OperatorId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Message, Operator};
use beseda_core::protocol::visitor::{self as proto, DeltaItem};
use beseda_core::state::{ChatState, MessageKind};
use beseda_core::{bot_wire, rules, texts, DomainError};
use serde_json::{json, Value};

use super::channels::CHANNEL_BOT_API;
use super::chats::{choose_department, create_chat, operator_close_chat, NewChat};
use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::{load_current_chat, load_messages, load_operator, load_settings, load_visitor};
use super::messages::{cancel_pending_keyboards, system_message};
use super::operator_actions::{operator_send, operator_send_file};
use super::routing::{assign_to, back_to_queue, cancel_timers, redirect_chat, set_timer, Assignment, TIMER_BOT_REPLY};
use super::rows::{json_col, to_json};
use super::visits::merge_visitor_fields;
use super::{Conn, DbRow, SqlStore};

const BOT_COLS: &str = "b.operator_id, o.name AS operator_name, b.sort_order, b.api_version, b.webhook_url, b.token, \
                        b.reply_timeout_secs, b.flags";

fn bot_from(row: &DbRow) -> Result<BotRecord> {
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
    let row = query(&sql).bind(operator.0).fetch_optional(&mut *conn).await?;
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
    query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ('bot_event', $1, $2, $3, $4)")
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
    let history = query("SELECT last_bot_id, bot_released_at FROM chats WHERE id = $1")
        .bind(chat.id.0)
        .fetch_one(&mut *conn)
        .await?;
    let last_bot: Option<i64> = history.try_get("last_bot_id")?;
    let released_at: Option<i64> = history.try_get("bot_released_at")?;
    query("UPDATE chats SET last_bot_id = $1, bot_close_sent = FALSE, bot_released_at = NULL WHERE id = $2")
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
        let body = bot_wire::returned_to_bot(chat, id, &name, &recent, record.send_channel);
        return enqueue_bot_event(conn, chat.id, bot, body, emit).await;
    }
    if record.api_version == CHANNEL_BOT_API {
        let page: Option<String> = query_scalar("SELECT page_url FROM visit_sessions WHERE id = $1")
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
        let visitor = bot_wire::visitor(&visitor, &emit.settings.default_lang);
        bot_wire::new_chat(chat, visitor, &messages, record.send_channel)
    };
    enqueue_bot_event(conn, chat.id, bot, body, emit).await
}

/// The bot that held the chat lets go of it (another operator, the queue, a hand-off).
pub(super) async fn bot_released(conn: &mut Conn, chat: ChatId, previous: Option<OperatorId>, now: i64) -> Result<()> {
    let Some(previous) = previous else { return Ok(()) };
    query("UPDATE chats SET bot_released_at = $1 WHERE id = $2 AND last_bot_id = $3 AND bot_released_at IS NULL")
        .bind(now)
        .bind(chat.0)
        .bind(previous.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A bot's note for operators (§7.6): the bot holds the chat or was its last bot.
async fn bot_note(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &Chat,
    bot: &Operator,
    text: &str,
    visitor_fields: Option<&Value>,
) -> Result<()> {
    let last: Option<i64> =
        query_scalar("SELECT last_bot_id FROM chats WHERE id = $1").bind(chat.id.0).fetch_one(&mut *conn).await?;
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
            emit.item(DeltaItem::visitor_full(chat.visit_session_id.as_str(), proto::Visitor::new(&v)));
        }
    }
    let mut note = system_message(conn, emit, chat, MessageKind::ForOperator, text.to_owned()).await?;
    // Operators see who wrote it.
    note.author_id = Some(bot.id);
    note.name = bot.name.clone();
    query("UPDATE messages SET author_id = $1, name = $2 WHERE id = $3")
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
    let row = query("SELECT last_bot_id, bot_close_sent FROM chats WHERE id = $1")
        .bind(chat.id.0)
        .fetch_one(&mut *conn)
        .await?;
    let (Some(bot), false) = (row.try_get::<Option<i64>, _>("last_bot_id")?, row.try_get::<bool, _>("bot_close_sent")?)
    else {
        return Ok(());
    };
    query("UPDATE chats SET bot_close_sent = TRUE WHERE id = $1").bind(chat.id.0).execute(&mut *conn).await?;
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
    query(
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
    // To the operators in the main language; to the visitor in the chat's.
    let lang = emit.settings.default_lang.clone();
    system_message(conn, emit, chat, MessageKind::ForOperator, texts::bot_failed(&lang, &bot.operator_name, reason))
        .await?;
    let unavailable = texts::bot_unavailable(chat.text_language(&emit.settings));
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
    query("INSERT INTO bot_failures (operator_id, failed_at) VALUES ($1, $2)")
        .bind(bot.0)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    query("DELETE FROM bot_failures WHERE operator_id = $1 AND failed_at <= $2")
        .bind(bot.0)
        .bind(now - BREAKER_WINDOW_MICROS)
        .execute(&mut *conn)
        .await?;
    let recent: i64 = query_scalar("SELECT COUNT(*) FROM bot_failures WHERE operator_id = $1")
        .bind(bot.0)
        .fetch_one(&mut *conn)
        .await?;
    if recent >= BREAKER_HANDOFFS {
        query("UPDATE bots SET skip_until = $1 WHERE operator_id = $2")
            .bind(now + BREAKER_WINDOW_MICROS)
            .bind(bot.0)
            .execute(&mut *conn)
            .await?;
        query("DELETE FROM bot_failures WHERE operator_id = $1").bind(bot.0).execute(&mut *conn).await?;
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

#[async_trait]
impl Bots for SqlStore {
    async fn save_bot(&self, config: &BotConfig) -> Result<BotRecord> {
        let mut tx = self.begin().await?;
        if load_operator(&mut tx, config.operator_id).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let existing = load_bot(&mut tx, config.operator_id).await?;
        let token = match &existing {
            Some(b) if !config.rotate_token && !b.token.is_empty() => b.token.clone(),
            _ => new_bot_token(),
        };
        query(
            "INSERT INTO bots (operator_id, sort_order, created_at, api_version, webhook_url, token, reply_timeout_secs, flags) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (operator_id) DO UPDATE SET sort_order = excluded.sort_order, \
             api_version = excluded.api_version, webhook_url = excluded.webhook_url, token = excluded.token, \
             reply_timeout_secs = excluded.reply_timeout_secs, flags = excluded.flags",
        )
        .bind(config.operator_id.0)
        .bind(config.sort_order)
        .bind(self.clock.now())
        .bind(config.api_version)
        .bind(&config.webhook_url)
        .bind(&token)
        .bind(config.reply_timeout_secs)
        .bind(to_json(&json!({
            "send_channel": config.send_channel,
            "send_chat_closed": config.send_chat_closed,
            "send_chat_returned_to_bot": config.send_chat_returned_to_bot,
        }))?)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        let bot = load_bot(&mut tx, config.operator_id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(bot)
    }

    async fn bot_by_token(&self, token: &str) -> Result<Option<BotRecord>> {
        let sql = format!("SELECT {BOT_COLS} FROM bots b JOIN operators o ON o.id = b.operator_id WHERE b.token = $1");
        let row = query(&sql).bind(token).fetch_optional(&self.reader).await?;
        row.as_ref().map(bot_from).transpose()
    }

    async fn bots(&self) -> Result<Vec<BotRecord>> {
        let sql =
            format!("SELECT {BOT_COLS} FROM bots b JOIN operators o ON o.id = b.operator_id ORDER BY b.operator_id");
        let rows = query(&sql).fetch_all(&self.reader).await?;
        rows.iter().map(bot_from).collect()
    }

    async fn bot_call(&self, bot: OperatorId, chat: ChatId, call: &BotCall) -> Result<(Option<MessageId>, Changes)> {
        let call = call.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let changes = self
            .chat_change(bot, chat, move |conn, emit, operator, mut chat| {
                Box::pin(async move {
                    if let BotCall::Note { text, visitor_fields } = &call {
                        return bot_note(conn, emit, &chat, &operator, text, visitor_fields.as_ref()).await;
                    }
                    if chat.state.is_final() || chat.state == ChatState::ClosedByOperator {
                        return Err(DomainError::ChatClosed.into());
                    }
                    if chat.operator_id != Some(operator.id) {
                        return Err(DomainError::NotHeldByBot.into());
                    }
                    // The bot acted: its reply deadline is met.
                    cancel_timers(conn, chat.id, &[TIMER_BOT_REPLY]).await?;
                    match &call {
                        BotCall::Send(msg) => {
                            let id = operator_send(conn, emit, &operator, &mut chat, msg).await?;
                            *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(id);
                            Ok(())
                        }
                        BotCall::Redirect(to) => {
                            cancel_pending_keyboards(conn, emit, &chat).await?;
                            redirect_chat(conn, emit, &mut chat, &operator, to).await
                        }
                        BotCall::Close => operator_close_chat(conn, emit, &operator, &mut chat).await,
                        BotCall::Note { .. } => Ok(()),
                        BotCall::SendFile(file) => {
                            let id = operator_send_file(conn, emit, &operator, &mut chat, file).await?;
                            *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(id);
                            Ok(())
                        }
                    }
                })
            })
            .await?;
        let id = out.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.take();
        Ok((id, changes))
    }

    async fn bot_send_to_session(
        &self,
        bot: OperatorId,
        session: &VisitSessionId,
        msg: &OperatorMessage,
        timeout_hours: Option<i64>,
    ) -> Result<(ChatId, Changes)> {
        let mut tx = self.begin().await?;
        let row = query("SELECT visitor_id, location FROM visit_sessions WHERE id = $1")
            .bind(session.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(DomainError::SessionNotFound)?;
        let v = VisitorCtx {
            visitor_id: VisitorId::from_stored(row.try_get("visitor_id")?),
            visit_session_id: session.clone(),
            location: row.try_get("location")?,
        };
        let settings = load_settings(&mut tx).await?;
        let operator = load_operator(&mut tx, bot).await?.ok_or(StoreError::NotFound)?;
        let mut emit = Emit::new(&v.visitor_id, settings.clone(), self.clock.now());
        // The bot started this chat itself: it gets no new_chat for it.
        emit.quiet_bot = Some(bot);
        let mut chat = match load_current_chat(&mut tx, &v.visitor_id, &v.location, true, emit.now).await? {
            Some(c) if c.operator_id.is_some_and(|o| o != bot) => return Err(DomainError::NotHeldByBot.into()),
            Some(c) => c,
            None => {
                let department = choose_department(&mut tx, &v, &settings, None).await?.unwrap_or(None);
                create_chat(
                    &mut tx,
                    &mut emit,
                    &v,
                    &settings,
                    NewChat { department, force_online: true, ..NewChat::default() },
                )
                .await?
            }
        };
        if chat.operator_id.is_none() {
            let text = texts::operator_joined(chat.text_language(&settings), &operator.name);
            assign_to(&mut tx, &mut emit, &mut chat, &operator, Assignment::Bot, text).await?;
        }
        if let Some(hours) = timeout_hours {
            query("UPDATE chats SET conversation_timeout_hours = $1 WHERE id = $2")
                .bind(hours)
                .bind(chat.id.0)
                .execute(&mut *tx)
                .await?;
            // The message below is activity: its inactivity deadline follows this timeout.
            chat.conversation_timeout_hours = Some(hours);
        }
        operator_send(&mut tx, &mut emit, &operator, &mut chat, msg).await?;
        let changes = emit.finish(&mut tx).await?;
        match changes.operator_logged {
            true => self.commit_logged(tx).await?,
            false => tx.commit().await?,
        }
        Ok((chat.id, changes))
    }

    async fn claim_bot_events(&self, limit: i64, lease_micros: i64) -> Result<Vec<BotDelivery>> {
        let mut claimed = Vec::new();
        for c in self.claim_outbox("bot_event", limit, lease_micros).await? {
            let bot_id = OperatorId(c.payload["bot"].as_i64().ok_or_else(|| StoreError::Corrupt("bot event".into()))?);
            let Some(bot) = load_bot(&mut *self.read().await?, bot_id).await? else {
                self.bot_event_delivered(c.id).await?;
                continue;
            };
            claimed.push(BotDelivery {
                outbox_id: c.id,
                chat_id: ChatId(c.subject.parse().map_err(|_| StoreError::Corrupt("bot event subject".into()))?),
                bot,
                body: c.payload["body"].clone(),
                attempts: c.attempts,
                notify_only: c.payload["notify_only"].as_bool().unwrap_or(false),
            });
        }
        Ok(claimed)
    }

    async fn bot_event_delivered(&self, outbox_id: i64) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        query("UPDATE outbox SET done_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(now)
            .bind(outbox_id)
            .execute(&mut *tx)
            .await?;
        // Reply timeout (bot-api.md §4.4): the bot must act within N seconds of a delivered event.
        let row =
            query("SELECT subject, payload FROM outbox WHERE id = $1").bind(outbox_id).fetch_one(&mut *tx).await?;
        let payload: Value = json_col(&row, "payload")?;
        let subject: String = row.try_get("subject")?;
        if let (Some(bot), Ok(chat)) = (payload["bot"].as_i64(), subject.parse::<i64>()) {
            if let Some(b) = load_bot(&mut tx, OperatorId(bot)).await?.filter(|b| b.reply_timeout_secs > 0) {
                set_timer(&mut tx, TIMER_BOT_REPLY, ChatId(chat), now + b.reply_timeout_secs * 1_000_000, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn bot_event_failed(&self, outbox_id: i64, reason: &str) -> Result<Changes> {
        let row = query("SELECT subject, payload FROM outbox WHERE id = $1")
            .bind(outbox_id)
            .fetch_optional(&self.reader)
            .await?
            .ok_or(StoreError::NotFound)?;
        let payload: Value = json_col(&row, "payload")?;
        let bot_id = OperatorId(payload["bot"].as_i64().ok_or_else(|| StoreError::Corrupt("bot event".into()))?);
        let subject: String = row.try_get("subject")?;
        let chat_id = ChatId(subject.parse().map_err(|_| StoreError::Corrupt("bot event subject".into()))?);
        let reason = reason.to_owned();
        self.chat_change(bot_id, chat_id, move |conn, emit, _operator, mut chat| {
            Box::pin(async move {
                let bot = load_bot(conn, bot_id).await?.ok_or(StoreError::NotFound)?;
                hand_off(conn, emit, &mut chat, &bot, &reason).await
            })
        })
        .await
    }
}
