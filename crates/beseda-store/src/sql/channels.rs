//! Custom channels (custom-channel.md): the visitor side, and the bot side routed like a bot.

use crate::capabilities::Channels;
use crate::{Changes, ChannelConfig, ChannelRecord, InitVisit, Result, StoreError, VisitorCtx};
use async_trait::async_trait;
use beseda_core::ids::{hex_id, OperatorId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Message, Operator};
use beseda_core::operator_wire::events::MessageNotDelivered;
use beseda_core::operator_wire::OperatorEvent;
use beseda_core::protocol::channel::{
    ChannelEvent, ChannelEventKind, ChannelMessage, ChannelOperator, ChannelUser, ExternalChat,
};
use beseda_core::state::MessageKind;
use beseda_core::{bot_wire, DomainError};
use serde_json::{json, Value};

use super::bots::{new_bot_token, Closer};
use super::events::append_operator_event;
use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::{load_departments, load_operator};
use super::rows::{json_col, to_json};
use super::visits::{create_visit_session, create_visitor, merge_visitor_fields};
use super::{Conn, DbRow, SqlStore};

const CHANNEL_COLS: &str =
    "key, title, secret, callback_url, department_mode, default_department, allowed_departments, side, operator_id, \
     kind, config";

/// `bots.api_version` of a custom channel on the bot side.
pub(super) const CHANNEL_BOT_API: i64 = 3;

fn channel_from(row: &DbRow) -> Result<ChannelRecord> {
    Ok(ChannelRecord {
        key: row.try_get("key")?,
        title: row.try_get("title")?,
        secret: row.try_get("secret")?,
        callback_url: row.try_get("callback_url")?,
        department_mode: row.try_get("department_mode")?,
        default_department: row.try_get("default_department")?,
        allowed_departments: json_col(row, "allowed_departments")?,
        side: row.try_get("side")?,
        operator_id: row.try_get::<Option<i64>, _>("operator_id")?.map(OperatorId),
        kind: row.try_get("kind")?,
        config: json_col(row, "config")?,
    })
}

async fn load_channel(conn: &mut Conn, key: &str) -> Result<Option<ChannelRecord>> {
    let sql = format!("SELECT {CHANNEL_COLS} FROM custom_channels WHERE key = $1");
    let row = query(&sql).bind(key).fetch_optional(&mut *conn).await?;
    row.as_ref().map(channel_from).transpose()
}

