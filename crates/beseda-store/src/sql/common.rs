//! What most changes share: row mapping, the loaders of operators, chats, messages and
//! visitors, the emitter of visit-session and operator events, message and chat writes, and
//! the `Store` implementation that the topic modules beside this one serve.

use crate::{
    AuditEntry, AuditQuery, BotCall, BotConfig, BotDelivery, BotRecord, Changes, ChannelConfig, ChannelRecord,
    ChatDetail, ChatFact, ChatList, ChatSummary, ChatView, CommitStats, DayReport, DeltaRead, ExportJob, FileRecord,
    HistoryFilter, HistoryPage, HistoryQuery, InitOutcome, InitVisit, NewAuditEntry, NewBlock, NewFile, NewOperator,
    NewPushSubscription, NewToken, NewWebhook, OperatorCard, OperatorEvent, OperatorMessage, OutboxClaim, OutboxRecord,
    OutcomeCounts, PageAuth, PageVisit, PoolStats, PushSubscription, RateOperator, Redirect, Result, SessionField,
    Snapshot, StartChat, Store, StoreError, Template, TemplateOwner, TokenRecord, TwoFactor, VapidKey, VisitorContext,
    VisitorCtx, VisitorMessage, VisitorMessageKind, WebhookDelivery, WebhookOutcome,
};
use async_trait::async_trait;
use beseda_core::ids::{hex_id, ChatId, FileGuid, MessageId, OperatorId, PageId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Department, Message, Operator, Placement, Rating, VisitSession, Visitor};
use beseda_core::provided_visitor::ProvidedVisitor;
use beseda_core::rules::VisitorMessageEffect;
use beseda_core::settings::OrgSettings;
use beseda_core::state::{ChatState, MessageKind, OperatorRole, OperatorStatus, VisitSessionState};
use beseda_core::visibility::ChatScope;
use beseda_core::wire::{DeltaItem, MessagePolicy};
use beseda_core::{bot_wire, operator_wire, routing as route, rules, texts, wire, DomainError};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeMap;

use super::bots::{
    bot_chat_closed, bot_from, bot_new_message, bot_note, hand_off, load_bot, new_bot_token, Closer, BOT_COLS,
};
use super::channels::{
    channel_chat_closed, channel_from, channel_new_message, channel_visitor, load_channel, CHANNEL_BOT_API,
    CHANNEL_COLS,
};
use super::context::record_page;
use super::export::load_chat_detail;
use super::lists::{chat_summary, summaries_from, summarize_touched, summary_event, summary_select};
use super::mail::{emit_job, queue_job};
use super::push::queue_pushes;
use super::routing::{
    after_operator_message, after_visitor_message, assign_to, auto_assign, bot_for_new_chat, cancel_timers,
    classify_unanswered, domain_event, finish_chat, fire_timer, humans_online, is_bot, redirect_chat, route_new_chat,
    secs, set_timer, touch_activity, Assignment, TIMER_BOT_REPLY, TIMER_FIRST_ANSWER, TIMER_OPERATOR_CLOSED,
    TIMER_REASSIGN, TIMER_RESPONSE,
};
use super::visibility::{bot_operator_ids, may_act_on, stamp_scopes};
use super::visitors::{accept_invitation, blocked, mark_present, site_visitor_event};
use super::{Conn, Db, DbRow, SqlStore, BACKEND, BEGIN_WRITE, MIGRATIONS, VISITOR_LOCK};

/// Visit sessions idle longer than this get no new log items.
const LIVE_SESSION_MICROS: i64 = 24 * 3600 * 1_000_000;
/// Messages of a chat a visitor is shown.
const CHAT_MESSAGE_LIMIT: i64 = 1000;
const HISTORY_PAGE: i64 = 100;

const OPERATOR_COLS: &str =
    "id, email, name, role, status, languages, max_chats, avatar, title, locale_names, created_at, \
     must_change_password, deactivated_at";
pub(super) const CHAT_COLS: &str = "id, client_side_id, visitor_id, visit_session_id, location, department_key, operator_id, state, offline, unread_by_operator_since, unread_by_visitor_since, unread_by_visitor_count, read_by_visitor, operator_typing, category, subcategory, subject, created_at, modified_at, language, priority, assigned_at, first_visitor_message_at, first_answer_at, busy_messages, response_busy_sent, outcome, operator_closed_at, conversation_timeout_hours, channel_key";
pub(super) const MESSAGE_COLS: &str = "id, chat_id, client_side_id, session_id, kind, text, data, author_id, name, avatar, created_at, modified_at, is_read, edited, deleted, reaction, quote";
pub(super) const VISITOR_COLS: &str =
    "id, fields, icon_color, icon_shape, provided_id, banned, history_revision, created_at, modified_at, number";
pub(super) const PLACEMENT_COLS: &str =
    "key, title, lang, department_keys, default_department, hello_message, conversation_timeout_hours";
const FILE_COLS: &str =
    "guid, visitor_id, chat_id, message_id, filename, content_type, client_content_type, size, width, height, content";

// ---------------------------------------------------------------------------------------------
// Row mapping

pub(super) fn json_col<T: serde::de::DeserializeOwned>(row: &DbRow, col: &str) -> Result<T> {
    let text: String = row.try_get(col)?;
    Ok(serde_json::from_str(&text)?)
}

fn opt_json_col(row: &DbRow, col: &str) -> Result<Option<Value>> {
    let text: Option<String> = row.try_get(col)?;
    Ok(match text {
        Some(t) => Some(serde_json::from_str(&t)?),
        None => None,
    })
}

pub(super) fn parse_col<T>(row: &DbRow, col: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let text: String = row.try_get(col)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{col} = {text}")))
}

fn operator_from(row: &DbRow, department_keys: Vec<String>) -> Result<Operator> {
    Ok(Operator {
        id: OperatorId(row.try_get("id")?),
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: parse_col(row, "role", OperatorRole::parse)?,
        status: parse_col(row, "status", OperatorStatus::parse)?,
        languages: json_col(row, "languages")?,
        max_chats: row.try_get("max_chats")?,
        avatar: row.try_get("avatar")?,
        title: row.try_get("title")?,
        department_keys,
        locale_names: json_col(row, "locale_names")?,
        created_at: row.try_get("created_at")?,
        must_change_password: row.try_get("must_change_password")?,
        active: row.try_get::<Option<i64>, _>("deactivated_at")?.is_none(),
    })
}

pub(super) fn chat_from(row: &DbRow) -> Result<Chat> {
    Ok(Chat {
        id: ChatId(row.try_get("id")?),
        client_side_id: row.try_get("client_side_id")?,
        visitor_id: VisitorId::from_stored(row.try_get("visitor_id")?),
        visit_session_id: VisitSessionId::from_stored(row.try_get("visit_session_id")?),
        location: row.try_get("location")?,
        department_key: row.try_get("department_key")?,
        operator_id: row.try_get::<Option<i64>, _>("operator_id")?.map(OperatorId),
        state: parse_col(row, "state", ChatState::parse)?,
        offline: row.try_get("offline")?,
        created_at: row.try_get("created_at")?,
        modified_at: row.try_get("modified_at")?,
        unread_by_operator_since: row.try_get("unread_by_operator_since")?,
        unread_by_visitor_since: row.try_get("unread_by_visitor_since")?,
        unread_by_visitor_count: row.try_get("unread_by_visitor_count")?,
        read_by_visitor: row.try_get("read_by_visitor")?,
        operator_typing: row.try_get("operator_typing")?,
        category: row.try_get("category")?,
        subcategory: row.try_get("subcategory")?,
        subject: row.try_get("subject")?,
        language: row.try_get("language")?,
        priority: row.try_get("priority")?,
        assigned_at: row.try_get("assigned_at")?,
        first_visitor_message_at: row.try_get("first_visitor_message_at")?,
        first_answer_at: row.try_get("first_answer_at")?,
        busy_messages: row.try_get("busy_messages")?,
        response_busy_sent: row.try_get("response_busy_sent")?,
        outcome: row.try_get("outcome")?,
        operator_closed_at: row.try_get("operator_closed_at")?,
        conversation_timeout_hours: row.try_get("conversation_timeout_hours")?,
        channel_key: row.try_get("channel_key")?,
    })
}

pub(super) fn message_from(row: &DbRow) -> Result<Message> {
    Ok(Message {
        id: MessageId::from_stored(row.try_get("id")?),
        chat_id: ChatId(row.try_get("chat_id")?),
        client_side_id: row.try_get("client_side_id")?,
        session_id: row.try_get("session_id")?,
        kind: parse_col(row, "kind", MessageKind::parse)?,
        text: row.try_get("text")?,
        data: opt_json_col(row, "data")?,
        author_id: row.try_get::<Option<i64>, _>("author_id")?.map(OperatorId),
        name: row.try_get("name")?,
        avatar: row.try_get("avatar")?,
        created_at: row.try_get("created_at")?,
        modified_at: row.try_get("modified_at")?,
        read: row.try_get("is_read")?,
        edited: row.try_get("edited")?,
        deleted: row.try_get("deleted")?,
        reaction: row.try_get("reaction")?,
        quote: opt_json_col(row, "quote")?,
    })
}

pub(super) fn visitor_from(row: &DbRow) -> Result<Visitor> {
    Ok(Visitor {
        id: VisitorId::from_stored(row.try_get("id")?),
        fields: json_col(row, "fields")?,
        icon_color: row.try_get("icon_color")?,
        icon_shape: row.try_get("icon_shape")?,
        provided_id: row.try_get("provided_id")?,
        banned: row.try_get("banned")?,
        history_revision: row.try_get("history_revision")?,
        created_at: row.try_get("created_at")?,
        modified_at: row.try_get("modified_at")?,
        number: row.try_get("number")?,
    })
}

pub(super) fn placement_from(row: &DbRow) -> Result<Placement> {
    Ok(Placement {
        key: row.try_get("key")?,
        title: row.try_get("title")?,
        lang: row.try_get("lang")?,
        department_keys: json_col(row, "department_keys")?,
        default_department: row.try_get("default_department")?,
        hello_message: row.try_get("hello_message")?,
        conversation_timeout_hours: row.try_get("conversation_timeout_hours")?,
    })
}

fn department_from(row: &DbRow) -> Result<Department> {
    Ok(Department {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        locale_names: json_col(row, "locale_names")?,
        order: row.try_get("sort_order")?,
        logo: row.try_get("logo")?,
    })
}

fn file_from(row: &DbRow) -> Result<FileRecord> {
    Ok(FileRecord {
        guid: FileGuid::from_stored(row.try_get("guid")?),
        visitor_id: VisitorId::from_stored(row.try_get("visitor_id")?),
        chat_id: row.try_get::<Option<i64>, _>("chat_id")?.map(ChatId),
        message_id: row.try_get::<Option<String>, _>("message_id")?.map(MessageId::from_stored),
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        client_content_type: row.try_get("client_content_type")?,
        size: row.try_get("size")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        content: row.try_get("content")?,
    })
}

pub(super) fn to_json(v: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string(v)?)
}

// ---------------------------------------------------------------------------------------------
// Reads used inside and outside transactions

pub(super) async fn load_settings(conn: &mut Conn) -> Result<OrgSettings> {
    let row = sqlx::query("SELECT value FROM settings WHERE key = 'organisation'").fetch_optional(&mut *conn).await?;
    match row {
        Some(row) => json_col(&row, "value"),
        None => Ok(OrgSettings::default()),
    }
}

pub(super) async fn load_operator(conn: &mut Conn, id: OperatorId) -> Result<Option<Operator>> {
    let sql = format!("SELECT {OPERATOR_COLS} FROM operators WHERE id = $1");
    let Some(row) = sqlx::query(&sql).bind(id.0).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let keys = operator_department_keys(conn, id).await?;
    Ok(Some(operator_from(&row, keys)?))
}

pub(super) async fn operator_department_keys(conn: &mut Conn, id: OperatorId) -> Result<Vec<String>> {
    let rows =
        sqlx::query("SELECT department_key FROM operator_departments WHERE operator_id = $1 ORDER BY department_key")
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(|r| Ok(r.try_get("department_key")?)).collect()
}

pub(super) async fn load_operators(conn: &mut Conn, only_online: bool) -> Result<Vec<Operator>> {
    // Deleted accounts stay only for the history that names them.
    let filter =
        if only_online { "WHERE status = 'online' AND deleted_at IS NULL" } else { "WHERE deleted_at IS NULL" };
    let sql = format!("SELECT {OPERATOR_COLS} FROM operators {filter} ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    let links = sqlx::query("SELECT operator_id, department_key FROM operator_departments ORDER BY department_key")
        .fetch_all(&mut *conn)
        .await?;
    let mut by_op: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for l in &links {
        by_op.entry(l.try_get("operator_id")?).or_default().push(l.try_get("department_key")?);
    }
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            operator_from(r, by_op.remove(&id).unwrap_or_default())
        })
        .collect()
}

pub(super) async fn load_visitor(conn: &mut Conn, id: &VisitorId) -> Result<Option<Visitor>> {
    let sql = format!("SELECT {VISITOR_COLS} FROM visitors WHERE id = $1");
    let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(&mut *conn).await?;
    row.as_ref().map(visitor_from).transpose()
}

pub(super) async fn load_placement(conn: &mut Conn, key: &str) -> Result<Option<Placement>> {
    let sql = format!("SELECT {PLACEMENT_COLS} FROM placements WHERE key = $1");
    let row = sqlx::query(&sql).bind(key).fetch_optional(&mut *conn).await?;
    row.as_ref().map(placement_from).transpose()
}

pub(super) async fn load_departments(conn: &mut Conn) -> Result<Vec<Department>> {
    let rows =
        sqlx::query("SELECT id, key, name, locale_names, sort_order, logo FROM departments ORDER BY sort_order, key")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(department_from).collect()
}

/// Departments offered at a placement (all when it names none), ascending order.
async fn offered_departments(conn: &mut Conn, placement: &Placement) -> Result<Vec<Department>> {
    let all = load_departments(conn).await?;
    if placement.department_keys.is_empty() {
        return Ok(all);
    }
    Ok(all.into_iter().filter(|d| placement.department_keys.contains(&d.key)).collect())
}

/// Adds the backend's "lock unless someone else holds it" clause.
pub(super) fn locked_skip(sql: String) -> String {
    sql + for_update_skip_locked!()
}

/// Adds the backend's row lock to a query that reads rows a transaction will change.
pub(super) fn locked(sql: String, lock: bool) -> String {
    if lock {
        sql + for_update!()
    } else {
        sql
    }
}

pub(super) async fn load_chat(conn: &mut Conn, id: ChatId, lock: bool) -> Result<Option<Chat>> {
    let sql = locked(format!("SELECT {CHAT_COLS} FROM chats WHERE id = $1"), lock);
    let row = sqlx::query(&sql).bind(id.0).fetch_optional(&mut *conn).await?;
    row.as_ref().map(chat_from).transpose()
}

/// The visitor's current chat: the latest one, unless it is finally closed or older than the
/// placement's conversation timeout.
pub(super) async fn load_current_chat(
    conn: &mut Conn,
    visitor: &VisitorId,
    location: &str,
    lock: bool,
    now: i64,
) -> Result<Option<Chat>> {
    let sql = locked(format!("SELECT {CHAT_COLS} FROM chats WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1"), lock);
    let Some(row) = sqlx::query(&sql).bind(visitor.as_str()).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let chat = chat_from(&row)?;
    if chat.state.is_final() {
        return Ok(None);
    }
    let timeout_hours = match chat.conversation_timeout_hours {
        Some(h) => h,
        None => load_placement(conn, location).await?.map(|p| p.conversation_timeout_hours).unwrap_or(24),
    };
    if chat.modified_at < now - timeout_hours * 3600 * 1_000_000 {
        return Ok(None);
    }
    Ok(Some(chat))
}

pub(super) async fn load_messages(conn: &mut Conn, chat: ChatId) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLS} FROM (SELECT {MESSAGE_COLS} FROM messages WHERE chat_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2) AS recent ORDER BY created_at, id"
    );
    let rows = sqlx::query(&sql).bind(chat.0).bind(CHAT_MESSAGE_LIMIT).fetch_all(&mut *conn).await?;
    rows.iter().map(message_from).collect()
}

async fn load_message(conn: &mut Conn, id: &str) -> Result<Option<Message>> {
    let sql = format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(message_from).transpose()
}

/// A message of this visitor found by its client-side id (any of the visitor's chats).
async fn visitor_message_by_csid(conn: &mut Conn, visitor: &VisitorId, csid: &str) -> Result<Option<Message>> {
    let sql = format!(
        "SELECT {} FROM messages m JOIN chats c ON c.id = m.chat_id \
         WHERE m.client_side_id = $1 AND c.visitor_id = $2 ORDER BY m.created_at DESC LIMIT 1",
        prefixed("m", MESSAGE_COLS)
    );
    let row = sqlx::query(&sql).bind(csid).bind(visitor.as_str()).fetch_optional(&mut *conn).await?;
    row.as_ref().map(message_from).transpose()
}

