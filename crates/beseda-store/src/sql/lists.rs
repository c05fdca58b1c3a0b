//! What operators' chat lists show of each chat (the visitor's name and number, the preview, the
//! unread count, the waiting time), for the lists, one chat and the `chat_updated` event alike.

use crate::{ChatSummary, Result, StoreError};
use beseda_core::ids::ChatId;
use beseda_core::model::{Chat, Message};
use beseda_core::operator_wire::events::ChatUpdated;
use beseda_core::operator_wire::{ChatRow, OperatorEvent, RowFacts};
use beseda_core::settings::OrgSettings;
use beseda_core::visibility::ChatScope;
use beseda_core::{operator_wire, texts};
use std::collections::BTreeMap;

use super::events::{Emit, INSERT_CHUNK};
use super::exec::query;
use super::rows::{chat_from, marks, message_from, prefixed, CHAT_COLS, MESSAGE_COLS};
use super::{Conn, DbRow};

/// `SELECT` of chats with what their rows show, in one statement: the chat's columns, the
/// visitor's fields and number, and what the chat keeps of its messages for its row
/// (`row_facts.rs`): the unread count (visitor messages not read by the operator), the waiting
/// time (the oldest visitor message after the newest answer) and the id of the preview message.
/// Callers add the `WHERE` on `chats`.
pub(super) fn summary_select() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "SELECT {}, \
             (SELECT v.fields FROM visitors v WHERE v.id = chats.visitor_id) AS v_fields, \
             (SELECT v.number FROM visitors v WHERE v.id = chats.visitor_id) AS v_number, \
             chats.unread_by_operator_count AS unread, chats.waiting_since AS waiting, \
             chats.preview_message_id AS preview_id, \
             EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = chats.operator_id) AS holder_is_bot \
             FROM chats",
            prefixed("chats", CHAT_COLS)
        )
    })
}

/// List rows from rows of [`summary_select`], in their order, keeping those `keep` lets through;
/// preview messages not in `known` are read in one query per [`INSERT_CHUNK`] rows.
pub(super) async fn summaries_from(
    conn: &mut Conn,
    settings: &OrgSettings,
    rows: &[DbRow],
    keep: impl Fn(&Chat) -> bool,
    known: Option<&Message>,
) -> Result<Vec<ChatSummary>> {
    let default_name = texts::visitor_default_name(&settings.default_lang);
    let mut out = Vec::with_capacity(rows.len());
    let mut wanted: Vec<(usize, String)> = Vec::new();
    for row in rows {
        let chat = chat_from(row)?;
        if !keep(&chat) {
            continue;
        }
        let fields: BTreeMap<String, String> = row
            .try_get::<Option<String>, _>("v_fields")?
            .map(|f| serde_json::from_str(&f))
            .transpose()?
            .unwrap_or_default();
        let given = fields.get("name").filter(|n| !n.trim().is_empty()).cloned();
        let preview_id: Option<String> = row.try_get("preview_id")?;
        let holder_is_bot = chat.operator_id.is_some() && row.try_get::<bool, _>("holder_is_bot")?;
        let preview = match (&preview_id, known) {
            (Some(id), Some(m)) if m.id.as_str() == id => Some(m.clone()),
            (Some(id), _) => {
                wanted.push((out.len(), id.clone()));
                None
            }
            (None, _) => None,
        };
        let row = RowFacts {
            visitor_given_name: given.clone(),
            visitor_number: row.try_get::<Option<i64>, _>("v_number")?.unwrap_or_default(),
            preview,
            unread_count: row.try_get("unread")?,
            waiting_since: row.try_get("waiting")?,
        };
        let visitor_name = given.unwrap_or_else(|| default_name.to_owned());
        out.push(ChatSummary { chat, visitor_name, row, holder_is_bot });
    }
    for chunk in wanted.chunks(INSERT_CHUNK) {
        let sql = format!("SELECT {MESSAGE_COLS} FROM messages WHERE id IN ({})", marks(1, chunk.len()));
        let mut query = query(&sql);
        for (_, id) in chunk {
            query = query.bind(id.as_str());
        }
        let mut found: BTreeMap<String, Message> = BTreeMap::new();
        for row in query.fetch_all(&mut *conn).await? {
            let m = message_from(&row)?;
            found.insert(m.id.as_str().to_owned(), m);
        }
        for (at, id) in chunk {
            out[*at].row.preview = found.remove(id);
        }
    }
    Ok(out)
}

/// One chat as list rows show it, as of now in this transaction.
pub(super) async fn chat_summary(
    conn: &mut Conn,
    settings: &OrgSettings,
    id: ChatId,
    known: Option<&Message>,
) -> Result<Option<ChatSummary>> {
    let sql = format!("{} WHERE chats.id = $1", summary_select());
    let rows = query(&sql).bind(id.0).fetch_all(&mut *conn).await?;
    Ok(summaries_from(conn, settings, &rows, |_| true, known).await?.pop())
}

/// The `chat_updated` event of a chat: the chat as list rows show it, as of now in this
/// transaction.
pub(super) async fn summary_event(
    conn: &mut Conn,
    settings: &OrgSettings,
    chat: &Chat,
    known: Option<&Message>,
) -> Result<OperatorEvent> {
    let s = chat_summary(conn, settings, chat.id, known).await?.ok_or(StoreError::NotFound)?;
    // The caller's chat: it may hold changes not saved yet.
    Ok(operator_wire::chat_updated(chat, &s.visitor_name, &s.row))
}

/// Chats whose conversation changed in this transaction with no `chat_updated` since: the last
/// message event of each (`message_added`, `…_updated`, `…_deleted`) gets the chat as list rows
/// show it under `chat`, so every list row stays true without a reload and without a second
/// event per message.
pub(super) async fn summarize_touched(conn: &mut Conn, emit: &mut Emit) -> Result<()> {
    let touched = std::mem::take(&mut emit.touched);
    let mut done = std::collections::BTreeSet::new();
    // The newest change of each chat first: its message, when it was an insert, is the preview.
    for (id, message) in touched.iter().rev() {
        if !done.insert(*id) {
            continue;
        }
        let Some(s) = chat_summary(conn, &emit.settings, ChatId(*id), message.as_ref()).await? else { continue };
        // Read with the row: the scope the chat's events are stamped with (no second read).
        emit.scopes.insert(*id, ChatScope::of(&s.chat, s.holder_is_bot));
        let row = ChatRow::new(&s.chat, &s.visitor_name, &s.row);
        match emit.operator_events.iter_mut().rev().find(|e| e.message_chat_id() == Some(*id)) {
            Some(event) => {
                event.attach_chat_row(row);
            }
            None => emit.operator_events.push(OperatorEvent::ChatUpdated(ChatUpdated { chat: row })),
        }
    }
    Ok(())
}
