//! Writing messages: new ones (with their file links and quotes), system messages, edits.

use crate::{NewFile, Result, StoreError, VisitorCtx};
use beseda_core::ids::{hex_id, ChatId, FileGuid, MessageId, VisitorId};
use beseda_core::model::{Chat, Message, Operator, Visitor};
use beseda_core::protocol::visitor::{self as proto, DeltaItem, MessagePolicy};
use beseda_core::settings::OrgSettings;
use beseda_core::state::MessageKind;
use beseda_core::{bot_wire, operator_wire, texts, wire, DomainError};
use serde_json::{json, Value};

use super::bots::bot_new_message;
use super::channels::channel_new_message;
use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::{load_chat, load_message};
use super::row_facts;
use super::rows::{file_from, message_from, to_json, visitor_from, FILE_COLS, MESSAGE_COLS, VISITOR_COLS};
use super::Conn;

/// The statement that advances a visitor's history revision: the time in µs, forced strictly
/// increasing, in one statement so concurrent writers never hand out a smaller value.
const NEXT_HISTORY_REVISION: &str = "UPDATE visitors SET history_revision = CASE WHEN history_revision + 1 > $1 \
     THEN history_revision + 1 ELSE $1 END WHERE id = $2";

/// The next history revision of a visitor.
async fn next_history_revision(conn: &mut Conn, visitor: &VisitorId, now: i64) -> Result<i64> {
    Ok(query_scalar(&format!("{NEXT_HISTORY_REVISION} RETURNING history_revision"))
        .bind(now)
        .bind(visitor.as_str())
        .fetch_one(&mut *conn)
        .await?)
}

/// [`next_history_revision`] for a new message, with the visitor as they are now (for the name
/// of their own messages). The revision is also the message's time: every message of a
/// visitor's chats advanced it when it was written, so it is past each of their times and the
/// times within a chat are strictly increasing (a total order even within one µs).
async fn advance_for_message(conn: &mut Conn, visitor: &VisitorId, now: i64) -> Result<Visitor> {
    let sql = format!("{NEXT_HISTORY_REVISION} RETURNING {VISITOR_COLS}");
    let row = query(&sql).bind(now).bind(visitor.as_str()).fetch_optional(&mut *conn).await?;
    row.as_ref().map(visitor_from).transpose()?.ok_or(StoreError::NotFound)
}

/// A new message row, ready to insert.
pub(super) struct NewMessage<'a> {
    pub(super) chat: &'a Chat,
    pub(super) client_side_id: String,
    pub(super) kind: MessageKind,
    pub(super) text: String,
    pub(super) data: Option<Value>,
    pub(super) author: Option<&'a Operator>,
    /// The author's name shown with it; `None` for the visitor's own name.
    pub(super) name: Option<String>,
    pub(super) quote: Option<Value>,
}

pub(super) async fn insert_message(conn: &mut Conn, emit: &mut Emit, m: NewMessage<'_>) -> Result<Message> {
    insert_flagged_message(conn, emit, m, false).await
}

/// [`insert_message`] for a visitor message that may have been picked from the hints.
pub(super) async fn insert_flagged_message(
    conn: &mut Conn,
    emit: &mut Emit,
    m: NewMessage<'_>,
    hint_question: bool,
) -> Result<Message> {
    let visitor = advance_for_message(conn, &m.chat.visitor_id, emit.now).await?;
    let (now, history_revision) = (visitor.history_revision, visitor.history_revision);
    let name = match m.name {
        Some(name) => name,
        None => Some(visitor.display_name())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| texts::visitor_default_name(&emit.settings.default_lang).to_owned()),
    };
    let message = Message {
        id: MessageId::random(),
        chat_id: m.chat.id,
        client_side_id: m.client_side_id,
        session_id: m.chat.visit_session_id.to_string(),
        kind: m.kind,
        text: m.text,
        data: m.data,
        author_id: m.author.map(|a| a.id),
        name,
        avatar: m.author.and_then(|a| a.avatar.clone()),
        created_at: now,
        modified_at: now,
        read: false,
        edited: false,
        deleted: false,
        reaction: None,
        quote: m.quote,
        hint_question,
    };
    query(
        "INSERT INTO messages (id, chat_id, client_side_id, session_id, kind, text, data, author_id, name, avatar, \
         created_at, modified_at, history_revision, quote, hint_question) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
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
    .bind(hint_question)
    .execute(&mut *conn)
    .await
    .map_err(StoreError::from_db)?;
    row_facts::message_added(conn, &message).await?;
    if message.kind.visible_to_visitor() {
        emit.item(DeltaItem::message_added(proto::Message::new(
            &message,
            MessagePolicy::from_settings(&emit.settings),
        )));
        emit.item(DeltaItem::history_revision(emit.visitor.as_str(), history_revision));
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
        name: Some(String::new()),
        quote: None,
    };
    insert_message(conn, emit, m).await
}