pub(super) fn prefixed(alias: &str, cols: &str) -> String {
    cols.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

async fn load_ratings(conn: &mut Conn, chat: ChatId) -> Result<Vec<Rating>> {
    let rows = sqlx::query(
        "SELECT operator_id, rating, note, created_at FROM ratings WHERE chat_id = $1 ORDER BY created_at, operator_id",
    )
    .bind(chat.0)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Rating {
                operator_id: OperatorId(r.try_get("operator_id")?),
                rating: r.try_get("rating")?,
                note: r.try_get("note")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub(super) async fn load_chat_view(conn: &mut Conn, chat: Chat) -> Result<ChatView> {
    let messages = load_messages(conn, chat.id).await?;
    let operator = match chat.operator_id {
        Some(id) => load_operator(conn, id).await?,
        None => None,
    };
    let ratings = load_ratings(conn, chat.id).await?;
    Ok(ChatView { chat, messages, operator, ratings })
}

pub(super) async fn visitor_name(conn: &mut Conn, visitor: &VisitorId, lang: &str) -> Result<String> {
    let v = load_visitor(conn, visitor).await?;
    Ok(v.map(|v| v.display_name())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| texts::visitor_default_name(lang).to_owned()))
}

// ---------------------------------------------------------------------------------------------
// The write side: a change collects log items and operator events, then `finish` appends them.

/// What one transaction will append.
pub(super) struct Emit {
    pub(super) visitor: VisitorId,
    pub(super) items: Vec<DeltaItem>,
    pub(super) operator_events: Vec<Value>,
    pub(super) now: i64,
    /// The organisation settings, read once per transaction.
    pub(super) settings: OrgSettings,
    /// The scheduler should look again (see [`Changes::wake_scheduler`]).
    pub(super) wake: bool,
    /// Who is acting, when an operator is (named in bot notifications).
    pub(super) actor: Option<(OperatorId, String)>,
    /// A bot that started this chat itself and gets no `new_chat` for it.
    pub(super) quiet_bot: Option<OperatorId>,
    /// System notices written now are not sent to bots (a bot's own "joined" notice).
    pub(super) mute_bot_notices: bool,
    /// Chats whose conversation changed since their last `chat_updated` here (see
    /// `summarize_touched`).
    pub(super) touched: Vec<(i64, Option<Message>)>,
    /// Web Push news not in the operator log (`beseda_core::push`), stamped and queued with it.
    pub(super) push_hints: Vec<Value>,
    /// The outbox workers this transaction queued work for (see [`Changes::queued`]); atomic
    /// because the helpers that queue it mostly see the change as `&Emit`.
    queued: std::sync::atomic::AtomicU8,
}

impl Emit {
    pub(super) fn new(visitor: &VisitorId, settings: OrgSettings, now: i64) -> Self {
        Self {
            visitor: visitor.clone(),
            items: Vec::new(),
            operator_events: Vec::new(),
            now,
            settings,
            wake: false,
            actor: None,
            quiet_bot: None,
            mute_bot_notices: false,
            push_hints: Vec::new(),
            touched: Vec::new(),
            queued: std::sync::atomic::AtomicU8::new(0),
        }
    }

    /// Notes outbox rows of `kind` written in this transaction: their worker is woken when the
    /// change is published.
    pub(super) fn queued(&self, kind: crate::Queued) {
        self.queued.fetch_or(kind.bits(), std::sync::atomic::Ordering::Relaxed);
    }

    pub(super) fn item(&mut self, item: DeltaItem) {
        self.items.push(item);
    }

    pub(super) fn op(&mut self, event: Value) {
        self.operator_events.push(event);
    }

    /// Appends the items to every live visit session of the visitor and the events to the
    /// operator log. Runs inside the transaction of the change, in as few statements as it can:
    /// one to advance the sessions, one per [`INSERT_CHUNK`] log rows, two for the operator log.
    async fn finish(mut self, conn: &mut Conn) -> Result<Changes> {
        summarize_touched(conn, &mut self).await?;
        let mut changes = Changes {
            wake_scheduler: self.wake,
            queued: crate::Queued::from_bits(*self.queued.get_mut()),
            ..Changes::default()
        };
        if !self.items.is_empty() {
            let n = self.items.len() as i64;
            let rows = sqlx::query(
                "UPDATE visit_sessions SET revision = revision + $1 WHERE visitor_id = $2 AND last_seen_at > $3 \
                 RETURNING id, revision",
            )
            .bind(n)
            .bind(self.visitor.as_str())
            .bind(self.now - LIVE_SESSION_MICROS)
            .fetch_all(&mut *conn)
            .await?;
            let mut sessions = rows
                .iter()
                .map(|row| Ok((row.try_get::<String, _>("id")?, row.try_get::<i64, _>("revision")?)))
                .collect::<Result<Vec<_>>>()?;
            sessions.sort();
            let mut log = Vec::with_capacity(sessions.len() * self.items.len());
            for (session, revision) in &sessions {
                for (i, item) in self.items.iter().enumerate() {
                    // Message items are named by the message; every other item by the receiving session.
                    let encoded = if item.object_type == "CHAT_MESSAGE" || item.object_type == "MESSAGE_READ" {
                        to_json(item)?
                    } else {
                        to_json(&DeltaItem { id: session.clone(), ..item.clone() })?
                    };
                    log.push((session.as_str(), revision - n + 1 + i as i64, encoded));
                }
            }
            for chunk in log.chunks(INSERT_CHUNK) {
                let sql = values_sql(
                    "INSERT INTO session_events (visit_session_id, revision, created_at, item)",
                    4,
                    chunk.len(),
                );
                let mut query = sqlx::query(&sql);
                for (session, revision, item) in chunk {
                    query = query.bind(*session).bind(*revision).bind(self.now).bind(item);
                }
                query.execute(&mut *conn).await?;
            }
            changes.sessions =
                sessions.into_iter().map(|(id, revision)| (VisitSessionId::from_stored(id), revision)).collect();
        }
        if !self.operator_events.is_empty() {
            let (seq, pushed) = append_operator_events_pushing(conn, &self.operator_events, self.now).await?;
            changes.operator_seq = Some(seq);
            if pushed {
                changes.queued = changes.queued.with(crate::Queued::PUSH);
            }
        }
        if !self.push_hints.is_empty() {
            let mut hints = self.push_hints;
            stamp_scopes(conn, &mut hints).await?;
            if queue_pushes(conn, &hints, self.now).await? {
                changes.queued = changes.queued.with(crate::Queued::PUSH);
            }
        }
        Ok(changes)
    }
}

/// Rows per multi-row INSERT (far below either database's limit on bound parameters).
pub(super) const INSERT_CHUNK: usize = 200;

/// `head VALUES ($1, …, $cols), (…), …` for `rows` rows.
fn values_sql(head: &str, cols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + 8 + rows * cols * 5);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(r * cols + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

pub(super) async fn append_operator_event(conn: &mut Conn, event: &Value, now: i64) -> Result<i64> {
    append_operator_events(conn, std::slice::from_ref(event), now).await
}

/// Appends events to the operator log with consecutive sequence numbers, chat events stamped
/// with their chat's scope (who may see them); returns the last.
pub(super) async fn append_operator_events(conn: &mut Conn, events: &[Value], now: i64) -> Result<i64> {
    // Pushes come from chat events, which changes log through `Emit` (it tells whether some
    // were queued); the events logged here bring none in practice, and any would still go out
    // at the push worker's next poll.
    Ok(append_operator_events_pushing(conn, events, now).await?.0)
}

/// [`append_operator_events`], also saying whether Web Push notifications were queued.
async fn append_operator_events_pushing(conn: &mut Conn, events: &[Value], now: i64) -> Result<(i64, bool)> {
    let mut events = events.to_vec();
    stamp_scopes(conn, &mut events).await?;
    let pushed = queue_pushes(conn, &events, now).await?;
    let last: i64 =
        sqlx::query_scalar("UPDATE counters SET value = value + $1 WHERE name = 'operator_events' RETURNING value")
            .bind(events.len() as i64)
            .fetch_one(&mut *conn)
            .await?;
    let first = last - events.len() as i64 + 1;
    let rows = (first..)
        .zip(events)
        .map(|(seq, mut event)| {
            if let Value::Object(map) = &mut event {
                map.insert("seq".into(), json!(seq));
            }
            Ok((seq, to_json(&event)?))
        })
        .collect::<Result<Vec<_>>>()?;
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = values_sql("INSERT INTO operator_events (seq, operator_id, created_at, event)", 4, chunk.len());
        let mut query = sqlx::query(&sql);
        for (seq, event) in chunk {
            query = query.bind(*seq).bind(None::<i64>).bind(now).bind(event);
        }
        query.execute(&mut *conn).await?;
    }
    Ok((last, pushed))
}

/// The next history revision of a visitor: the time in µs, forced strictly increasing, in one
/// statement so concurrent writers never hand out a smaller value.
async fn next_history_revision(conn: &mut Conn, visitor: &VisitorId, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE visitors SET history_revision = CASE WHEN history_revision + 1 > $1 THEN history_revision + 1 \
         ELSE $1 END WHERE id = $2 RETURNING history_revision",
    )
    .bind(now)
    .bind(visitor.as_str())
    .fetch_one(&mut *conn)
    .await?)
}

/// A new message row, ready to insert.
pub(super) struct NewMessage<'a> {
    pub(super) chat: &'a Chat,
    pub(super) client_side_id: String,
    pub(super) kind: MessageKind,
    pub(super) text: String,
    pub(super) data: Option<Value>,
    pub(super) author: Option<&'a Operator>,
    pub(super) name: String,
    pub(super) quote: Option<Value>,
}

pub(super) async fn insert_message(conn: &mut Conn, emit: &mut Emit, m: NewMessage<'_>) -> Result<Message> {
    // Strictly increasing within a chat, so ordering by time is total even within one µs.
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(created_at) FROM messages WHERE chat_id = $1")
        .bind(m.chat.id.0)
        .fetch_one(&mut *conn)
        .await?;
    let now = last.map_or(emit.now, |l| emit.now.max(l + 1));
    let history_revision = next_history_revision(conn, &m.chat.visitor_id, now).await?;
    let message = Message {
        id: MessageId::random(),
        chat_id: m.chat.id,
        client_side_id: m.client_side_id,
        session_id: m.chat.visit_session_id.to_string(),
        kind: m.kind,
        text: m.text,
        data: m.data,
        author_id: m.author.map(|a| a.id),
        name: m.name,
        avatar: m.author.and_then(|a| a.avatar.clone()),
        created_at: now,
        modified_at: now,
        read: false,
        edited: false,
        deleted: false,
        reaction: None,
        quote: m.quote,
    };
    sqlx::query(
        "INSERT INTO messages (id, chat_id, client_side_id, session_id, kind, text, data, author_id, name, avatar, \
         created_at, modified_at, history_revision, quote) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(message.id.as_str())
    .bind(message.chat_id.0)
    .bind(&message.client_side_id)
    .bind(&message.session_id)
    .bind(message.kind.as_str())
    .bind(&message.text)
    .bind(message.data.as_ref().map(to_json).transpose()?)
    .bind(message.author_id.map(|a| a.0))
    .bind(&message.name)
    .bind(&message.avatar)
    .bind(now)
    .bind(now)
    .bind(history_revision)
    .bind(message.quote.as_ref().map(to_json).transpose()?)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from_db)?;
    if message.kind.visible_to_visitor() {
        emit.item(DeltaItem::add(
            "CHAT_MESSAGE",
            message.id.as_str(),
            wire::message(&message, MessagePolicy::from_settings(&emit.settings)),
        ));
        emit.item(DeltaItem::upd("HISTORY_REVISION", emit.visitor.as_str(), json!({"revision": history_revision})));
    }
    emit.op(operator_wire::message_added(&message));
    if message.kind.is_conversation() {
        emit.touched.push((message.chat_id.0, Some(message.clone())));
    }
    // Bots hear the visitor's messages; bot-side channels also get system notices.
    if bot_wire::is_for_bot(message.kind) || (message.kind == MessageKind::Info && !emit.mute_bot_notices) {
        bot_new_message(conn, emit, m.chat, &message).await?;
    }
    if m.chat.channel_key.is_some() {
        channel_new_message(conn, m.chat, &message, m.author, emit).await?;
    }
    Ok(message)
}

