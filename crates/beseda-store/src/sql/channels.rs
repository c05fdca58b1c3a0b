//! Custom channels (custom-channel.md): the visitor side, and the bot side routed like a bot.

use crate::{ChannelRecord, InitVisit, Result, StoreError, VisitorCtx};
use beseda_core::bot_wire;
use beseda_core::ids::{OperatorId, VisitSessionId, VisitorId};
use beseda_core::model::{Chat, Message, Operator};
use beseda_core::state::MessageKind;
use serde_json::{json, Value};
use sqlx::Row;

use super::bots::Closer;
use super::common::{create_visit_session, create_visitor, json_col, merge_visitor_fields, to_json, Emit};
use super::{Conn, DbRow};

pub(super) const CHANNEL_COLS: &str =
    "key, title, secret, callback_url, department_mode, default_department, allowed_departments, side, operator_id, \
     kind, config";

/// `bots.api_version` of a custom channel on the bot side.
pub(super) const CHANNEL_BOT_API: i64 = 3;

pub(super) fn channel_from(row: &DbRow) -> Result<ChannelRecord> {
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

pub(super) async fn load_channel(conn: &mut Conn, key: &str) -> Result<Option<ChannelRecord>> {
    let sql = format!("SELECT {CHANNEL_COLS} FROM custom_channels WHERE key = $1");
    let row = sqlx::query(&sql).bind(key).fetch_optional(&mut *conn).await?;
    row.as_ref().map(channel_from).transpose()
}

/// The channel's visitor for an external user id, created with a visit session at the channel's
/// placement on first contact; `fields` update the contact data.
pub(super) async fn channel_visitor(
    conn: &mut Conn,
    channel: &ChannelRecord,
    external_id: &str,
    fields: Option<&Value>,
    now: i64,
) -> Result<VisitorCtx> {
    let existing: Option<String> =
        sqlx::query_scalar("SELECT id FROM visitors WHERE channel_key = $1 AND channel_user_id = $2")
            .bind(&channel.key)
            .bind(external_id)
            .fetch_optional(&mut *conn)
            .await?;
    let visitor = match existing {
        Some(id) => VisitorId::from_stored(id),
        None => {
            let id = create_visitor(conn, now).await?;
            sqlx::query("UPDATE visitors SET channel_key = $1, channel_user_id = $2 WHERE id = $3")
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
        sqlx::query_scalar("SELECT id FROM visit_sessions WHERE visitor_id = $1 ORDER BY last_seen_at DESC LIMIT 1")
            .bind(visitor.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    let session = match session {
        Some(id) => {
            sqlx::query("UPDATE visit_sessions SET last_seen_at = $1 WHERE id = $2")
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
pub(super) fn channel_operator(op: &Operator) -> Value {
    json!({"id": op.id.0, "name": op.name, "avatar_url": op.avatar})
}

/// Queues an event for the channel of `chat` (custom-channel.md §4.3), in order per chat.
pub(super) async fn channel_event(conn: &mut Conn, chat: &Chat, mut body: Value, emit: &Emit) -> Result<()> {
    let now = emit.now;
    let Some(key) = &chat.channel_key else { return Ok(()) };
    let external: Option<String> = sqlx::query_scalar("SELECT channel_user_id FROM visitors WHERE id = $1")
        .bind(chat.visitor_id.as_str())
        .fetch_one(&mut *conn)
        .await?;
    body["chat"] = json!({"id": chat.client_side_id});
    body["visitor"] = json!({"id": external});
    sqlx::query(
        "INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ('channel_event', $1, $2, $3, $4)",
    )
    .bind(chat.id.0.to_string())
    .bind(to_json(&json!({"channel": key, "body": body}))?)
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
    let mut message = json!({"id": m.id.as_str(), "kind": m.kind.as_str(), "text": text, "data": data});
    if let Some(op) = author {
        message["operator"] = channel_operator(op);
    }
    channel_event(conn, chat, json!({"event": "new_message", "message": message}), emit).await
}

/// `chat_closed` goes out on the first closure.
pub(super) async fn channel_chat_closed(conn: &mut Conn, chat: &Chat, by: &Closer<'_>, emit: &Emit) -> Result<()> {
    if chat.channel_key.is_none() {
        return Ok(());
    }
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'channel_event' AND subject = $1 AND payload LIKE '%\"chat_closed\"%'",
    )
    .bind(chat.id.0.to_string())
    .fetch_one(&mut *conn)
    .await?;
    if already > 0 {
        return Ok(());
    }
    channel_event(conn, chat, json!({"event": "chat_closed", "closed_by": by.as_str()}), emit).await
}