/// The channel's visitor for an external user id, created with a visit session at the channel's
/// placement on first contact; `fields` update the contact data.
async fn channel_visitor(
    conn: &mut Conn,
    channel: &ChannelRecord,
    external_id: &str,
    fields: Option<&Value>,
    now: i64,
) -> Result<VisitorCtx> {
    let existing: Option<String> =
        query_scalar("SELECT id FROM visitors WHERE channel_key = $1 AND channel_user_id = $2")
            .bind(&channel.key)
            .bind(external_id)
            .fetch_optional(&mut *conn)
            .await?;
    let visitor = match existing {
        Some(id) => VisitorId::from_stored(id),
        None => {
            let id = create_visitor(conn, now).await?;
            query("UPDATE visitors SET channel_key = $1, channel_user_id = $2 WHERE id = $3")
                .bind(&channel.key)
                .bind(external_id)
                .bind(id.as_str())
                .execute(&mut *conn)
                .await
                .map_err(StoreError::from_db)?;
            id
        }
    };
    if let Some(fields) = fields {
        merge_visitor_fields(conn, &visitor, fields, now).await?;
    }
    let session: Option<String> =
        query_scalar("SELECT id FROM visit_sessions WHERE visitor_id = $1 ORDER BY last_seen_at DESC LIMIT 1")
            .bind(visitor.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    let session = match session {
        Some(id) => {
            query("UPDATE visit_sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            VisitSessionId::from_stored(id)
        }
        None => {
            let req =
                InitVisit { location: channel.key.clone(), platform: Some("custom".into()), ..InitVisit::default() };
            create_visit_session(conn, &visitor, &req, now).await?
        }
    };
    Ok(VisitorCtx { visitor_id: visitor, visit_session_id: session, location: channel.key.clone() })
}

/// An operator as channel events show it.
pub(super) fn channel_operator(op: &Operator) -> ChannelOperator {
    ChannelOperator { id: op.id.0, name: op.name.clone(), avatar_url: op.avatar.clone() }
}

/// A `channel_event` outbox row: the channel to call and what to POST to it.
#[derive(serde::Serialize)]
struct ChannelDelivery<'a> {
    channel: &'a str,
    body: ChannelEvent,
}

/// Queues an event for the channel of `chat` (custom-channel.md §4.3), in order per chat.
pub(super) async fn channel_event(conn: &mut Conn, chat: &Chat, event: ChannelEventKind, emit: &Emit) -> Result<()> {
    let now = emit.now;
    let Some(key) = &chat.channel_key else { return Ok(()) };
    let external: Option<String> = query_scalar("SELECT channel_user_id FROM visitors WHERE id = $1")
        .bind(chat.visitor_id.as_str())
        .fetch_one(&mut *conn)
        .await?;
    let body = ChannelEvent {
        event,
        chat: ExternalChat { id: chat.client_side_id.clone() },
        visitor: ChannelUser { id: external },
    };
    query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ('channel_event', $1, $2, $3, $4)")
        .bind(chat.id.0.to_string())
        .bind(to_json(&ChannelDelivery { channel: key, body })?)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    emit.queued(crate::Queued::CHANNEL);
    Ok(())
}

/// Operator-side messages reach the channel: operator text, files, keyboards, info, contact
/// requests.
pub(super) async fn channel_new_message(
    conn: &mut Conn,
    chat: &Chat,
    m: &Message,
    author: Option<&Operator>,
    emit: &Emit,
) -> Result<()> {
    let (text, data) = match m.kind {
        MessageKind::Operator | MessageKind::Info | MessageKind::ContReq => {
            (m.text.clone(), m.data.clone().unwrap_or(Value::Null))
        }
        MessageKind::Keyboard => {
            (String::new(), json!({"buttons": m.data.as_ref().and_then(|d| d.get("buttons")).cloned()}))
        }
        MessageKind::FileOperator => {
            let desc = m.data.as_ref().and_then(|d| d.pointer("/file/desc")).cloned().unwrap_or(Value::Null);
            let name = desc["filename"].as_str().unwrap_or_default().to_owned();
            let data = json!({
                "url": format!("{}{}", bot_wire::FILE_LINK_PREFIX, desc["guid"].as_str().unwrap_or_default()),
                "name": name,
                "media_type": desc["content_type"],
                "size": desc["size"],
            });
            (name, data)
        }
        _ => return Ok(()),
    };
    let message = ChannelMessage {
        id: m.id.as_str().to_owned(),
        kind: m.kind.as_str().to_owned(),
        text,
        data,
        operator: author.map(channel_operator),
    };
    channel_event(conn, chat, ChannelEventKind::NewMessage { message }, emit).await
}

/// `chat_closed` goes out on the first closure.
pub(super) async fn channel_chat_closed(conn: &mut Conn, chat: &Chat, by: &Closer<'_>, emit: &Emit) -> Result<()> {
    if chat.channel_key.is_none() {
        return Ok(());
    }
    let already: i64 = query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'channel_event' AND subject = $1 AND payload LIKE '%\"chat_closed\"%'",
    )
    .bind(chat.id.0.to_string())
    .fetch_one(&mut *conn)
    .await?;
    if already > 0 {
        return Ok(());
    }
    channel_event(conn, chat, ChannelEventKind::ChatClosed { closed_by: by.as_str().to_owned() }, emit).await
}

#[async_trait]
impl Channels for SqlStore {
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
        query(
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
            query(
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
        query(
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

    async fn channels(&self) -> Result<Vec<ChannelRecord>> {
        let sql = format!("SELECT {CHANNEL_COLS} FROM custom_channels ORDER BY key");
        let rows = query(&sql).fetch_all(&self.reader).await?;
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
        let row = query(
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

    async fn channel_event_failed(&self, outbox_id: i64, reason: &str) -> Result<Changes> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let row =
            query("SELECT subject, payload FROM outbox WHERE id = $1").bind(outbox_id).fetch_one(&mut *tx).await?;
        query("UPDATE outbox SET done_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3")
            .bind(now)
            .bind(reason)
            .bind(outbox_id)
            .execute(&mut *tx)
            .await?;
        let payload: Value = json_col(&row, "payload")?;
        let mut changes = Changes::default();
        if let Some(message) = payload.pointer("/body/message/id").and_then(Value::as_str) {
            query("UPDATE messages SET delivery_failed = TRUE WHERE id = $1").bind(message).execute(&mut *tx).await?;
            let subject: String = row.try_get("subject")?;
            let event = OperatorEvent::MessageNotDelivered(MessageNotDelivered {
                chat_id: subject.parse::<i64>().unwrap_or(0),
                message_id: message.to_owned(),
                reason: reason.to_owned(),
            });
            changes = Changes::logged(append_operator_event(&mut tx, &event, now).await?);
        }
        match changes.operator_logged {
            true => self.commit_logged(tx).await?,
            false => tx.commit().await?,
        }
        Ok(changes)
    }
}
