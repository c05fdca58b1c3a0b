//! Final closing by timeout: the inactivity deadline of a chat (the shorter of the account's
//! inactivity timeout and the conversation timeout, so a conversation that ends also closes its
//! chat), and the NB rule — a close by timeout waits, up to three days after the operator's
//! last message, for the visitor to read it (chat-handlers.md §2).

use beseda_core::ids::ChatId;
use beseda_core::model::Chat;
use beseda_core::settings::OrgSettings;
use beseda_core::timers::{self, TimerKind};

use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::load_placement;
use super::routing::set_timer;
use super::Conn;
use crate::Result;

const TIMER_AUTO_CLOSE: &str = TimerKind::AutoClose.as_str();

/// The kinds of message the visitor reads (as `chat.read_by_visitor` marks them).
const SEEN_BY_VISITOR: &str = "('operator', 'file_operator', 'keyboard', 'cont_req', 'action_request')";

/// The chat's inactivity timeout, in microseconds ([`timers::inactivity_timeout_micros`]).
pub(super) async fn inactivity_timeout(conn: &mut Conn, settings: &OrgSettings, chat: &Chat) -> Result<i64> {
    let placement = match chat.conversation_timeout_hours {
        Some(_) => None,
        None => load_placement(conn, &chat.location).await?.map(|p| p.conversation_timeout_hours),
    };
    Ok(timers::inactivity_timeout_micros(settings.auto_close_timeout_secs, chat.conversation_timeout_hours, placement))
}

/// Activity in the chat: its inactivity deadline moves to now plus the timeout.
pub(super) async fn touch_activity(conn: &mut Conn, emit: &mut Emit, chat: &Chat) -> Result<()> {
    if chat.state.is_final() {
        return Ok(());
    }
    let timeout = inactivity_timeout(conn, &emit.settings, chat).await?;
    set_timer(conn, TIMER_AUTO_CLOSE, chat.id, emit.now.saturating_add(timeout), emit.now).await
}

/// When the operator's last message the visitor has not read was written (`None`: all read).
pub(super) async fn last_unread_by_visitor(conn: &mut Conn, chat: &Chat) -> Result<Option<i64>> {
    if chat.read_by_visitor {
        return Ok(None);
    }
    let sql = format!(
        "SELECT MAX(created_at) FROM messages WHERE chat_id = $1 AND is_read = FALSE AND deleted = FALSE \
         AND kind IN {SEEN_BY_VISITOR}"
    );
    Ok(query_scalar(&sql).bind(chat.id.0).fetch_one(&mut *conn).await?)
}

/// Whether the chat waits for its visitor to read (NB rule): if so, the due close timer `kind`
/// is set again for the end of the wait, and the chat stays open.
pub(super) async fn hold_for_unread(conn: &mut Conn, emit: &Emit, kind: TimerKind, chat: &Chat) -> Result<bool> {
    let last = last_unread_by_visitor(conn, chat).await?;
    match timers::unread_hold_until(last, emit.now) {
        Some(until) => {
            set_timer(conn, kind.as_str(), chat.id, until, emit.now).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The visitor has read everything: a close that waited for it (its timer set for `hold_end`,
/// the end of the wait for the message read) happens now.
pub(super) async fn release_unread_hold(conn: &mut Conn, emit: &mut Emit, chat: ChatId, hold_end: i64) -> Result<()> {
    let released = query(
        "UPDATE timers SET due_at = $1 WHERE chat_id = $2 AND due_at = $3 AND kind IN ('auto_close', 'operator_closed')",
    )
    .bind(emit.now)
    .bind(chat.0)
    .bind(hold_end)
    .execute(&mut *conn)
    .await?;
    if released.rows_affected() > 0 {
        emit.wake = true;
    }
    Ok(())
}