/// Writes a changed message back and reports the change.
pub(super) async fn update_message(
    conn: &mut Conn,
    emit: &mut Emit,
    m: &mut Message,
    visitor: &VisitorId,
) -> Result<()> {
    let history_revision = next_history_revision(conn, visitor, emit.now).await?;
    m.modified_at = emit.now;
    query(
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
    if m.kind.is_conversation() {
        row_facts::recount(conn, m.chat_id).await?;
    }
    if m.kind.visible_to_visitor() {
        if m.deleted {
            emit.item(DeltaItem::message_deleted(m.id.as_str()));
            emit.op(operator_wire::message_deleted(m));
        } else {
            emit.item(DeltaItem::message_changed(proto::Message::new(m, MessagePolicy::from_settings(&emit.settings))));
            emit.op(operator_wire::message_updated(m));
        }
        if m.kind.is_conversation() {
            emit.touched.push((m.chat_id.0, None));
        }
        emit.item(DeltaItem::history_revision(visitor.as_str(), history_revision));
    }
    Ok(())
}

/// Deletes a message (a visitor's own, an operator's own, or a single-file upload a file message
/// took over): it stays stored, marked deleted; the visitor's sessions get `CHAT_MESSAGE del`
/// (and their devices a withdrawal of what was pushed about it), operators `message_deleted`,
/// and the chat's list row is counted again.
pub(super) async fn delete_message(
    conn: &mut Conn,
    emit: &mut Emit,
    m: &mut Message,
    visitor: &VisitorId,
) -> Result<()> {
    m.deleted = true;
    update_message(conn, emit, m, visitor).await
}

/// The quote block for a reply, or the quote error (visitor-api.md §12.3).
pub(super) async fn resolve_quote(conn: &mut Conn, v: &VisitorCtx, settings: &OrgSettings, id: &str) -> Result<Value> {
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
pub(super) async fn file_message_body(
    conn: &mut Conn,
    emit: &mut Emit,
    v: &VisitorCtx,
    guids: &[FileGuid],
) -> Result<(String, Option<Value>)> {
    let mut descriptors = Vec::with_capacity(guids.len());
    for guid in guids {
        let sql = format!("SELECT {FILE_COLS} FROM files WHERE guid = $1");
        let row = query(&sql).bind(guid.as_str()).fetch_optional(&mut *conn).await?;
        let file = row.as_ref().map(file_from).transpose()?.filter(|f| f.visitor_id == v.visitor_id);
        let file = file.ok_or(DomainError::UploadedFileNotFound)?;
        if let Some(mid) = &file.message_id {
            if let Some(mut single) = load_message(conn, mid.as_str()).await?.filter(|m| !m.deleted) {
                delete_message(conn, emit, &mut single, &v.visitor_id).await?;
            }
        }
        descriptors.push(file.descriptor());
    }
    let first = descriptors.first().cloned().unwrap_or(Value::Null);
    let text = if descriptors.len() == 1 { to_json(&first)? } else { to_json(&descriptors)? };
    Ok((text, Some(json!({"file": {"state": "ready", "desc": first, "progress": 100}}))))
}

pub(super) async fn attach_files(conn: &mut Conn, guids: &[FileGuid], message: &Message) -> Result<()> {
    for guid in guids {
        query("UPDATE files SET chat_id = $1, message_id = $2 WHERE guid = $3")
            .bind(message.chat_id.0)
            .bind(message.id.as_str())
            .bind(guid.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Pending keyboards of the chat become `canceled` (a newer keyboard, or the bot let go).
pub(super) async fn cancel_pending_keyboards(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    let sql =
        format!("SELECT {MESSAGE_COLS} FROM messages WHERE chat_id = $1 AND kind = 'keyboard' AND deleted = FALSE");
    let rows = query(&sql).bind(chat.id.0).fetch_all(&mut *conn).await?;
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

/// An operator's (or bot's) file in the chat: stored for the visitor, posted as `file_operator`.
/// Stores an uploaded file of `visitor` (in `chat`, once known).
pub(super) async fn insert_file(
    conn: &mut Conn,
    file: &NewFile,
    visitor: &VisitorId,
    chat: Option<ChatId>,
    now: i64,
) -> Result<()> {
    query(&format!(
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
