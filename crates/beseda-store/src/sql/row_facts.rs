//! What a chat's list row shows of its messages, kept on the chat (migration 0034): the
//! visitor messages the operator has not read, the oldest visitor message after the newest
//! answer (`waiting_since`) and the newest conversation message (the preview). Reading them
//! from the messages for every row cost time that grew with the chat; here a new message
//! changes them in one statement, and the rare edits that can change them otherwise (a
//! message deleted or read) count them again from the messages.

use beseda_core::ids::ChatId;
use beseda_core::model::Message;
use beseda_core::state::MessageKind;

use super::exec::query;
use super::Conn;
use crate::Result;

/// `'kind', …` of every message kind `pick` selects, for an SQL `IN` list; the one definition
/// stays `MessageKind`'s.
fn kinds_sql(pick: fn(MessageKind) -> bool) -> String {
    MessageKind::ALL.iter().filter(|k| pick(**k)).map(|k| format!("'{}'", k.as_str())).collect::<Vec<_>>().join(", ")
}

/// A message was just written into its chat: a visitor's is one more unread and, when nobody
/// answered since, the start of the wait; an answer ends the wait. Either is the preview.
pub(super) async fn message_added(conn: &mut Conn, message: &Message) -> Result<()> {
    let q = if message.kind.is_visitor_side() {
        query(
            "UPDATE chats SET unread_by_operator_count = unread_by_operator_count + 1, \
             waiting_since = COALESCE(waiting_since, $1), preview_message_id = $2 WHERE id = $3",
        )
        .bind(message.created_at)
    } else if message.kind.is_operator_side() {
        query("UPDATE chats SET waiting_since = NULL, preview_message_id = $1 WHERE id = $2")
    } else {
        return Ok(());
    };
    q.bind(message.id.as_str()).bind(message.chat_id.0).execute(&mut *conn).await?;
    Ok(())
}

/// The operator read every visitor message of the chat.
pub(super) async fn all_read(conn: &mut Conn, chat: ChatId) -> Result<()> {
    query("UPDATE chats SET unread_by_operator_count = 0 WHERE id = $1").bind(chat.0).execute(&mut *conn).await?;
    Ok(())
}

/// What the visitor has not read of the chat: how many operator-side messages (not deleted),
/// and the oldest one's time.
pub(super) async fn unread_by_visitor(conn: &mut Conn, chat: ChatId) -> Result<(i64, Option<i64>)> {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM messages WHERE chat_id = $1 AND is_read = FALSE \
             AND deleted = FALSE AND kind IN ({})",
            kinds_sql(MessageKind::is_operator_side)
        )
    });
    let row = query(sql).bind(chat.0).fetch_one(&mut *conn).await?;
    Ok((row.try_get("n")?, row.try_get("oldest")?))
}

/// Counts the facts again from the chat's messages, after a change other than a new message
/// (a message deleted, edited or read).
pub(super) async fn recount(conn: &mut Conn, chat: ChatId) -> Result<()> {
    query(recount_sql()).bind(chat.0).execute(&mut *conn).await?;
    Ok(())
}

fn recount_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let (visitor_side, operator_side, conversation) = (
            kinds_sql(MessageKind::is_visitor_side),
            kinds_sql(MessageKind::is_operator_side),
            kinds_sql(MessageKind::is_conversation),
        );
        format!(
            "UPDATE chats SET \
             unread_by_operator_count = (SELECT COUNT(*) FROM messages m WHERE m.chat_id = chats.id \
              AND m.deleted = FALSE AND m.is_read = FALSE AND m.kind IN ({visitor_side})), \
             waiting_since = (SELECT m.created_at FROM messages m WHERE m.chat_id = chats.id AND m.deleted = FALSE \
              AND m.kind IN ({visitor_side}) AND m.created_at > COALESCE((SELECT a.created_at FROM messages a \
              WHERE a.chat_id = chats.id AND a.deleted = FALSE AND a.kind IN ({operator_side}) \
              ORDER BY a.created_at DESC LIMIT 1), -1) ORDER BY m.created_at LIMIT 1), \
             preview_message_id = (SELECT m.id FROM messages m WHERE m.chat_id = chats.id AND m.deleted = FALSE \
              AND m.kind IN ({conversation}) ORDER BY m.created_at DESC LIMIT 1) \
             WHERE id = $1"
        )
    })
}