/// A new visit session of `visitor` at `req.location`, with revision 1 in its log.
pub(super) async fn create_visit_session(
    conn: &mut Conn,
    visitor_id: &VisitorId,
    req: &InitVisit,
    now: i64,
) -> Result<VisitSessionId> {
    let id = VisitSessionId::random();
    let has_chat = load_current_chat(conn, visitor_id, &req.location, false, now).await?.is_some();
    let state = if has_chat { VisitSessionState::Chat } else { VisitSessionState::Idle };
    sqlx::query(
        "INSERT INTO visit_sessions (id, visitor_id, location, state, revision, device_id, platform, title, \
         app_version, push_token, push_service, created_at, last_seen_at, page_url, user_agent, client_address, referrer) \
         VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(id.as_str())
    .bind(visitor_id.as_str())
    .bind(&req.location)
    .bind(state.as_str())
    .bind(&req.device_id)
    .bind(&req.platform)
    .bind(&req.title)
    .bind(&req.app_version)
    .bind(&req.push_token)
    .bind(&req.push_service)
    .bind(now)
    .bind(now)
    .bind(&req.page_url)
    .bind(&req.user_agent)
    .bind(&req.client_address)
    .bind(&req.referrer)
    .execute(&mut *conn)
    .await?;
    // Revision 1: the session exists. Clients never see revision 0.
    sqlx::query("INSERT INTO session_events (visit_session_id, revision, created_at, item) VALUES ($1, 1, $2, $3)")
        .bind(id.as_str())
        .bind(now)
        .bind(to_json(&DeltaItem::upd("VISIT_SESSION_STATE", id.as_str(), json!(state.as_str())))?)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// A new anonymous visitor.
pub(super) async fn create_visitor(conn: &mut Conn, now: i64) -> Result<VisitorId> {
    let id = VisitorId::random();
    let (color, shape) = random_icon();
    sqlx::query(
        "INSERT INTO visitors (id, fields, icon_color, icon_shape, created_at, modified_at) VALUES ($1, '{}', $2, $3, $4, $5)",
    )
    .bind(id.as_str())
    .bind(color)
    .bind(shape)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The visitor a site identified, created on first sight; its fields become the provided ones
/// (`display_name` is stored as `name`).
async fn provided_visitor(conn: &mut Conn, p: &ProvidedVisitor, now: i64) -> Result<VisitorId> {
    let fields: BTreeMap<&str, &str> =
        p.fields.iter().map(|(k, v)| (if k == "display_name" { "name" } else { k.as_str() }, v.as_str())).collect();
    let (color, shape) = random_icon();
    sqlx::query(
        "INSERT INTO visitors (id, fields, icon_color, icon_shape, provided_id, created_at, modified_at) \
         VALUES ($1, '{}', $2, $3, $4, $5, $6) ON CONFLICT (provided_id) DO NOTHING",
    )
    .bind(VisitorId::random().as_str())
    .bind(color)
    .bind(shape)
    .bind(&p.id)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("UPDATE visitors SET fields = $1, modified_at = $2 WHERE provided_id = $3 RETURNING id")
        .bind(to_json(&fields)?)
        .bind(now)
        .bind(&p.id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(VisitorId::from_stored(row.try_get("id")?))
}

/// A message from the system (info, busy auto-message, operator note): no author, no name.
pub(super) async fn system_message(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &Chat,
    kind: MessageKind,
    text: String,
) -> Result<Message> {
    let m = NewMessage {
        chat,
        client_side_id: hex_id(),
        kind,
        text,
        data: None,
        author: None,
        name: String::new(),
        quote: None,
    };
    insert_message(conn, emit, m).await
}

/// Writes a changed message back and reports the change.
async fn update_message(conn: &mut Conn, emit: &mut Emit, m: &mut Message, visitor: &VisitorId) -> Result<()> {
    let history_revision = next_history_revision(conn, visitor, emit.now).await?;
    m.modified_at = emit.now;
    sqlx::query(
        "UPDATE messages SET text = $1, data = $2, modified_at = $3, history_revision = $4, is_read = $5, \
         edited = $6, deleted = $7, reaction = $8 WHERE id = $9",
    )
    .bind(&m.text)
    .bind(m.data.as_ref().map(to_json).transpose()?)
    .bind(m.modified_at)
    .bind(history_revision)
    .bind(m.read)
    .bind(m.edited)
    .bind(m.deleted)
    .bind(&m.reaction)
    .bind(m.id.as_str())
    .execute(&mut *conn)
    .await?;
    if m.kind.visible_to_visitor() {
        if m.deleted {
            emit.item(DeltaItem::del("CHAT_MESSAGE", m.id.as_str()));
            emit.op(operator_wire::message_deleted(m));
        } else {
            emit.item(DeltaItem::upd(
                "CHAT_MESSAGE",
                m.id.as_str(),
                wire::message(m, MessagePolicy::from_settings(&emit.settings)),
            ));
            emit.op(operator_wire::message_updated(m));
        }
        if m.kind.is_conversation() {
            emit.touched.push((m.chat_id.0, None));
        }
        emit.item(DeltaItem::upd("HISTORY_REVISION", visitor.as_str(), json!({"revision": history_revision})));
    }
    Ok(())
}

pub(super) async fn save_chat(conn: &mut Conn, c: &Chat) -> Result<()> {
    sqlx::query(
        "UPDATE chats SET department_key = $1, operator_id = $2, state = $3, offline = $4, \
         unread_by_operator_since = $5, unread_by_visitor_since = $6, unread_by_visitor_count = $7, \
         read_by_visitor = $8, operator_typing = $9, category = $10, subcategory = $11, subject = $12, \
         modified_at = $13, closed_at = $14, language = $15, priority = $16, assigned_at = $17, \
         first_visitor_message_at = $18, first_answer_at = $19, busy_messages = $20, response_busy_sent = $21, \
         outcome = $22, operator_closed_at = $23 WHERE id = $24",
    )
    .bind(&c.department_key)
    .bind(c.operator_id.map(|o| o.0))
    .bind(c.state.as_str())
    .bind(c.offline)
    .bind(c.unread_by_operator_since)
    .bind(c.unread_by_visitor_since)
    .bind(c.unread_by_visitor_count)
    .bind(c.read_by_visitor)
    .bind(c.operator_typing)
    .bind(&c.category)
    .bind(&c.subcategory)
    .bind(&c.subject)
    .bind(c.modified_at)
    .bind(c.state.is_final().then_some(c.modified_at))
    .bind(&c.language)
    .bind(c.priority)
    .bind(c.assigned_at)
    .bind(c.first_visitor_message_at)
    .bind(c.first_answer_at)
    .bind(c.busy_messages)
    .bind(c.response_busy_sent)
    .bind(&c.outcome)
    .bind(c.operator_closed_at)
    .bind(c.id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn set_session_state(
    conn: &mut Conn,
    emit: &mut Emit,
    session: &VisitSessionId,
    state: VisitSessionState,
) -> Result<()> {
    sqlx::query("UPDATE visit_sessions SET state = $1 WHERE visitor_id = $2")
        .bind(state.as_str())
        .bind(emit.visitor.as_str())
        .execute(&mut *conn)
        .await?;
    emit.item(DeltaItem::upd("VISIT_SESSION_STATE", session.as_str(), json!(state.as_str())));
    Ok(())
}

/// Operator event for a changed chat.
pub(super) async fn chat_event(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    let event = summary_event(conn, &emit.settings, chat, None).await?;
    emit.op(event);
    emit.touched.retain(|(id, _)| *id != chat.id.0);
    Ok(())
}

/// State-changed items for the visitor and an event for operators.
pub(super) async fn chat_state_changed(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::upd("CHAT_STATE", &sid, json!(chat.state.visitor_wire())));
    chat_event(conn, emit, chat).await
}

/// Creates a chat for the visitor and reports it (`CHAT`, `VISIT_SESSION_STATE` = `chat`).
/// How a new chat starts.
#[derive(Default)]
struct NewChat<'a> {
    department: Option<String>,
    client_side_id: Option<String>,
    force_online: bool,
    visitor_fields: Option<&'a Value>,
    /// First question: text and the message's client-side id.
    first: Option<(String, String)>,
}

async fn create_chat(
    conn: &mut Conn,
    emit: &mut Emit,
    v: &VisitorCtx,
    settings: &OrgSettings,
    new: NewChat<'_>,
) -> Result<Chat> {
    let NewChat { department, client_side_id, force_online, visitor_fields, first } = new;
    let language =
        load_placement(conn, &v.location).await?.and_then(|p| p.lang).unwrap_or(settings.default_lang.clone());
    let spoken = settings.multilang.then_some(language.as_str());
    let humans_online = humans_online(conn, department.as_deref(), spoken).await?;
    let bot = bot_for_new_chat(conn, department.as_deref(), humans_online, emit.now).await?;
    let offline = !humans_online && bot.is_none() && !force_online;
    let now = emit.now;
    let state = if offline { ChatState::OfflineQueue } else { ChatState::Queue };
    let csid = client_side_id.unwrap_or_else(hex_id);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO chats (client_side_id, visitor_id, visit_session_id, location, department_key, state, offline, \
         visitor_fields, created_at, modified_at, language, channel_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         (SELECT channel_key FROM visitors WHERE id = $2)) RETURNING id",
    )
    .bind(&csid)
    .bind(v.visitor_id.as_str())
    .bind(v.visit_session_id.as_str())
    .bind(&v.location)
    .bind(&department)
    .bind(state.as_str())
    .bind(offline)
    .bind(visitor_fields.map(to_json).transpose()?)
    .bind(now)
    .bind(now)
    .bind(&language)
    .fetch_one(&mut *conn)
    .await?;
    let mut chat = load_chat(conn, ChatId(id), false).await?.ok_or(StoreError::NotFound)?;
    let page: Option<String> = sqlx::query_scalar("SELECT page_url FROM visit_sessions WHERE id = $1")
        .bind(v.visit_session_id.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    if page.is_some_and(|url| settings.is_priority_page(&url)) {
        chat.priority = 1;
        save_chat(conn, &chat).await?;
    }
    if let Some(fields) = visitor_fields {
        merge_visitor_fields(conn, &v.visitor_id, fields, now).await?;
    }
    let name = visitor_name(conn, &v.visitor_id, &settings.default_lang).await?;
    // The chat item comes first so clients have the chat before its messages.
    let chat_item_index = emit.items.len();
    emit.item(DeltaItem::upd("CHAT", v.visit_session_id.as_str(), Value::Null));
    let has_question = first.is_some();
    if let Some((text, msg_csid)) = first {
        let m = NewMessage {
            chat: &chat,
            client_side_id: msg_csid,
            kind: MessageKind::Visitor,
            text,
            data: None,
            author: None,
            name: name.clone(),
            quote: None,
        };
        let message = insert_message(conn, emit, m).await?;
        chat.unread_by_operator_since = Some(message.created_at);
        after_visitor_message(conn, emit, &mut chat, message.created_at).await?;
        save_chat(conn, &chat).await?;
    }
    if !settings.greeting_message.trim().is_empty() {
        system_message(conn, emit, &chat, MessageKind::Info, settings.greeting_message.clone()).await?;
    }
    // Messages written with the chat travel inside the CHAT item, not as separate adds.
    let view = load_chat_view(conn, chat.clone()).await?;
    emit.items.retain(|i| !(i.object_type == "CHAT_MESSAGE" && view.messages.iter().any(|m| m.id.as_str() == i.id)));
    emit.items[chat_item_index].data =
        wire::chat(&view.chat, &view.messages, None, &view.ratings, MessagePolicy::from_settings(settings));
    set_session_state(conn, emit, &v.visit_session_id, VisitSessionState::Chat).await?;
    chat_event(conn, emit, &chat).await?;
    domain_event(conn, "chat_started", &chat, json!({"visitorId": v.visitor_id.as_str()}), emit).await?;
    touch_activity(conn, emit, &chat).await?;
    route_new_chat(conn, emit, &mut chat, bot).await?;
    emit.wake |= chat.operator_id.is_none();
    // The CRMs hear of the new chat.
    for target in settings.crm_targets() {
        emit_job(conn, emit, &format!("crm.{target}"), &chat.id.0.to_string(), &json!({"chatId": chat.id.0}), None)
            .await?;
    }
    // A message left while nobody could answer goes to the «left messages» addresses.
    if chat.offline && has_question {
        emit_job(conn, emit, "mail.offline_message", &chat.id.0.to_string(), &json!({"chatId": chat.id.0}), None)
            .await?;
    }
    Ok(chat)
}

pub(super) async fn merge_visitor_fields(conn: &mut Conn, visitor: &VisitorId, fields: &Value, now: i64) -> Result<()> {
    let Value::Object(new) = fields else {
        return Err(DomainError::WrongArgumentValue("visitor-fields").into());
    };
    let current: String = sqlx::query_scalar("SELECT fields FROM visitors WHERE id = $1")
        .bind(visitor.as_str())
        .fetch_one(&mut *conn)
        .await?;
    let mut merged: BTreeMap<String, String> = serde_json::from_str(&current)?;
    for (k, v) in new {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        merged.insert(k.clone(), text);
    }
    sqlx::query("UPDATE visitors SET fields = $1, modified_at = $2 WHERE id = $3")
        .bind(to_json(&merged)?)
        .bind(now)
        .bind(visitor.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Department for a new chat per visitor-api.md §12.2 step 3. `Err(state)` when the visitor
/// must choose first.
async fn choose_department(
    conn: &mut Conn,
    v: &VisitorCtx,
    settings: &OrgSettings,
    requested: Option<&str>,
) -> Result<Result<Option<String>, VisitSessionState>> {
    let placement = load_placement(conn, &v.location).await?.ok_or(DomainError::WrongArgumentValue("location"))?;
    let offered = offered_departments(conn, &placement).await?;
    if let Some(key) = requested.filter(|k| !k.is_empty()) {
        if offered.iter().any(|d| d.key == key) {
            return Ok(Ok(Some(key.to_owned())));
        }
        return Err(DomainError::WrongArgumentValue("department-key").into());
    }
    if settings.department_choice_obligatory && offered.len() >= 2 {
        return Ok(Err(VisitSessionState::DepartmentSelection));
    }
    if offered.len() == 1 {
        return Ok(Ok(Some(offered[0].key.clone())));
    }
    Ok(Ok(placement.default_department.filter(|d| offered.iter().any(|o| &o.key == d))))
}

/// Chat is the operator's to write in: waiting (taken implicitly), held by a bot (taken over)
/// or already theirs.
async fn assign_if_waiting(conn: &mut Conn, emit: &mut Emit, chat: &mut Chat, op: &Operator) -> Result<()> {
    if chat.state.is_final() {
        return Err(DomainError::ChatClosed.into());
    }
    match chat.operator_id {
        Some(holder) if holder == op.id => {
            if !chat.state.is_active() {
                chat.state =
                    if is_bot(conn, op.id).await? { ChatState::ChattingWithRobot } else { ChatState::Chatting };
                chat.modified_at = emit.now;
                save_chat(conn, chat).await?;
                chat_state_changed(conn, emit, chat).await?;
            }
            Ok(())
        }
        Some(_) if chat.state != ChatState::ChattingWithRobot => Err(DomainError::ChatTaken.into()),
        _ => {
            let text = texts::operator_joined(&emit.settings.default_lang, &op.name);
            assign_to(conn, emit, chat, op, Assignment::Manual, text).await
        }
    }
}

/// An operator's message or a close ends their "typing" for the visitor too; the visitor is
/// told, so a "stopped" that comes later (and changes nothing) cannot leave it shown.
fn stop_operator_typing(emit: &mut Emit, chat: &mut Chat) {
    if chat.operator_typing {
        chat.operator_typing = false;
        emit.item(DeltaItem::upd("CHAT_OPERATOR_TYPING", chat.visit_session_id.as_str(), json!(false)));
    }
}

/// Closes a chat from either side.
pub(super) async fn close_chat(
    conn: &mut Conn,
    emit: &mut Emit,
    chat: &mut Chat,
    next: ChatState,
    info: &str,
    by: Closer<'_>,
) -> Result<()> {
    // The operator may have a free place now.
    emit.wake = true;
    chat.state = next;
    chat.modified_at = emit.now;
    stop_operator_typing(emit, chat);
    save_chat(conn, chat).await?;
    let sid = chat.visit_session_id.to_string();
    system_message(conn, emit, chat, MessageKind::Info, info.to_owned()).await?;
    chat_state_changed(conn, emit, chat).await?;
    bot_chat_closed(conn, emit, chat, &by).await?;
    channel_chat_closed(conn, chat, &by, emit).await?;
    if next.is_final() {
        emit.item(DeltaItem::upd("CHAT_OPERATOR", &sid, Value::Null));
        set_session_state(conn, emit, &chat.visit_session_id, VisitSessionState::IdleAfterChat).await?;
        finish_chat(conn, emit, chat, by.as_str()).await?;
    } else if next == ChatState::ClosedByVisitor {
        classify_unanswered(emit, chat);
        save_chat(conn, chat).await?;
    } else if next == ChatState::ClosedByOperator {
        chat.operator_closed_at = Some(emit.now);
        save_chat(conn, chat).await?;
        cancel_timers(conn, chat.id, &[TIMER_FIRST_ANSWER, TIMER_RESPONSE, TIMER_REASSIGN]).await?;
        if emit.settings.closed_by_operator_timeout_secs > 0 {
            let due = emit.now + secs(emit.settings.closed_by_operator_timeout_secs);
            set_timer(conn, TIMER_OPERATOR_CLOSED, chat.id, due, emit.now).await?;
        }
    }
    Ok(())
}

fn random_icon() -> (String, String) {
    const COLORS: [&str; 6] = ["#5fa0ea", "#e76f51", "#2a9d8f", "#e9c46a", "#9b5de5", "#f15bb5"];
    const SHAPES: [&str; 4] = ["rhombus", "circle", "square", "star"];
    let seed = u128::from_str_radix(&hex_id(), 16).unwrap_or(0);
    (COLORS[(seed % 6) as usize].to_owned(), SHAPES[((seed >> 8) % 4) as usize].to_owned())
}

// ---------------------------------------------------------------------------------------------

impl SqlStore {
    pub(super) async fn begin(&self) -> Result<sqlx::Transaction<'static, Db>> {
        Ok(self.writer.begin_with(BEGIN_WRITE).await?)
    }

    pub(crate) async fn read(&self) -> Result<sqlx::pool::PoolConnection<Db>> {
        Ok(self.reader.acquire().await?)
    }

    /// Runs a visitor-side change: loads the settings, runs `f` in a write transaction,
    /// appends what it emitted and returns once committed.
    pub(super) async fn visitor_change<F>(&self, v: &VisitorCtx, f: F) -> Result<Changes>
    where
        F: for<'c> FnOnce(
                &'c mut Conn,
                &'c mut Emit,
                OrgSettings,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'c>>
            + Send
            + 'static,
    {
        let (visitor, clock) = (v.visitor_id.clone(), self.clock.clone());
        self.write(move |conn| {
            Box::pin(async move {
                if let Some(lock) = VISITOR_LOCK {
                    sqlx::query(lock).bind(visitor.as_str()).execute(&mut *conn).await?;
                }
                let settings = load_settings(conn).await?;
                let mut emit = Emit::new(&visitor, settings.clone(), clock.now());
                f(&mut *conn, &mut emit, settings).await?;
                emit.finish(conn).await
            })
        })
        .await
    }

    /// [`Self::chat_change`] for an operator's action: refused when the chat is not theirs to
    /// see (see `may_act_on`).
    async fn operator_change<F>(&self, op: OperatorId, id: ChatId, f: F) -> Result<Changes>
    where
        F: for<'c> FnOnce(
                &'c mut Conn,
                &'c mut Emit,
                Operator,
                Chat,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'c>>
            + Send
            + 'static,
    {
        self.chat_change(op, id, move |conn, emit, operator, chat| {
            Box::pin(async move {
                may_act_on(conn, &operator, &emit.settings, &chat).await?;
                f(conn, emit, operator, chat).await
            })
        })
        .await
    }

    /// Runs an operator-side change on one chat (locked).
    async fn chat_change<F>(&self, op: OperatorId, id: ChatId, f: F) -> Result<Changes>
    where
        F: for<'c> FnOnce(
                &'c mut Conn,
                &'c mut Emit,
                Operator,
                Chat,
            ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'c>>
            + Send
            + 'static,
    {
        let clock = self.clock.clone();
        self.write(move |conn| {
            Box::pin(async move {
                let operator = load_operator(conn, op).await?.ok_or(StoreError::NotFound)?;
                let chat = load_chat(conn, id, true).await?.ok_or(DomainError::ChatNotFound)?;
                let settings = load_settings(conn).await?;
                let mut emit = Emit::new(&chat.visitor_id, settings, clock.now());
                f(&mut *conn, &mut emit, operator, chat).await?;
                emit.finish(conn).await
            })
        })
        .await
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn migrate(&self) -> Result<()> {
        crate::migrate::apply(&self.writer, MIGRATIONS, self.clock.now(), BACKEND).await
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn settings(&self) -> Result<OrgSettings> {
        load_settings(&mut *self.read().await?).await
    }

    async fn save_settings(&self, settings: &OrgSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('organisation', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(to_json(settings)?)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn workspace_changed(&self) -> Result<Changes> {
        let mut tx = self.begin().await?;
        let seq = append_operator_event(&mut tx, &json!({"type": "workspace_changed"}), self.clock.now()).await?;
        tx.commit().await?;
        Ok(Changes { sessions: Vec::new(), operator_seq: Some(seq), wake_scheduler: false, ..Changes::default() })
    }

    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operators").fetch_one(&self.reader).await?;
        Ok(n == 0)
    }

    async fn create_operator(&self, new: &NewOperator) -> Result<Operator> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO operators (email, name, role, password_hash, languages, max_chats, created_at, \
             must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&new.email)
        .bind(&new.name)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(to_json(&new.languages)?)
        .bind(new.max_chats)
        .bind(self.clock.now())
        .bind(new.must_change_password)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        for key in &new.department_keys {
            sqlx::query("INSERT INTO operator_departments (operator_id, department_key) VALUES ($1, $2)")
                .bind(id)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(ref db) if db.is_foreign_key_violation() => {
                        StoreError::Domain(DomainError::WrongArgumentValue("department"))
                    }
                    other => StoreError::from_db(other),
                })?;
        }
        let op = load_operator(&mut tx, OperatorId(id)).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(op)
    }

    async fn operator(&self, id: OperatorId) -> Result<Option<Operator>> {
        load_operator(&mut *self.read().await?, id).await
    }

    async fn operator_login(&self, email: &str) -> Result<Option<(Operator, String)>> {
        let mut conn = self.read().await?;
        let row = sqlx::query(
            "SELECT id, password_hash FROM operators WHERE lower(email) = lower($1) AND deleted_at IS NULL",
        )
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = row.try_get("password_hash")?;
        let op = load_operator(&mut conn, OperatorId(row.try_get("id")?)).await?;
        Ok(op.map(|o| (o, hash)))
    }

    async fn operators(&self) -> Result<Vec<Operator>> {
        load_operators(&mut *self.read().await?, false).await
    }

    async fn set_operator_status(&self, id: OperatorId, status: OperatorStatus) -> Result<Changes> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE operators SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let seq = append_operator_event(
            &mut tx,
            &json!({"type": "operator_status", "operatorId": id.0, "status": status.as_str()}),
            self.clock.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(Changes { sessions: Vec::new(), operator_seq: Some(seq), wake_scheduler: true, ..Changes::default() })
    }

    async fn set_operator_role(&self, id: OperatorId, role: OperatorRole) -> Result<()> {
        sqlx::query("UPDATE operators SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(id.0)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn create_token(&self, t: &NewToken) -> Result<()> {
        sqlx::query(
            "INSERT INTO operator_tokens (token_hash, operator_id, kind, csrf, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&t.token_hash)
        .bind(t.operator_id.0)
        .bind(&t.kind)
        .bind(&t.csrf)
        .bind(self.clock.now())
        .bind(t.expires_at)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        let row = sqlx::query("SELECT operator_id, kind, csrf, expires_at FROM operator_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| {
            Ok(TokenRecord {
                operator_id: OperatorId(r.try_get("operator_id")?),
                kind: r.try_get("kind")?,
                csrf: r.try_get("csrf")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn delete_token(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM operator_tokens WHERE token_hash = $1").bind(token_hash).execute(&self.writer).await?;
        Ok(())
    }

    async fn operator_by_email(&self, email: &str) -> Result<Option<Operator>> {
        self.find_operator_by_email(email).await
    }

    async fn set_operator_password(
        &self,
        id: OperatorId,
        password_hash: &str,
        must_change: bool,
        keep_token: Option<&str>,
    ) -> Result<Changes> {
        self.change_password(id, password_hash, must_change, keep_token).await
    }

    async fn set_operator_active(&self, id: OperatorId, active: bool) -> Result<Changes> {
        self.change_active(id, active).await
    }

    async fn delete_operator(&self, id: OperatorId) -> Result<Changes> {
        self.remove_operator(id).await
    }

    async fn active_admin_count(&self) -> Result<i64> {
        self.count_active_admins().await
    }

    async fn two_factor(&self, id: OperatorId) -> Result<Option<TwoFactor>> {
        self.load_two_factor(id).await
    }

    async fn set_two_factor_pending(&self, id: OperatorId, secret: &str) -> Result<()> {
        self.store_two_factor_pending(id, secret).await
    }

    async fn enable_two_factor(
        &self,
        id: OperatorId,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<()> {
        self.turn_on_two_factor(id, secret, step, recovery_hashes).await
    }

    async fn disable_two_factor(&self, id: OperatorId) -> Result<bool> {
        self.turn_off_two_factor(id).await
    }

    async fn use_two_factor_step(&self, id: OperatorId, step: i64) -> Result<bool> {
        self.spend_two_factor_step(id, step).await
    }

    async fn use_recovery_code(&self, id: OperatorId, code_hash: &str) -> Result<bool> {
        self.spend_recovery_code(id, code_hash).await
    }

    async fn upsert_department(&self, d: &Department) -> Result<()> {
        sqlx::query(
            "INSERT INTO departments (id, key, name, locale_names, sort_order, logo) \
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM departments), $1, $2, $3, $4, $5) \
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, locale_names = excluded.locale_names, \
             sort_order = excluded.sort_order, logo = excluded.logo",
        )
        .bind(&d.key)
        .bind(&d.name)
        .bind(to_json(&d.locale_names)?)
        .bind(d.order)
        .bind(&d.logo)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn departments(&self) -> Result<Vec<Department>> {
        load_departments(&mut *self.read().await?).await
    }

    async fn upsert_placement(&self, p: &Placement) -> Result<()> {
        sqlx::query(
            "INSERT INTO placements (key, title, lang, department_keys, default_department, hello_message, \
             conversation_timeout_hours) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO UPDATE SET \
             title = excluded.title, lang = excluded.lang, department_keys = excluded.department_keys, \
             default_department = excluded.default_department, hello_message = excluded.hello_message, \
             conversation_timeout_hours = excluded.conversation_timeout_hours",
        )
        .bind(&p.key)
        .bind(&p.title)
        .bind(&p.lang)
        .bind(to_json(&p.department_keys)?)
        .bind(&p.default_department)
        .bind(&p.hello_message)
        .bind(p.conversation_timeout_hours)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn placement(&self, key: &str) -> Result<Option<Placement>> {
        load_placement(&mut *self.read().await?, key).await
    }

    async fn init_visit(&self, req: &InitVisit) -> Result<InitOutcome> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        if load_placement(&mut tx, &req.location).await?.is_none() {
            return Err(DomainError::WrongArgumentValue("location").into());
        }
        // A known visit session (an unguessable bearer id) names its visitor.
        let mut session: Option<(String, String)> = None;
        // An ended session still names its visitor: a new session continues that visitor.
        let mut ended_session_visitor: Option<VisitorId> = None;
        if let Some(sid) = &req.visit_session_id {
            let row = sqlx::query("SELECT id, visitor_id, last_seen_at FROM visit_sessions WHERE id = $1")
                .bind(sid.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = row {
                let last: i64 = row.try_get("last_seen_at")?;
                let visitor: String = row.try_get("visitor_id")?;
                let same_visitor = req.visitor_id.as_ref().is_none_or(|v| v.as_str() == visitor);
                if last > now - req.session_ttl_micros && same_visitor {
                    session = Some((row.try_get("id")?, visitor));
                } else if same_visitor {
                    ended_session_visitor = Some(VisitorId::from_stored(visitor));
                }
            }
        }
        let claimed = req.visitor_id.clone().or(ended_session_visitor);
        let mut changes = Changes::default();
        let visitor_id = match (&req.provided, &session, &claimed) {
            (Some(p), _, _) => {
                let id = provided_visitor(&mut tx, p, now).await?;
                // A session of someone else is not resumed for the identified visitor.
                if session.as_ref().is_some_and(|(_, v)| v != id.as_str()) {
                    session = None;
                }
                id
            }
            (None, Some((_, v)), _) => VisitorId::from_stored(v.clone()),
            (None, None, Some(v)) if load_visitor(&mut tx, v).await?.is_some() => v.clone(),
            _ => create_visitor(&mut tx, now).await?,
        };
        if load_visitor(&mut tx, &visitor_id).await?.is_some_and(|v| v.banned)
            || blocked(&mut tx, Some(&visitor_id), req.client_address.as_deref(), now).await?
        {
            return Err(DomainError::VisitorBanned.into());
        }
        if let Some(fields) = &req.prechat_fields {
            sqlx::query("UPDATE visitors SET prechat_fields = $1 WHERE id = $2")
                .bind(to_json(fields)?)
                .bind(visitor_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let session_id = match session {
            Some((id, _)) => {
                sqlx::query(
                    "UPDATE visit_sessions SET last_seen_at = $1, location = $2, title = COALESCE($3, title), \
                     push_token = COALESCE($4, push_token), push_service = COALESCE($5, push_service), \
                     page_url = COALESCE($6, page_url), user_agent = COALESCE($7, user_agent), \
                     client_address = COALESCE($8, client_address), referrer = COALESCE(referrer, $9) WHERE id = $10",
                )
                .bind(now)
                .bind(&req.location)
                .bind(&req.title)
                .bind(&req.push_token)
                .bind(&req.push_service)
                .bind(&req.page_url)
                .bind(&req.user_agent)
                .bind(&req.client_address)
                .bind(&req.referrer)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
                VisitSessionId::from_stored(id)
            }
            None => create_visit_session(&mut tx, &visitor_id, req, now).await?,
        };
        if let Some(url) = &req.page_url {
            record_page(&mut tx, session_id.as_str(), url, req.title.as_deref(), now).await?;
        }
        // On the site (again): operators hear of an arrival.
        changes.operator_seq = mark_present(&mut tx, &visitor_id, &session_id, now).await?;
        let page = PageAuth {
            page_id: PageId::random(),
            auth_token: hex_id(),
            visit_session_id: session_id,
            visitor_id,
            location: req.location.clone(),
            last_seen_at: now,
            blocked: false,
        };
        sqlx::query("INSERT INTO pages (id, auth_token, visit_session_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(page.page_id.as_str())
            .bind(&page.auth_token)
            .bind(page.visit_session_id.as_str())
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(InitOutcome { page, changes })
    }

    async fn page(&self, id: &PageId) -> Result<Option<PageAuth>> {
        let row = sqlx::query(
            "SELECT p.id, p.auth_token, p.visit_session_id, p.last_seen_at, s.visitor_id, s.location, \
             EXISTS (SELECT 1 FROM visitor_blocks b WHERE (b.visitor_id = s.visitor_id OR b.address = s.client_address) \
             AND b.lifted_at IS NULL AND (b.expires_at IS NULL OR b.expires_at > $1)) AS blocked \
             FROM pages p JOIN visit_sessions s ON s.id = p.visit_session_id WHERE p.id = $2",
        )
        .bind(self.clock.now())
        .bind(id.as_str())
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| {
            Ok(PageAuth {
                page_id: PageId::from_stored(r.try_get("id")?),
                auth_token: r.try_get("auth_token")?,
                visit_session_id: VisitSessionId::from_stored(r.try_get("visit_session_id")?),
                visitor_id: VisitorId::from_stored(r.try_get("visitor_id")?),
                location: r.try_get("location")?,
                last_seen_at: r.try_get("last_seen_at")?,
                blocked: r.try_get("blocked")?,
            })
        })
        .transpose()
    }

    async fn touch_page(&self, page: &PageAuth, now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE pages SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(page.page_id.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE visit_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(page.visit_session_id.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn snapshot(&self, session: &VisitSessionId) -> Result<Snapshot> {
        let mut conn = self.read().await?;
        // Revision first: the state read afterwards is at least as new.
        let row = sqlx::query(
            "SELECT id, visitor_id, location, state, revision, created_at, last_seen_at FROM visit_sessions WHERE id = $1",
        )
        .bind(session.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let session = VisitSession {
            id: VisitSessionId::from_stored(row.try_get("id")?),
            visitor_id: VisitorId::from_stored(row.try_get("visitor_id")?),
            location: row.try_get("location")?,
            state: parse_col(&row, "state", VisitSessionState::parse)?,
            revision: row.try_get("revision")?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
        };
        let settings = load_settings(&mut conn).await?;
        let visitor = load_visitor(&mut conn, &session.visitor_id).await?.ok_or(StoreError::NotFound)?;
        let placement = load_placement(&mut conn, &session.location).await?.ok_or(StoreError::NotFound)?;
        let chat = match load_current_chat(&mut conn, &session.visitor_id, &session.location, false, self.clock.now())
            .await?
        {
            Some(c) => Some(load_chat_view(&mut conn, c).await?),
            None => None,
        };
        let departments = offered_departments(&mut conn, &placement).await?;
        let online_operators = load_operators(&mut conn, true).await?;
        drop(conn);
        let queue_counts = self.queue_counts().await?;
        Ok(Snapshot {
            revision: session.revision,
            session,
            visitor,
            placement,
            settings,
            chat,
            departments,
            online_operators,
            queue_counts,
        })
    }

    async fn deltas(&self, session: &VisitSessionId, since: i64, limit: i64) -> Result<DeltaRead> {
        let mut conn = self.read().await?;
        let current: Option<i64> = sqlx::query_scalar("SELECT revision FROM visit_sessions WHERE id = $1")
            .bind(session.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(current) = current else { return Ok(DeltaRead::Full) };
        if since <= 0 || since > current {
            return Ok(DeltaRead::Full);
        }
        if since == current {
            return Ok(DeltaRead::Items { revision: current, items: Vec::new() });
        }
        let rows = sqlx::query(
            "SELECT revision, item FROM session_events WHERE visit_session_id = $1 AND revision > $2 \
             ORDER BY revision LIMIT $3",
        )
        .bind(session.as_str())
        .bind(since)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        // A gap right after `since` means the items were pruned: the client needs a full update.
        let first: Option<i64> = rows.first().map(|r| r.try_get("revision")).transpose()?;
        if first != Some(since + 1) {
            return Ok(DeltaRead::Full);
        }
        let mut revision = since;
        let mut items = Vec::with_capacity(rows.len());
        for r in &rows {
            revision = r.try_get("revision")?;
            items.push(json_col(r, "item")?);
        }
        Ok(DeltaRead::Items { revision, items })
    }

    async fn current_chat(&self, visitor: &VisitorId, location: &str) -> Result<Option<Chat>> {
        load_current_chat(&mut *self.read().await?, visitor, location, false, self.clock.now()).await
    }

    async fn start_chat(&self, v: &VisitorCtx, req: &StartChat) -> Result<Changes> {
        let v2 = v.clone();
        let req = req.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?.is_some() {
                    return Ok(());
                }
                let first = req.first_question.as_deref().filter(|q| !q.trim().is_empty());
                if settings.chat_start_after_message && !req.force_start && first.is_none() {
                    // The chat waits for the first message, but a department that is not
                    // offered here is refused now, not silently replaced later.
                    if req.department_key.as_deref().is_some_and(|k| !k.is_empty()) {
                        let _checked = choose_department(conn, &v2, &settings, req.department_key.as_deref()).await?;
                    }
                    return Ok(());
                }
                if let Some(q) = first {
                    rules::validate_text(q, &settings)?;
                }
                let department = match choose_department(conn, &v2, &settings, req.department_key.as_deref()).await? {
                    Ok(d) => d,
                    Err(state) => return set_session_state(conn, emit, &v2.visit_session_id, state).await,
                };
                if settings.first_question_obligatory && first.is_none() {
                    return set_session_state(conn, emit, &v2.visit_session_id, VisitSessionState::FirstQuestion).await;
                }
                let first = first.map(|q| (q.to_owned(), hex_id()));
                let new = NewChat {
                    department,
                    client_side_id: req.client_side_id.clone(),
                    force_online: req.force_online,
                    visitor_fields: req.visitor_fields.as_ref(),
                    first,
                };
                create_chat(conn, emit, &v2, &settings, new).await?;
                Ok(())
            })
        })
        .await
    }

    async fn visitor_message(&self, v: &VisitorCtx, req: &VisitorMessage) -> Result<Changes> {
        let v2 = v.clone();
        let req = req.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if req.kind == VisitorMessageKind::Text {
                    rules::validate_text(&req.text, &settings)?;
                }
                // A retry or an edit of a message the visitor already sent.
                if let Some(mut existing) = visitor_message_by_csid(conn, &v2.visitor_id, &req.client_side_id).await? {
                    // A retry: the same text, or any repeat of a file or sticker message.
                    if existing.text == req.text || req.kind != VisitorMessageKind::Text {
                        return Ok(());
                    }
                    if !settings.visitor_message_editing || existing.deleted {
                        return Err(DomainError::NotAllowed.into());
                    }
                    if !existing.kind.is_visitor_side() {
                        return Err(DomainError::MessageNotOwned.into());
                    }
                    if existing.kind != MessageKind::Visitor {
                        return Err(DomainError::WrongMessageKind.into());
                    }
                    existing.text = req.text.clone();
                    existing.edited = true;
                    return update_message(conn, emit, &mut existing, &v2.visitor_id).await;
                }
                let quote = match &req.quote_message_id {
                    None => None,
                    Some(id) => Some(resolve_quote(conn, &v2, &settings, id).await?),
                };
                let (kind, data) = match &req.kind {
                    VisitorMessageKind::Text => (MessageKind::Visitor, req.data.clone()),
                    VisitorMessageKind::Sticker(id) => (MessageKind::StickerVisitor, Some(json!({"stickerId": id}))),
                    VisitorMessageKind::Files(_) => (MessageKind::FileVisitor, None),
                };
                let mut chat = match load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await? {
                    Some(c) => c,
                    None => {
                        // §12.3: started as by `chat.start`, so a required department choice
                        // comes first (the client sends the question again with its choice).
                        let department = match choose_department(conn, &v2, &settings, None).await? {
                            Ok(d) => d,
                            Err(state) => return set_session_state(conn, emit, &v2.visit_session_id, state).await,
                        };
                        // A plain text message starts the chat as its first question.
                        let first = (req.kind == VisitorMessageKind::Text && quote.is_none() && data.is_none())
                            .then(|| (req.text.clone(), req.client_side_id.clone()));
                        let starts_with_it = first.is_some();
                        let chat = create_chat(
                            conn,
                            emit,
                            &v2,
                            &settings,
                            NewChat { department, first, ..NewChat::default() },
                        )
                        .await?;
                        if starts_with_it {
                            return Ok(());
                        }
                        chat
                    }
                };
                if chat.state == ChatState::Invitation {
                    accept_invitation(conn, emit, &mut chat).await?;
                }
                let (operator_online, holder_is_bot) = match chat.operator_id {
                    Some(id) if chat.state.is_half_closed() => (
                        load_operator(conn, id).await?.is_some_and(|o| o.status == OperatorStatus::Online),
                        is_bot(conn, id).await?,
                    ),
                    _ => (false, false),
                };
                if let VisitorMessageEffect::Reopen(state) = rules::visitor_message_effect(chat.state, operator_online)
                {
                    let state = if state == ChatState::Chatting && holder_is_bot {
                        ChatState::ChattingWithRobot
                    } else {
                        state
                    };
                    chat.state = state;
                    if state == ChatState::Queue {
                        chat.operator_id = None;
                        emit.item(DeltaItem::upd("CHAT_OPERATOR", chat.visit_session_id.as_str(), Value::Null));
                    }
                    chat.modified_at = emit.now;
                    save_chat(conn, &chat).await?;
                    chat_state_changed(conn, emit, &chat).await?;
                }
                let name = visitor_name(conn, &v2.visitor_id, &settings.default_lang).await?;
                let text = match &req.kind {
                    VisitorMessageKind::Sticker(_) => String::new(),
                    _ => req.text.clone(),
                };
                let files = match &req.kind {
                    VisitorMessageKind::Files(guids) => guids.clone(),
                    _ => Vec::new(),
                };
                let (text, data) =
                    if files.is_empty() { (text, data) } else { file_message_body(conn, emit, &v2, &files).await? };
                let m = NewMessage {
                    chat: &chat,
                    client_side_id: req.client_side_id.clone(),
                    kind,
                    text,
                    data,
                    author: None,
                    name,
                    quote,
                };
                let message = insert_message(conn, emit, m).await?;
                attach_files(conn, &files, &message).await?;
                after_visitor_message(conn, emit, &mut chat, message.created_at).await?;
                if chat.unread_by_operator_since.is_none() {
                    chat.unread_by_operator_since = Some(message.created_at);
                    emit.item(DeltaItem::upd(
                        "CHAT_UNREAD_BY_OPERATOR_SINCE_TS",
                        chat.visit_session_id.as_str(),
                        json!(beseda_core::time::micros_to_secs(message.created_at)),
                    ));
                }
                chat.modified_at = emit.now;
                save_chat(conn, &chat).await?;
                Ok(())
            })
        })
        .await
    }

    async fn visitor_delete_message(&self, v: &VisitorCtx, client_side_id: &str) -> Result<Changes> {
        let v2 = v.clone();
        let csid = client_side_id.to_owned();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                let mut m = visitor_message_by_csid(conn, &v2.visitor_id, &csid)
                    .await?
                    .filter(|m| !m.deleted)
                    .ok_or(DomainError::MessageNotFound)?;
                if !m.kind.is_visitor_side() {
                    return Err(DomainError::MessageNotOwned.into());
                }
                if !settings.visitor_message_deleting {
                    return Err(DomainError::NotAllowed.into());
                }
                m.deleted = true;
                update_message(conn, emit, &mut m, &v2.visitor_id).await
            })
        })
        .await
    }

    async fn visitor_react(&self, v: &VisitorCtx, client_side_id: &str, reaction: &str) -> Result<Changes> {
        let v2 = v.clone();
        let csid = client_side_id.to_owned();
        let reaction = reaction.to_owned();
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                if reaction != "like" && reaction != "dislike" {
                    return Err(DomainError::WrongArgumentValue("reaction").into());
                }
                let mut m = match visitor_message_by_csid(conn, &v2.visitor_id, &csid).await? {
                    Some(m) => m,
                    None => load_message(conn, &csid)
                        .await?
                        .filter(|m| m.client_side_id == csid || m.id.as_str() == csid)
                        .ok_or(DomainError::MessageNotFound)?,
                };
                let chat = load_chat(conn, m.chat_id, false).await?.ok_or(DomainError::MessageNotFound)?;
                if chat.visitor_id != v2.visitor_id || m.deleted {
                    return Err(DomainError::MessageNotFound.into());
                }
                if !m.kind.is_operator_side() {
                    return Err(DomainError::NotAllowed.into());
                }
                m.reaction = Some(reaction);
                update_message(conn, emit, &mut m, &v2.visitor_id).await
            })
        })
        .await
    }

    async fn visitor_read(&self, v: &VisitorCtx, up_to: Option<&str>) -> Result<Changes> {
        let v2 = v.clone();
        let up_to = up_to.map(str::to_owned);
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                let Some(mut chat) = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?
                else {
                    return Ok(());
                };
                let limit_ts = match &up_to {
                    Some(id) => load_message(conn, id).await?.filter(|m| m.chat_id == chat.id).map(|m| m.created_at),
                    None => None,
                }
                .unwrap_or(i64::MAX);
                sqlx::query(
                    "UPDATE messages SET is_read = TRUE WHERE chat_id = $1 AND created_at <= $2 AND is_read = FALSE \
                     AND kind IN ('operator', 'file_operator', 'keyboard', 'cont_req', 'action_request')",
                )
                .bind(chat.id.0)
                .bind(limit_ts)
                .execute(&mut *conn)
                .await?;
                let remaining: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM messages WHERE chat_id = $1 AND is_read = FALSE AND deleted = FALSE \
                     AND kind IN ('operator', 'file_operator', 'keyboard', 'cont_req', 'action_request')",
                )
                .bind(chat.id.0)
                .fetch_one(&mut *conn)
                .await?;
                let oldest: Option<i64> = sqlx::query_scalar(
                    "SELECT MIN(created_at) FROM messages WHERE chat_id = $1 AND is_read = FALSE AND deleted = FALSE \
                     AND kind IN ('operator', 'file_operator', 'keyboard', 'cont_req', 'action_request')",
                )
                .bind(chat.id.0)
                .fetch_one(&mut *conn)
                .await?;
                chat.unread_by_visitor_count = remaining;
                chat.unread_by_visitor_since = oldest;
                chat.read_by_visitor = remaining == 0;
                save_chat(conn, &chat).await?;
                let sid = chat.visit_session_id.to_string();
                emit.item(DeltaItem::upd("CHAT_READ_BY_VISITOR", &sid, json!(chat.read_by_visitor)));
                emit.item(DeltaItem::upd("UNREAD_BY_VISITOR", &sid, wire::unread_by_visitor(&chat)));
                emit.op(
                    json!({"type": "chat_read_by_visitor", "chatId": chat.id.0, "readByVisitor": chat.read_by_visitor}),
                );
                Ok(())
            })
        })
        .await
    }

    async fn keyboard_response(&self, v: &VisitorCtx, request_message_id: &str, button_id: &str) -> Result<Changes> {
        let v2 = v.clone();
        let request = request_message_id.to_owned();
        let button_id = button_id.to_owned();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                let chat = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now)
                    .await?
                    .ok_or(DomainError::CannotCreateResponse)?;
                let mut keyboard = load_message(conn, &request)
                    .await?
                    .filter(|m| m.chat_id == chat.id && m.kind == MessageKind::Keyboard)
                    .ok_or(DomainError::CannotCreateResponse)?;
                let mut data = keyboard.data.clone().unwrap_or(Value::Null);
                if data.get("state").and_then(Value::as_str) != Some("pending") {
                    return Err(DomainError::CannotCreateResponse.into());
                }
                let button = data
                    .get("buttons")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_array)
                    .flatten()
                    .find(|b| b.get("id").and_then(Value::as_str) == Some(button_id.as_str()))
                    .cloned()
                    .ok_or(DomainError::CannotCreateResponse)?;
                let button_text = button.get("text").and_then(Value::as_str).unwrap_or_default().to_owned();
                let name = visitor_name(conn, &v2.visitor_id, &settings.default_lang).await?;
                let response = NewMessage {
                    chat: &chat,
                    client_side_id: hex_id(),
                    kind: MessageKind::KeyboardResponse,
                    text: button_text.clone(),
                    data: Some(json!({
                        "button": {"id": button_id, "text": button_text},
                        "request": {"messageId": keyboard.id.as_str()},
                    })),
                    author: None,
                    name,
                    quote: None,
                };
                let response = insert_message(conn, emit, response).await?;
                if let Some(rows) = data.get_mut("buttons").and_then(Value::as_array_mut) {
                    for b in rows.iter_mut().filter_map(Value::as_array_mut).flatten() {
                        let selected = b.get("id").and_then(Value::as_str) == Some(button_id.as_str());
                        if let Value::Object(map) = b {
                            let config = map.entry("config").or_insert_with(|| json!({}));
                            if !config.is_object() {
                                *config = json!({});
                            }
                            config["state"] = json!(if selected { "showing_selected" } else { "showing" });
                        }
                    }
                }
                data["state"] = json!("completed");
                data["response"] = json!({"buttonId": button_id, "messageId": response.id.as_str()});
                keyboard.data = Some(data);
                update_message(conn, emit, &mut keyboard, &v2.visitor_id).await
            })
        })
        .await
    }

    async fn rate_operator(&self, v: &VisitorCtx, req: &RateOperator) -> Result<Changes> {
        let v2 = v.clone();
        let req = req.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                if !settings.rate_operator {
                    return Err(DomainError::RateDisabled.into());
                }
                if req.note.as_ref().is_some_and(|n| n.chars().count() > rules::MAX_RATING_NOTE) {
                    return Err(DomainError::NoteTooLong.into());
                }
                let chat = match load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await? {
                    Some(c) => c,
                    None => {
                        let sql = format!("SELECT {CHAT_COLS} FROM chats WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1");
                        let row = sqlx::query(&sql).bind(v2.visitor_id.as_str()).fetch_optional(&mut *conn).await?;
                        row.as_ref().map(chat_from).transpose()?.ok_or(DomainError::NoChat)?
                    }
                };
                let operator = match req.operator_id.or(chat.operator_id) {
                    Some(id) => id,
                    None => return Err(DomainError::OperatorNotInChat.into()),
                };
                if load_operator(conn, operator).await?.is_none() {
                    return Err(DomainError::WrongOperatorId.into());
                }
                let took_part: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE chat_id = $1 AND author_id = $2")
                    .bind(chat.id.0)
                    .bind(operator.0)
                    .fetch_one(&mut *conn)
                    .await?;
                if chat.operator_id != Some(operator) && took_part == 0 {
                    return Err(DomainError::OperatorNotInChat.into());
                }
                sqlx::query(
                    "INSERT INTO ratings (chat_id, operator_id, rating, note, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (chat_id, operator_id) DO UPDATE SET rating = excluded.rating, note = excluded.note, \
                     created_at = excluded.created_at",
                )
                .bind(chat.id.0)
                .bind(operator.0)
                .bind(req.rate)
                .bind(&req.note)
                .bind(emit.now)
                .execute(&mut *conn)
                .await?;
                if req.rate <= rules::NEGATIVE_RATING {
                    let payload = json!({"chatId": chat.id.0, "operatorId": operator.0, "rate": req.rate, "note": req.note});
                    let once = Some(rules::NOTICE_EVERY_MICROS);
                    emit_job(conn, emit, "mail.negative_rating", &chat.id.0.to_string(), &payload, once).await?;
                }
                let rating =
                    Rating { operator_id: operator, rating: req.rate, note: req.note.clone(), created_at: emit.now };
                emit.item(DeltaItem::upd("OPERATOR_RATE", chat.visit_session_id.as_str(), wire::rating(&rating)));
                emit.op(json!({"type": "chat_rated", "chatId": chat.id.0, "operatorId": operator.0, "rating": req.rate, "note": req.note}));
                Ok(())
            })
        })
        .await
    }

    async fn visitor_close(&self, v: &VisitorCtx) -> Result<Changes> {
        let v2 = v.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                let Some(mut chat) = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?
                else {
                    return Ok(());
                };
                let Some(next) = rules::visitor_close(chat.state) else {
                    return Ok(());
                };
                close_chat(conn, emit, &mut chat, next, texts::visitor_closed(&settings.default_lang), Closer::Visitor)
                    .await
            })
        })
        .await
    }

    async fn request_chat_history(&self, v: &VisitorCtx, email: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        let settings = load_settings(&mut tx).await?;
        if !settings.send_chat_history {
            return Err(DomainError::SettingDisabled.into());
        }
        let sql = format!("SELECT {CHAT_COLS} FROM chats WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1");
        let chat = sqlx::query(&sql).bind(v.visitor_id.as_str()).fetch_optional(&mut *tx).await?;
        let chat = chat.as_ref().map(chat_from).transpose()?.ok_or(DomainError::NoChat)?;
        let now = self.clock.now();
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'mail.chat_history' AND subject = $1 AND created_at > $2",
        )
        .bind(v.visitor_id.as_str())
        .bind(now - 3600 * 1_000_000)
        .fetch_one(&mut *tx)
        .await?;
        if recent >= rules::CHAT_HISTORY_PER_HOUR {
            return Err(DomainError::ChatHistorySentTooManyTimes.into());
        }
        let payload = json!({"email": email, "chatId": chat.id.0, "lang": settings.default_lang});
        queue_job(&mut tx, "mail.chat_history", v.visitor_id.as_str(), &payload, now, None).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_session_field(&self, v: &VisitorCtx, field: SessionField, value: &str) -> Result<()> {
        let (sql, key) = match field {
            SessionField::PushToken => {
                ("UPDATE visit_sessions SET push_token = $1 WHERE id = $2", v.visit_session_id.as_str())
            }
            SessionField::WidgetState => {
                ("UPDATE visit_sessions SET widget_state = $1 WHERE id = $2", v.visit_session_id.as_str())
            }
            SessionField::PrechatFields => {
                ("UPDATE visitors SET prechat_fields = $1 WHERE id = $2", v.visitor_id.as_str())
            }
        };
        sqlx::query(sql).bind(value).bind(key).execute(&self.writer).await?;
        Ok(())
    }

    async fn visit_page(&self, v: &VisitorCtx, page: &PageVisit) -> Result<Changes> {
        let v2 = v.clone();
        let page = page.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                // The chat first, as every other change locks it, then the session.
                let chat = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await?;
                let url = page.url;
                let before: Option<String> = sqlx::query_scalar("SELECT page_url FROM visit_sessions WHERE id = $1")
                    .bind(v2.visit_session_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                sqlx::query("UPDATE visit_sessions SET page_url = $1, referrer = COALESCE(referrer, $2) WHERE id = $3")
                    .bind(&url)
                    .bind(&page.referrer)
                    .bind(v2.visit_session_id.as_str())
                    .execute(&mut *conn)
                    .await?;
                record_page(conn, v2.visit_session_id.as_str(), &url, page.title.as_deref(), emit.now).await?;
                // Operators' visitors list follows the visitor from page to page.
                if before.as_deref() != Some(url.as_str()) {
                    if let Some(event) =
                        site_visitor_event(conn, "visitor_updated", &v2.visitor_id, &v2.visit_session_id, emit.now)
                            .await?
                    {
                        emit.op(event);
                    }
                }
                let Some(mut chat) = chat else {
                    return Ok(());
                };
                let priority = i64::from(settings.is_priority_page(&url));
                if chat.priority != priority {
                    chat.priority = priority;
                    save_chat(conn, &chat).await?;
                    chat_event(conn, emit, &chat).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn history(&self, visitor: &VisitorId, query: HistoryQuery) -> Result<HistoryPage> {
        let mut conn = self.read().await?;
        let current: i64 = sqlx::query_scalar("SELECT history_revision FROM visitors WHERE id = $1")
            .bind(visitor.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let cols = prefixed("m", MESSAGE_COLS);
        let from = "FROM messages m JOIN chats c ON c.id = m.chat_id JOIN visitors v ON v.id = c.visitor_id \
                    WHERE c.visitor_id = $1 AND c.id >= v.history_hidden_before AND m.kind <> 'for_operator'";
        let page = match query {
            HistoryQuery::Latest | HistoryQuery::Before(_) => {
                let before = match query {
                    HistoryQuery::Before(ts) => ts,
                    _ => i64::MAX,
                };
                let sql = format!(
                    "SELECT {cols} {from} AND m.deleted = FALSE AND m.created_at < $2 \
                     ORDER BY m.created_at DESC, m.id DESC LIMIT $3"
                );
                let rows = sqlx::query(&sql)
                    .bind(visitor.as_str())
                    .bind(before)
                    .bind(HISTORY_PAGE + 1)
                    .fetch_all(&mut *conn)
                    .await?;
                let has_more = rows.len() as i64 > HISTORY_PAGE;
                let mut messages: Vec<Message> =
                    rows.iter().take(HISTORY_PAGE as usize).map(message_from).collect::<Result<_>>()?;
                messages.reverse();
                HistoryPage { messages, has_more, revision: current }
            }
            HistoryQuery::Since(since) => {
                let sql = format!(
                    "SELECT {cols}, m.history_revision AS hr {from} AND m.history_revision > $2 \
                     ORDER BY m.history_revision LIMIT $3"
                );
                let rows = sqlx::query(&sql)
                    .bind(visitor.as_str())
                    .bind(since)
                    .bind(HISTORY_PAGE + 1)
                    .fetch_all(&mut *conn)
                    .await?;
                let has_more = rows.len() as i64 > HISTORY_PAGE;
                let taken = &rows[..rows.len().min(HISTORY_PAGE as usize)];
                let revision = match taken.last() {
                    Some(r) => r.try_get("hr")?,
                    None => since,
                };
                let messages = taken.iter().map(message_from).collect::<Result<_>>()?;
                HistoryPage { messages, has_more, revision }
            }
        };
        Ok(page)
    }

    async fn search_messages(&self, visitor: &VisitorId, text: &str, limit: i64) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {} FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.visitor_id = $1 \
             AND m.deleted = FALSE AND m.kind <> 'for_operator' AND LOWER(m.text) LIKE $2 \
             ORDER BY m.created_at DESC LIMIT $3",
            prefixed("m", MESSAGE_COLS)
        );
        let escaped = text.to_lowercase().replace(['\\', '%', '_'], "");
        let rows = sqlx::query(&sql)
            .bind(visitor.as_str())
            .bind(format!("%{escaped}%"))
            .bind(limit)
            .fetch_all(&self.reader)
            .await?;
        // SQLite's LOWER folds ASCII only; confirm case-insensitively here.
        let needle = text.to_lowercase();
        Ok(rows
            .iter()
            .map(message_from)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|m| m.text.to_lowercase().contains(&needle))
            .collect())
    }

    async fn outbox(&self, kind: &str, subject: &str) -> Result<Vec<OutboxRecord>> {
        let rows = sqlx::query(
            "SELECT id, kind, subject, payload, created_at FROM outbox WHERE kind = $1 AND subject = $2 ORDER BY id",
        )
        .bind(kind)
        .bind(subject)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRecord {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    subject: r.try_get("subject")?,
                    payload: json_col(r, "payload")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn store_upload(&self, v: &VisitorCtx, file: &NewFile, client_side_id: &str) -> Result<(FileGuid, Changes)> {
        let v2 = v.clone();
        let file = file.clone();
        let csid = client_side_id.to_owned();
        let stored = std::sync::Arc::new(std::sync::Mutex::new(file.guid.clone()));
        let stored2 = stored.clone();
        let changes = self
            .visitor_change(v, move |conn, emit, settings| {
                Box::pin(async move {
                    if !settings.visitor_upload_file {
                        return Err(DomainError::SettingDisabled.into());
                    }
                    if let Some(existing) = visitor_message_by_csid(conn, &v2.visitor_id, &csid).await? {
                        let guid: Option<String> =
                            sqlx::query_scalar("SELECT guid FROM files WHERE message_id = $1 ORDER BY guid LIMIT 1")
                                .bind(existing.id.as_str())
                                .fetch_optional(&mut *conn)
                                .await?;
                        let guid = guid.ok_or(DomainError::UploadedFileNotFound)?;
                        *stored2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? =
                            FileGuid::from_stored(guid);
                        return Ok(());
                    }
                    insert_file(conn, &file, &v2.visitor_id, None, emit.now).await?;
                    let mut chat = match load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await? {
                        Some(c) => c,
                        None => {
                            let department = choose_department(conn, &v2, &settings, None).await?.unwrap_or(None);
                            create_chat(conn, emit, &v2, &settings, NewChat { department, ..NewChat::default() })
                                .await?
                        }
                    };
                    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE chat_id = $1")
                        .bind(chat.id.0)
                        .fetch_one(&mut *conn)
                        .await?;
                    if count >= 100 {
                        return Err(StoreError::Domain(DomainError::MaxFilesCountPerChatExceeded));
                    }
                    let (text, data) = file_message_body(conn, emit, &v2, std::slice::from_ref(&file.guid)).await?;
                    let name = visitor_name(conn, &v2.visitor_id, &settings.default_lang).await?;
                    let m = NewMessage {
                        chat: &chat,
                        client_side_id: csid.clone(),
                        kind: MessageKind::FileVisitor,
                        text,
                        data,
                        author: None,
                        name,
                        quote: None,
                    };
                    let message = insert_message(conn, emit, m).await?;
                    attach_files(conn, std::slice::from_ref(&file.guid), &message).await?;
                    after_visitor_message(conn, emit, &mut chat, message.created_at).await?;
                    chat.unread_by_operator_since.get_or_insert(message.created_at);
                    save_chat(conn, &chat).await?;
                    Ok(())
                })
            })
            .await?;
        let guid = stored.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.clone();
        Ok((guid, changes))
    }

    async fn file(&self, guid: &FileGuid) -> Result<Option<FileRecord>> {
        let sql = format!("SELECT {FILE_COLS} FROM files WHERE guid = $1");
        let row = sqlx::query(&sql).bind(guid.as_str()).fetch_optional(&self.reader).await?;
        row.as_ref().map(file_from).transpose()
    }

    async fn withdraw_upload(&self, v: &VisitorCtx, guid: &FileGuid) -> Result<Changes> {
        let v2 = v.clone();
        let guid = guid.clone();
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                let sql = format!("SELECT {FILE_COLS} FROM files WHERE guid = $1");
                let row = sqlx::query(&sql).bind(guid.as_str()).fetch_optional(&mut *conn).await?;
                let file = row.as_ref().map(file_from).transpose()?.filter(|f| f.visitor_id == v2.visitor_id);
                let file = file.ok_or(DomainError::FileNotFound)?;
                let Some(message_id) = file.message_id else {
                    return Err(DomainError::FileHasBeenSent.into());
                };
                let mut message = load_message(conn, message_id.as_str()).await?.ok_or(DomainError::FileNotFound)?;
                let files_in_message: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE message_id = $1")
                    .bind(message_id.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                if files_in_message != 1 || message.read || message.deleted {
                    return Err(DomainError::FileHasBeenSent.into());
                }
                message.deleted = true;
                update_message(conn, emit, &mut message, &v2.visitor_id).await
            })
        })
        .await
    }

    async fn operator_chats(&self, viewer: &Operator, list: ChatList) -> Result<Vec<ChatSummary>> {
        let mut conn = self.read().await?;
        let settings = load_settings(&mut conn).await?;
        let privileged = viewer.role != OperatorRole::Operator;
        if list == ChatList::Others && settings.hide_others_chats && !privileged {
            return Err(DomainError::HiddenBySettings.into());
        }
        let filter = match list {
            ChatList::Waiting => "operator_id IS NULL AND state IN ('queue', 'offline_queue') AND $1 = $1",
            ChatList::Mine => {
                "operator_id = $1 AND state IN ('chatting', 'chatting_with_robot', 'closed_by_visitor', 'invitation')"
            }
            ChatList::Others => {
                "operator_id <> $1 AND state IN ('chatting', 'closed_by_visitor') \
                 AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = chats.operator_id)"
            }
            ChatList::Bots => "state = 'chatting_with_robot' AND $1 = $1",
        };
        let sql = format!("{} WHERE {filter} ORDER BY chats.priority DESC, chats.id LIMIT 5000", summary_select());
        let rows = sqlx::query(&sql).bind(viewer.id.0).fetch_all(&mut *conn).await?;
        let bots = bot_operator_ids(&mut conn).await?;
        // The SQL picks the list's chats; who may see each is the one rule's call.
        let visible = |chat: &Chat| {
            let bot = chat.operator_id.is_some_and(|h| bots.contains(&h));
            beseda_core::visibility::may_see(viewer, &settings, &ChatScope::of(chat, bot))
        };
        summaries_from(&mut conn, &settings, &rows, visible, None).await
    }

    async fn chat_summary(&self, id: ChatId) -> Result<Option<ChatSummary>> {
        let mut conn = self.read().await?;
        let settings = load_settings(&mut conn).await?;
        chat_summary(&mut conn, &settings, id, None).await
    }

    async fn visitor_context(&self, visitor: &VisitorId, except: ChatId, limit: i64) -> Result<VisitorContext> {
        self.read_visitor_context(visitor, except, limit).await
    }

    async fn chat(&self, id: ChatId) -> Result<Option<ChatDetail>> {
        let mut conn = self.read().await?;
        let Some(chat) = load_chat(&mut conn, id, false).await? else { return Ok(None) };
        Ok(Some(load_chat_detail(&mut conn, chat).await?))
    }

    async fn chats_since(&self, since: i64, limit: i64) -> Result<Vec<(i64, ChatDetail)>> {
        self.export_chats(since, limit).await
    }

    async fn take_chat(&self, op: OperatorId, id: ChatId) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                if chat.operator_id == Some(operator.id) && chat.state.is_active() {
                    return Ok(());
                }
                if !chat.state.is_waiting() && chat.state != ChatState::ChattingWithRobot {
                    return Err(
                        if chat.state.is_final() { DomainError::ChatClosed } else { DomainError::ChatTaken }.into()
                    );
                }
                assign_if_waiting(conn, emit, &mut chat, &operator).await
            })
        })
        .await
    }

    async fn operator_message(
        &self,
        op: OperatorId,
        id: ChatId,
        msg: &OperatorMessage,
    ) -> Result<(MessageId, Changes)> {
        let msg = msg.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let changes = self
            .operator_change(op, id, move |conn, emit, operator, mut chat| {
                Box::pin(async move {
                    let id = operator_send(conn, emit, &operator, &mut chat, &msg).await?;
                    *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(id);
                    Ok(())
                })
            })
            .await?;
        let id = out.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.take().ok_or(StoreError::NotFound)?;
        Ok((id, changes))
    }

    async fn operator_file(&self, op: OperatorId, id: ChatId, file: &NewFile) -> Result<(MessageId, Changes)> {
        let file = file.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let changes = self
            .operator_change(op, id, move |conn, emit, operator, mut chat| {
                Box::pin(async move {
                    assign_if_waiting(conn, emit, &mut chat, &operator).await?;
                    let bot = is_bot(conn, operator.id).await?;
                    if chat.state.is_half_closed() {
                        chat.state = if bot { ChatState::ChattingWithRobot } else { ChatState::Chatting };
                        chat_state_changed(conn, emit, &chat).await?;
                    }
                    after_operator_message(conn, emit, &mut chat, bot).await?;
                    stop_operator_typing(emit, &mut chat);
                    let id = operator_send_file(conn, emit, &operator, &mut chat, &file).await?;
                    *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(id);
                    Ok(())
                })
            })
            .await?;
        let id = out.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.take().ok_or(StoreError::NotFound)?;
        Ok((id, changes))
    }

    async fn operator_note(&self, op: OperatorId, id: ChatId, text: &str) -> Result<(MessageId, Changes)> {
        let text = text.to_owned();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out2 = out.clone();
        let changes = self
            .operator_change(op, id, move |conn, emit, operator, chat| {
                Box::pin(async move {
                    rules::validate_text(&text, &emit.settings)?;
                    let m = NewMessage {
                        chat: &chat,
                        client_side_id: hex_id(),
                        kind: MessageKind::ForOperator,
                        text,
                        data: None,
                        author: Some(&operator),
                        name: operator.name.clone(),
                        quote: None,
                    };
                    let note = insert_message(conn, emit, m).await?;
                    *out2.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))? = Some(note.id);
                    Ok(())
                })
            })
            .await?;
        let id = out.lock().map_err(|_| StoreError::Corrupt("poisoned".into()))?.take().ok_or(StoreError::NotFound)?;
        Ok((id, changes))
    }

    async fn operator_typing(&self, op: OperatorId, id: ChatId, typing: bool) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                if chat.operator_id != Some(operator.id) {
                    return Err(DomainError::ChatTaken.into());
                }
                if chat.operator_typing == typing {
                    return Ok(());
                }
                chat.operator_typing = typing;
                save_chat(conn, &chat).await?;
                emit.item(DeltaItem::upd("CHAT_OPERATOR_TYPING", chat.visit_session_id.as_str(), json!(typing)));
                Ok(())
            })
        })
        .await
    }

    async fn teleport(&self, op: OperatorId, id: ChatId, url: &str) -> Result<Changes> {
        let url = url.to_owned();
        self.operator_change(op, id, move |_conn, emit, operator, chat| {
            Box::pin(async move {
                if !emit.settings.teleport {
                    return Err(DomainError::SettingDisabled.into());
                }
                if chat.operator_id != Some(operator.id) {
                    return Err(DomainError::ChatTaken.into());
                }
                if chat.state.is_final() {
                    return Err(DomainError::ChatClosed.into());
                }
                // Beseda's widget extension: the page goes to `url`.
                emit.item(DeltaItem::upd("TELEPORT", chat.visit_session_id.as_str(), json!({"url": url})));
                Ok(())
            })
        })
        .await
    }

    async fn operator_read(&self, op: OperatorId, id: ChatId) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                // Only the chat's operator reads for the visitor to see.
                if chat.operator_id != Some(operator.id) {
                    return Err(DomainError::ChatTaken.into());
                }
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT id FROM messages WHERE chat_id = $1 AND is_read = FALSE AND kind IN \
                     ('visitor', 'file_visitor', 'keyboard_response', 'sticker_visitor', 'contacts') ORDER BY created_at",
                )
                .bind(chat.id.0)
                .fetch_all(&mut *conn)
                .await?;
                if ids.is_empty() && chat.unread_by_operator_since.is_none() {
                    return Ok(());
                }
                sqlx::query("UPDATE messages SET is_read = TRUE WHERE chat_id = $1 AND kind IN \
                     ('visitor', 'file_visitor', 'keyboard_response', 'sticker_visitor', 'contacts')")
                    .bind(chat.id.0)
                    .execute(&mut *conn)
                    .await?;
                for id in &ids {
                    emit.item(DeltaItem::upd("MESSAGE_READ", id, json!(true)));
                }
                chat.unread_by_operator_since = None;
                save_chat(conn, &chat).await?;
                emit.item(DeltaItem::upd("CHAT_UNREAD_BY_OPERATOR_SINCE_TS", chat.visit_session_id.as_str(), Value::Null));
                chat_event(conn, emit, &chat).await
            })
        })
        .await
    }

    async fn operator_close(&self, op: OperatorId, id: ChatId) -> Result<Changes> {
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move { operator_close_chat(conn, emit, &operator, &mut chat).await })
        })
        .await
    }

    async fn operator_events(&self, after: i64, limit: i64) -> Result<Vec<OperatorEvent>> {
        let rows =
            sqlx::query("SELECT seq, created_at, event FROM operator_events WHERE seq > $1 ORDER BY seq LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(&self.reader)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(OperatorEvent {
                    seq: r.try_get("seq")?,
                    created_at: r.try_get("created_at")?,
                    event: json_col(r, "event")?,
                })
            })
            .collect()
    }

    async fn last_operator_event(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT value FROM counters WHERE name = 'operator_events'")
            .fetch_one(&self.reader)
            .await?)
    }

    async fn redirect(&self, op: OperatorId, id: ChatId, to: &Redirect) -> Result<Changes> {
        let to = to.clone();
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move { redirect_chat(conn, emit, &mut chat, &operator, &to).await })
        })
        .await
    }

    async fn set_category(
        &self,
        op: OperatorId,
        id: ChatId,
        category: &str,
        subcategory: Option<&str>,
    ) -> Result<Changes> {
        let (category, subcategory) = (category.to_owned(), subcategory.map(str::to_owned));
        self.operator_change(op, id, move |conn, emit, operator, mut chat| {
            Box::pin(async move {
                may_change(&operator, &chat)?;
                if !route::valid_category(&emit.settings.categories, &category, subcategory.as_deref()) {
                    return Err(DomainError::WrongCategory.into());
                }
                chat.category = Some(category);
                chat.subcategory = subcategory;
                save_chat(conn, &chat).await?;
                chat_event(conn, emit, &chat).await
            })
        })
        .await
    }

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
        sqlx::query(
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
        let row = sqlx::query(&sql).bind(token).fetch_optional(&self.reader).await?;
        row.as_ref().map(bot_from).transpose()
    }

    async fn bots(&self) -> Result<Vec<BotRecord>> {
        let sql =
            format!("SELECT {BOT_COLS} FROM bots b JOIN operators o ON o.id = b.operator_id ORDER BY b.operator_id");
        let rows = sqlx::query(&sql).fetch_all(&self.reader).await?;
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
        let row = sqlx::query("SELECT visitor_id, location FROM visit_sessions WHERE id = $1")
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
            let text = texts::operator_joined(&settings.default_lang, &operator.name);
            assign_to(&mut tx, &mut emit, &mut chat, &operator, Assignment::Bot, text).await?;
        }
        if let Some(hours) = timeout_hours {
            sqlx::query("UPDATE chats SET conversation_timeout_hours = $1 WHERE id = $2")
                .bind(hours)
                .bind(chat.id.0)
                .execute(&mut *tx)
                .await?;
        }
        operator_send(&mut tx, &mut emit, &operator, &mut chat, msg).await?;
        let changes = emit.finish(&mut tx).await?;
        tx.commit().await?;
        Ok((chat.id, changes))
    }

    async fn save_channel(&self, config: &ChannelConfig) -> Result<ChannelRecord> {
        let mut tx = self.begin().await?;
        let existing = match &config.key {
            Some(k) => Some(load_channel(&mut tx, k).await?.ok_or(StoreError::NotFound)?),
            None => None,
        };
        let key = existing.as_ref().map_or_else(|| hex_id()[..16].to_owned(), |c| c.key.clone());
        let secret = match &existing {
            Some(c) if !config.rotate_secret => c.secret.clone(),
            _ => new_bot_token(),
        };
        let known = load_departments(&mut tx).await?;
        let wanted = config.allowed_departments.iter().chain(config.default_department.iter());
        if wanted.clone().any(|d| !known.iter().any(|k| &k.key == d)) {
            return Err(DomainError::WrongArgumentValue("departmentKey").into());
        }
        sqlx::query(
            "INSERT INTO custom_channels (key, title, secret, callback_url, department_mode, default_department, \
             allowed_departments, created_at, side, operator_id, kind, config) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (key) DO UPDATE SET title = excluded.title, secret = excluded.secret, \
             callback_url = excluded.callback_url, department_mode = excluded.department_mode, \
             default_department = excluded.default_department, allowed_departments = excluded.allowed_departments, \
             side = excluded.side, operator_id = excluded.operator_id, kind = excluded.kind, config = excluded.config",
        )
        .bind(&key)
        .bind(&config.title)
        .bind(&secret)
        .bind(&config.callback_url)
        .bind(&config.department_mode)
        .bind(&config.default_department)
        .bind(to_json(&config.allowed_departments)?)
        .bind(self.clock.now())
        .bind(&config.side)
        .bind(config.operator_id.map(|o| o.0))
        .bind(&config.kind)
        .bind(to_json(&config.config)?)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from_db)?;
        // Bot side: the channel's operator account is routed like a bot's (bot-api.md §2).
        if let (Some(op), "bot") = (config.operator_id, config.side.as_str()) {
            if load_operator(&mut tx, op).await?.is_none() {
                return Err(DomainError::WrongOperatorId.into());
            }
            sqlx::query(
                "INSERT INTO bots (operator_id, sort_order, created_at, api_version, webhook_url, token, reply_timeout_secs) \
                 VALUES ($1, $2, $3, $4, $5, NULL, 0) ON CONFLICT (operator_id) DO UPDATE SET sort_order = excluded.sort_order, \
                 api_version = excluded.api_version, webhook_url = excluded.webhook_url",
            )
            .bind(op.0)
            .bind(config.sort_order)
            .bind(self.clock.now())
            .bind(CHANNEL_BOT_API)
            .bind(&config.callback_url)
            .execute(&mut *tx)
            .await?;
        }
        // The channel's placement: its chats route like any other.
        let obligatory = config.department_mode == "obligatory";
        sqlx::query(
            "INSERT INTO placements (key, title, department_keys, default_department) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO UPDATE SET title = excluded.title, department_keys = excluded.department_keys, \
             default_department = excluded.default_department",
        )
        .bind(&key)
        .bind(&config.title)
        .bind(to_json(&if obligatory { config.allowed_departments.clone() } else { Vec::new() })?)
        .bind(if obligatory { None } else { config.default_department.clone() })
        .execute(&mut *tx)
        .await?;
        let record = load_channel(&mut tx, &key).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(record)
    }

    async fn channel(&self, key: &str) -> Result<Option<ChannelRecord>> {
        load_channel(&mut *self.read().await?, key).await
    }

    async fn save_visitor_token(&self, token: &str, visitor: &ProvidedVisitor) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO visitor_tokens (token, fields, registered_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token) DO UPDATE SET fields = excluded.fields, registered_at = excluded.registered_at",
        )
        .bind(token)
        .bind(to_json(&visitor.fields)?)
        .bind(self.clock.now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn visitor_token(&self, token: &str, since: i64) -> Result<Option<ProvidedVisitor>> {
        let row = sqlx::query("SELECT fields FROM visitor_tokens WHERE token = $1 AND registered_at >= $2")
            .bind(token)
            .bind(since)
            .fetch_optional(&self.reader)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let fields: BTreeMap<String, String> = json_col(&row, "fields")?;
        let id = fields.get("id").cloned().unwrap_or_default();
        Ok(Some(ProvidedVisitor { id, fields }))
    }

    async fn channels(&self) -> Result<Vec<ChannelRecord>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM custom_channels ORDER BY key");
        let rows = sqlx::query(&sql).fetch_all(&self.reader).await?;
        rows.iter().map(channel_from).collect()
    }

    async fn channel_visitor(&self, key: &str, external_id: &str, fields: Option<&Value>) -> Result<VisitorCtx> {
        let mut tx = self.begin().await?;
        let channel = load_channel(&mut tx, key).await?.ok_or(StoreError::NotFound)?;
        let ctx = channel_visitor(&mut tx, &channel, external_id, fields, self.clock.now()).await?;
        tx.commit().await?;
        Ok(ctx)
    }

    async fn channel_chat_visitor(&self, key: &str, chat_client_side_id: &str) -> Result<Option<VisitorCtx>> {
        let row = sqlx::query(
            "SELECT visitor_id, visit_session_id FROM chats WHERE channel_key = $1 AND client_side_id = $2 \
             AND state <> 'closed' ORDER BY id DESC LIMIT 1",
        )
        .bind(key)
        .bind(chat_client_side_id)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| {
            Ok(VisitorCtx {
                visitor_id: VisitorId::from_stored(r.try_get("visitor_id")?),
                visit_session_id: VisitSessionId::from_stored(r.try_get("visit_session_id")?),
                location: key.to_owned(),
            })
        })
        .transpose()
    }

    async fn chat_by_client_side_id(&self, client_side_id: &str) -> Result<Option<ChatId>> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM chats WHERE client_side_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(client_side_id)
                .fetch_optional(&self.reader)
                .await?;
        Ok(id.map(ChatId))
    }

    async fn message_id_by_client_side_id(
        &self,
        visitor: &VisitorId,
        client_side_id: &str,
    ) -> Result<Option<MessageId>> {
        Ok(visitor_message_by_csid(&mut *self.read().await?, visitor, client_side_id).await?.map(|m| m.id))
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

    async fn claim_outbox(&self, kind: &str, limit: i64, lease_micros: i64) -> Result<Vec<OutboxClaim>> {
        let now = self.clock.now();
        let heads = sqlx::query(
            "SELECT o.id, o.subject, o.payload, o.attempts FROM outbox o WHERE o.kind = $1 AND o.done_at IS NULL \
             AND o.due_at <= $2 AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.kind = $1 \
             AND p.subject = o.subject AND p.done_at IS NULL) ORDER BY o.id LIMIT $3",
        )
        .bind(kind)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        let mut claimed = Vec::with_capacity(heads.len());
        for row in &heads {
            let id: i64 = row.try_get("id")?;
            // The claim: only one node moves the lease forward.
            let done = sqlx::query("UPDATE outbox SET due_at = $1 WHERE id = $2 AND due_at <= $3 AND done_at IS NULL")
                .bind(now + lease_micros)
                .bind(id)
                .bind(now)
                .execute(&self.writer)
                .await?;
            if done.rows_affected() == 0 {
                continue;
            }
            claimed.push(OutboxClaim {
                id,
                subject: row.try_get("subject")?,
                payload: json_col(row, "payload")?,
                attempts: row.try_get("attempts")?,
            });
        }
        Ok(claimed)
    }

    async fn queue_webhooks(&self, outbox_id: i64, calls: &[NewWebhook]) -> Result<()> {
        self.queue_webhook_calls(outbox_id, calls).await
    }

    async fn claim_webhooks(&self, limit: i64, lease_micros: i64) -> Result<Vec<WebhookDelivery>> {
        self.claim_webhook_calls(limit, lease_micros).await
    }

    async fn webhook_attempted(&self, id: i64, outcome: &WebhookOutcome) -> Result<()> {
        self.record_webhook_attempt(id, outcome).await
    }

    async fn webhook_deliveries(&self, status: Option<&str>, limit: i64) -> Result<Vec<WebhookDelivery>> {
        self.list_webhook_calls(status, limit).await
    }

    async fn resend_webhook(&self, id: i64) -> Result<bool> {
        self.resend_webhook_call(id).await
    }

    async fn queue_daily_report(&self, day: &str, from: i64, to: i64) -> Result<bool> {
        self.queue_day_report(day, from, to).await
    }

    async fn day_report(&self, from: i64, to: i64) -> Result<DayReport> {
        self.load_day_report(from, to).await
    }

    async fn start_export(&self, kind: &str) -> Result<ExportJob> {
        self.begin_export(kind).await
    }

    async fn export_job(&self, kind: &str) -> Result<Option<ExportJob>> {
        self.latest_export(kind).await
    }

    async fn add_audit(&self, entry: &NewAuditEntry) -> Result<i64> {
        self.insert_audit(entry).await
    }

    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        self.select_audit(query).await
    }

    async fn export_job_by_id(&self, id: i64) -> Result<Option<ExportJob>> {
        self.export_by_id(id).await
    }

    async fn export_progress(&self, id: i64, done: i64, cursor: &str, state: &str, error: Option<&str>) -> Result<()> {
        self.record_export(id, done, cursor, state, error).await
    }

    async fn contact_visitors(&self, after: &str, limit: i64) -> Result<Vec<Visitor>> {
        self.load_contact_visitors(after, limit).await
    }

    async fn channel_event_failed(&self, outbox_id: i64, reason: &str) -> Result<Changes> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT subject, payload FROM outbox WHERE id = $1")
            .bind(outbox_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("UPDATE outbox SET done_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3")
            .bind(now)
            .bind(reason)
            .bind(outbox_id)
            .execute(&mut *tx)
            .await?;
        let payload: Value = json_col(&row, "payload")?;
        let mut changes = Changes::default();
        if let Some(message) = payload.pointer("/body/message/id").and_then(Value::as_str) {
            sqlx::query("UPDATE messages SET delivery_failed = TRUE WHERE id = $1")
                .bind(message)
                .execute(&mut *tx)
                .await?;
            let subject: String = row.try_get("subject")?;
            let event = json!({"type": "message_not_delivered", "chatId": subject.parse::<i64>().unwrap_or(0),
                "messageId": message, "reason": reason});
            changes.operator_seq = Some(append_operator_event(&mut tx, &event, now).await?);
        }
        tx.commit().await?;
        Ok(changes)
    }

    async fn outbox_done(&self, outbox_id: i64, error: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE outbox SET done_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3")
            .bind(self.clock.now())
            .bind(error)
            .bind(outbox_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn bot_event_delivered(&self, outbox_id: i64) -> Result<()> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE outbox SET done_at = $1, attempts = attempts + 1 WHERE id = $2")
            .bind(now)
            .bind(outbox_id)
            .execute(&mut *tx)
            .await?;
        // Reply timeout (bot-api.md §4.4): the bot must act within N seconds of a delivered event.
        let row = sqlx::query("SELECT subject, payload FROM outbox WHERE id = $1")
            .bind(outbox_id)
            .fetch_one(&mut *tx)
            .await?;
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

    async fn outbox_retry(&self, outbox_id: i64, delay_micros: i64, error: &str) -> Result<()> {
        sqlx::query("UPDATE outbox SET due_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3")
            .bind(self.clock.now() + delay_micros)
            .bind(error)
            .bind(outbox_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn bot_event_failed(&self, outbox_id: i64, reason: &str) -> Result<Changes> {
        let row = sqlx::query("SELECT subject, payload FROM outbox WHERE id = $1")
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

    async fn set_operator_profile(
        &self,
        id: OperatorId,
        departments: &[String],
        languages: &[String],
        max_chats: Option<i64>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE operators SET languages = $1, max_chats = $2 WHERE id = $3")
            .bind(to_json(&languages)?)
            .bind(max_chats)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM operator_departments WHERE operator_id = $1").bind(id.0).execute(&mut *tx).await?;
        for key in departments {
            sqlx::query("INSERT INTO operator_departments (operator_id, department_key) VALUES ($1, $2)")
                .bind(id.0)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(|_| StoreError::Domain(DomainError::WrongArgumentValue("department")))?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_operator_card(&self, id: OperatorId, card: &OperatorCard) -> Result<Operator> {
        self.update_operator_card(id, card).await
    }

    async fn operator_photo(&self, id: OperatorId) -> Result<Option<String>> {
        self.load_operator_photo(id).await
    }

    async fn placements(&self) -> Result<Vec<Placement>> {
        self.list_placements().await
    }

    async fn templates(&self, viewer: Option<&Operator>) -> Result<Vec<Template>> {
        self.list_templates(viewer).await
    }

    async fn save_template(&self, t: &Template) -> Result<Template> {
        self.store_template(t).await
    }

    async fn delete_template(&self, id: i64, owner: Option<&TemplateOwner>) -> Result<bool> {
        self.remove_template(id, owner).await
    }

    async fn assign_waiting(&self, limit: i64) -> Result<Changes> {
        let mut changes = Changes::default();
        let settings = self.settings().await?;
        if !settings.auto_assignment {
            return Ok(changes);
        }
        // Oldest first, priority pages ahead, online requests before offline ones. Each chat is
        // assigned in its own short transaction, which locks that chat and one operator.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM chats WHERE operator_id IS NULL AND state IN ('queue', 'offline_queue') \
             ORDER BY priority DESC, offline, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        for id in ids {
            let room: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM operators o WHERE o.status = 'online' AND o.open_chats < COALESCE(o.max_chats, $1) \
                 AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = o.id)",
            )
            .bind(i64::from(settings.max_chats_per_operator))
            .fetch_one(&self.reader)
            .await?;
            if room == 0 {
                break;
            }
            let mut tx = self.begin().await?;
            let sql = locked_skip(format!(
                "SELECT {CHAT_COLS} FROM chats WHERE id = $1 AND operator_id IS NULL AND state IN ('queue', 'offline_queue')"
            ));
            let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else { continue };
            let mut chat = chat_from(&row)?;
            let mut emit = Emit::new(&chat.visitor_id, settings.clone(), self.clock.now());
            if auto_assign(&mut tx, &mut emit, &mut chat, None).await? {
                changes.merge(emit.finish(&mut tx).await?);
                tx.commit().await?;
            }
        }
        Ok(changes)
    }

    async fn fire_due_timers(&self, limit: i64) -> Result<Changes> {
        let now = self.clock.now();
        let due = sqlx::query("SELECT kind, chat_id FROM timers WHERE due_at <= $1 ORDER BY due_at, chat_id LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(&self.reader)
            .await?;
        let mut changes = Changes::default();
        if due.is_empty() {
            return Ok(changes);
        }
        let settings = self.settings().await?;
        for row in &due {
            let kind: String = row.try_get("kind")?;
            let chat_id = ChatId(row.try_get("chat_id")?);
            // One short transaction per timer. Deleting the row is the claim: whoever deletes
            // it fires it; a concurrent scheduler finds nothing to delete.
            let mut tx = self.begin().await?;
            // The chat first, as every other change locks it, then the timer row.
            let Some(mut chat) = load_chat(&mut tx, chat_id, true).await? else { continue };
            let claimed = sqlx::query("DELETE FROM timers WHERE kind = $1 AND chat_id = $2 AND due_at <= $3")
                .bind(&kind)
                .bind(chat_id.0)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            if claimed.rows_affected() == 0 {
                continue;
            }
            let mut emit = Emit::new(&chat.visitor_id, settings.clone(), now);
            fire_timer(&mut tx, &mut emit, &kind, &mut chat).await?;
            changes.merge(emit.finish(&mut tx).await?);
            tx.commit().await?;
        }
        Ok(changes)
    }

    async fn next_timer_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MIN(due_at) FROM timers").fetch_one(&self.reader).await?)
    }

    async fn queue_counts(&self) -> Result<(i64, i64)> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n FROM chats WHERE operator_id IS NULL AND state IN ('queue', 'offline_queue') \
             GROUP BY state",
        )
        .fetch_all(&self.reader)
        .await?;
        let (mut online, mut offline) = (0, 0);
        for r in &rows {
            let n: i64 = r.try_get("n")?;
            match r.try_get::<String, _>("state")?.as_str() {
                "queue" => online = n,
                _ => offline = n,
            }
        }
        Ok((online, offline))
    }

    async fn outcome_counts(&self) -> Result<OutcomeCounts> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered, \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'missed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS missed, \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'refusal' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refusals, \
             CAST(COALESCE(SUM(busy_messages), 0) AS BIGINT) AS busy FROM chats",
        )
        .fetch_one(&self.reader)
        .await?;
        Ok(OutcomeCounts {
            answered: row.try_get("answered")?,
            missed: row.try_get("missed")?,
            refusals: row.try_get("refusals")?,
            busy_messages: row.try_get("busy")?,
        })
    }

    async fn history_chats(&self, filter: &HistoryFilter) -> Result<Vec<(Chat, bool)>> {
        self.select_history_chats(filter).await
    }

    async fn visible_texts(&self, chats: &[ChatId]) -> Result<Vec<(ChatId, String)>> {
        self.select_visible_texts(chats).await
    }

    async fn chat_facts(&self, from: i64, to: i64) -> Result<Vec<ChatFact>> {
        self.load_chat_facts(from, to).await
    }

    fn group_commit_counts(&self) -> Option<(u64, u64)> {
        self.group.as_ref().map(|g| g.counts.read())
    }

    fn group_commit_stats(&self) -> Option<CommitStats> {
        self.group.as_ref().map(|g| g.counts.stats())
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        self.pools_in_use()
    }

    async fn outbox_backlog(&self) -> Result<Vec<(String, i64)>> {
        self.count_backlog().await
    }

    async fn vapid_key(&self, generated: &VapidKey) -> Result<VapidKey> {
        self.load_or_store_vapid_key(generated).await
    }

    async fn save_push_subscription(
        &self,
        operator: OperatorId,
        sub: &NewPushSubscription,
        keep: i64,
    ) -> Result<PushSubscription> {
        self.store_push_subscription(operator, sub, keep).await
    }

    async fn delete_push_subscriptions(&self, operator: OperatorId, endpoint: Option<&str>) -> Result<u64> {
        self.remove_push_subscriptions(operator, endpoint).await
    }

    async fn push_subscriptions(&self, operator: OperatorId) -> Result<Vec<PushSubscription>> {
        self.list_push_subscriptions(operator).await
    }

    async fn push_subscription(&self, id: i64) -> Result<Option<PushSubscription>> {
        self.load_push_subscription(id).await
    }

    async fn drop_push_subscription(&self, id: i64) -> Result<()> {
        self.forget_push_subscription(id).await
    }

    fn clock(&self) -> std::sync::Arc<dyn beseda_core::time::Clock> {
        self.clock.clone()
    }

    async fn site_visitors(&self, seen_after: i64) -> Result<Vec<beseda_core::model::SiteVisitor>> {
        self.select_site_visitors(None, seen_after).await
    }

    async fn site_visitor(
        &self,
        visitor: &VisitorId,
        seen_after: i64,
    ) -> Result<Option<beseda_core::model::SiteVisitor>> {
        Ok(self.select_site_visitors(Some(visitor), seen_after).await?.into_iter().next())
    }

    async fn sweep_departed(&self, seen_before: i64) -> Result<Changes> {
        self.sweep_departed_sessions(seen_before).await
    }

    async fn invite_visitor(
        &self,
        op: OperatorId,
        visitor: &VisitorId,
        text: &str,
        seen_after: i64,
    ) -> Result<Changes> {
        self.invite(op, visitor, text, seen_after).await
    }

    async fn block_visitor(&self, block: &NewBlock) -> Result<(beseda_core::model::VisitorBlock, Changes)> {
        self.add_block(block).await
    }

    async fn visitor_blocks(
        &self,
        active_at: Option<i64>,
        limit: i64,
    ) -> Result<Vec<beseda_core::model::VisitorBlock>> {
        self.select_blocks(active_at, limit).await
    }

    async fn lift_block(&self, id: i64, by: OperatorId) -> Result<Option<beseda_core::model::VisitorBlock>> {
        self.lift(id, by).await
    }

    async fn prune_session_events(&self, keep_items: i64, keep_micros: i64) -> Result<u64> {
        let cutoff = self.clock.now() - keep_micros;
        let mut tx = self.begin().await?;
        // Every node runs this job; one at a time does the work, the others skip this round.
        let ours: bool = sqlx::query_scalar(job_lock!()).bind(crate::PRUNE_JOB_LOCK).fetch_one(&mut *tx).await?;
        if !ours {
            tx.commit().await?;
            return Ok(0);
        }
        let done = sqlx::query(
            "DELETE FROM session_events WHERE created_at < $1 AND revision <= \
             (SELECT s.revision - $2 FROM visit_sessions s WHERE s.id = session_events.visit_session_id)",
        )
        .bind(cutoff)
        .bind(keep_items)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}

/// The quote block for a reply, or the quote error (visitor-api.md §12.3).
async fn resolve_quote(conn: &mut Conn, v: &VisitorCtx, settings: &OrgSettings, id: &str) -> Result<Value> {
    if !settings.web_and_mobile_quoting {
        return Err(DomainError::NotAllowed.into());
    }
    if id.is_empty() {
        return Err(DomainError::RequiredQuoteArgsMissing.into());
    }
    if id.len() > 64 {
        return Err(DomainError::CorruptedQuotedMessageId.into());
    }
    let quoted = load_message(conn, id).await?.filter(|m| !m.deleted).ok_or(DomainError::QuotedMessageNotFound)?;
    let chat = load_chat(conn, quoted.chat_id, false).await?.ok_or(DomainError::QuotedMessageNotFound)?;
    if chat.visitor_id != v.visitor_id {
        return Err(DomainError::QuotingMessageFromAnotherVisitor.into());
    }
    if !matches!(
        quoted.kind,
        MessageKind::Visitor | MessageKind::Operator | MessageKind::FileVisitor | MessageKind::FileOperator
    ) {
        return Err(DomainError::QuotingMessageThatCannotBeReplied.into());
    }
    Ok(wire::quote_of(&quoted))
}

/// Text and data of a message carrying uploaded files; single-file messages the upload created
/// for them are removed.
async fn file_message_body(
    conn: &mut Conn,
    emit: &mut Emit,
    v: &VisitorCtx,
    guids: &[FileGuid],
) -> Result<(String, Option<Value>)> {
    let mut descriptors = Vec::with_capacity(guids.len());
    for guid in guids {
        let sql = format!("SELECT {FILE_COLS} FROM files WHERE guid = $1");
        let row = sqlx::query(&sql).bind(guid.as_str()).fetch_optional(&mut *conn).await?;
        let file = row.as_ref().map(file_from).transpose()?.filter(|f| f.visitor_id == v.visitor_id);
        let file = file.ok_or(DomainError::UploadedFileNotFound)?;
        if let Some(mid) = &file.message_id {
            if let Some(mut single) = load_message(conn, mid.as_str()).await?.filter(|m| !m.deleted) {
                single.deleted = true;
                update_message(conn, emit, &mut single, &v.visitor_id).await?;
            }
        }
        descriptors.push(file.descriptor());
    }
    let first = descriptors.first().cloned().unwrap_or(Value::Null);
    let text = if descriptors.len() == 1 { to_json(&first)? } else { to_json(&descriptors)? };
    Ok((text, Some(json!({"file": {"state": "ready", "desc": first, "progress": 100}}))))
}

async fn attach_files(conn: &mut Conn, guids: &[FileGuid], message: &Message) -> Result<()> {
    for guid in guids {
        sqlx::query("UPDATE files SET chat_id = $1, message_id = $2 WHERE guid = $3")
            .bind(message.chat_id.0)
            .bind(message.id.as_str())
            .bind(guid.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// An operator (or a bot through its account) writes in a chat: idempotent by client-side id;
/// a waiting chat is taken; a keyboard cancels the chat's previous pending one.
async fn operator_send(
    conn: &mut Conn,
    emit: &mut Emit,
    operator: &Operator,
    chat: &mut Chat,
    msg: &OperatorMessage,
) -> Result<MessageId> {
    let existing =
        sqlx::query_scalar::<_, String>("SELECT id FROM messages WHERE chat_id = $1 AND client_side_id = $2")
            .bind(chat.id.0)
            .bind(&msg.client_side_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(existing) = existing {
        return Ok(MessageId::from_stored(existing));
    }
    let (kind, data) = match &msg.keyboard {
        Some(buttons) => (MessageKind::Keyboard, Some(json!({"buttons": buttons, "state": "pending"}))),
        None => {
            rules::validate_text(&msg.text, &emit.settings)?;
            (MessageKind::Operator, msg.markdown.then(|| json!({"markdown": msg.text})))
        }
    };
    let text = match (kind, msg.markdown) {
        (MessageKind::Keyboard, _) => String::new(),
        (_, true) => beseda_core::markdown::to_plain(&msg.text, true),
        _ => msg.text.clone(),
    };
    assign_if_waiting(conn, emit, chat, operator).await?;
    let bot = is_bot(conn, operator.id).await?;
    if chat.state.is_half_closed() {
        chat.state = if bot { ChatState::ChattingWithRobot } else { ChatState::Chatting };
        chat_state_changed(conn, emit, chat).await?;
    }
    if kind == MessageKind::Keyboard {
        cancel_pending_keyboards(conn, emit, chat).await?;
    }
    let m = NewMessage {
        chat,
        client_side_id: msg.client_side_id.clone(),
        kind,
        text,
        data,
        author: Some(operator),
        name: operator.name.clone(),
        quote: None,
    };
    let message = insert_message(conn, emit, m).await?;
    after_operator_message(conn, emit, chat, bot).await?;
    chat.unread_by_visitor_count += 1;
    chat.unread_by_visitor_since.get_or_insert(message.created_at);
    chat.read_by_visitor = false;
    stop_operator_typing(emit, chat);
    chat.modified_at = emit.now;
    save_chat(conn, chat).await?;
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::upd("UNREAD_BY_VISITOR", &sid, wire::unread_by_visitor(chat)));
    emit.item(DeltaItem::upd("CHAT_READ_BY_VISITOR", &sid, json!(false)));
    Ok(message.id)
}

/// Pending keyboards of the chat become `canceled` (a newer keyboard, or the bot let go).
pub(super) async fn cancel_pending_keyboards(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    let sql =
        format!("SELECT {MESSAGE_COLS} FROM messages WHERE chat_id = $1 AND kind = 'keyboard' AND deleted = FALSE");
    let rows = sqlx::query(&sql).bind(chat.id.0).fetch_all(&mut *conn).await?;
    for row in &rows {
        let mut m = message_from(row)?;
        let pending = m.data.as_ref().and_then(|d| d.get("state")).and_then(Value::as_str) == Some("pending");
        if pending {
            if let Some(data) = m.data.as_mut() {
                data["state"] = json!("canceled");
            }
            update_message(conn, emit, &mut m, &chat.visitor_id).await?;
        }
    }
    Ok(())
}

/// An operator changes chats nobody holds and their own; supervisors and administrators any.
fn may_change(operator: &Operator, chat: &Chat) -> Result<()> {
    if chat.operator_id.is_some_and(|holder| holder != operator.id) && operator.role == OperatorRole::Operator {
        return Err(DomainError::ChatTaken.into());
    }
    Ok(())
}

/// The operator's close, with the category rule and "operator closes finally".
async fn operator_close_chat(conn: &mut Conn, emit: &mut Emit, operator: &Operator, chat: &mut Chat) -> Result<()> {
    may_change(operator, chat)?;
    let settings = emit.settings.clone();
    if settings.category_required
        && chat.category.is_none()
        && !chat.state.is_final()
        && !is_bot(conn, operator.id).await?
    {
        return Err(DomainError::CategoryRequired.into());
    }
    let Some(next) = rules::operator_close(chat.state, settings.operator_closes_finally) else {
        return Ok(());
    };
    // Closing a chat nobody holds (a waiting one) makes the closer its operator.
    if chat.operator_id.is_none() {
        chat.operator_id = Some(operator.id);
        emit.item(DeltaItem::upd("CHAT_OPERATOR", chat.visit_session_id.as_str(), wire::operator(operator)));
    }
    close_chat(conn, emit, chat, next, texts::operator_closed(&settings.default_lang), Closer::Operator(operator)).await
}

/// An operator's (or bot's) file in the chat: stored for the visitor, posted as `file_operator`.
/// Stores an uploaded file of `visitor` (in `chat`, once known).
async fn insert_file(
    conn: &mut Conn,
    file: &NewFile,
    visitor: &VisitorId,
    chat: Option<ChatId>,
    now: i64,
) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO files ({FILE_COLS}, created_at) VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(file.guid.as_str())
    .bind(visitor.as_str())
    .bind(chat.map(|c| c.0))
    .bind(&file.filename)
    .bind(&file.content_type)
    .bind(&file.client_content_type)
    .bind(file.size)
    .bind(file.width)
    .bind(file.height)
    .bind(&file.content)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn operator_send_file(
    conn: &mut Conn,
    emit: &mut Emit,
    operator: &Operator,
    chat: &mut Chat,
    file: &NewFile,
) -> Result<MessageId> {
    insert_file(conn, file, &chat.visitor_id, Some(chat.id), emit.now).await?;
    let record = FileRecord {
        guid: file.guid.clone(),
        visitor_id: chat.visitor_id.clone(),
        chat_id: Some(chat.id),
        message_id: None,
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        client_content_type: file.client_content_type.clone(),
        size: file.size,
        width: file.width,
        height: file.height,
        content: Vec::new(),
    };
    let desc = record.descriptor();
    let m = NewMessage {
        chat,
        client_side_id: hex_id(),
        kind: MessageKind::FileOperator,
        text: to_json(&desc)?,
        data: Some(json!({"file": {"state": "ready", "desc": desc, "progress": 100}})),
        author: Some(operator),
        name: operator.name.clone(),
        quote: None,
    };
    let message = insert_message(conn, emit, m).await?;
    attach_files(conn, std::slice::from_ref(&file.guid), &message).await?;
    chat.unread_by_visitor_count += 1;
    chat.unread_by_visitor_since.get_or_insert(message.created_at);
    chat.read_by_visitor = false;
    chat.modified_at = emit.now;
    save_chat(conn, chat).await?;
    let sid = chat.visit_session_id.to_string();
    emit.item(DeltaItem::upd("UNREAD_BY_VISITOR", &sid, wire::unread_by_visitor(chat)));
    Ok(message.id)
}
