//! Reads shared by many changes: settings, operators, visitors, placements, chats, messages.

use crate::{ChatView, Result};
use beseda_core::ids::{ChatId, OperatorId, VisitorId};
use beseda_core::model::{Chat, Department, Message, Operator, Placement, Rating, Visitor};
use beseda_core::settings::OrgSettings;
use beseda_core::texts;
use std::collections::BTreeMap;

use super::exec::query;
use super::rows::{
    chat_from, department_from, json_col, marks, message_from, operator_from, placement_from, prefixed, visitor_from,
    CHAT_COLS, MESSAGE_COLS, OPERATOR_COLS, PLACEMENT_COLS, VISITOR_COLS,
};
use super::visits::CHAT_MESSAGE_LIMIT;
use super::{Conn, DbRow};

/// The organisation's settings; SQLite's writer keeps them between changes until they are
/// written (`direct::Memo`).
pub(crate) async fn load_settings(conn: &mut Conn) -> Result<OrgSettings> {
    if let Some(settings) = conn.memo().and_then(|memo| memo.get("settings", "organisation")) {
        return Ok(settings);
    }
    let row = query("SELECT value FROM settings WHERE key = 'organisation'").fetch_optional(&mut *conn).await?;
    let settings: OrgSettings = match row {
        Some(row) => json_col(&row, "value")?,
        None => OrgSettings::default(),
    };
    if let Some(memo) = conn.memo() {
        memo.put("settings", "organisation", settings.clone());
    }
    Ok(settings)
}

pub(super) async fn load_operator(conn: &mut Conn, id: OperatorId) -> Result<Option<Operator>> {
    let sql = format!("SELECT {OPERATOR_COLS} FROM operators WHERE id = $1");
    let Some(row) = query(&sql).bind(id.0).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let keys = operator_department_keys(conn, id).await?;
    Ok(Some(operator_from(&row, keys)?))
}

pub(super) async fn operator_department_keys(conn: &mut Conn, id: OperatorId) -> Result<Vec<String>> {
    let rows = query("SELECT department_key FROM operator_departments WHERE operator_id = $1 ORDER BY department_key")
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
    let rows = query(&sql).fetch_all(&mut *conn).await?;
    let links = query("SELECT operator_id, department_key FROM operator_departments ORDER BY department_key")
        .fetch_all(&mut *conn)
        .await?;
    with_departments(&rows, &links)
}

/// The operators `ids` that are not deleted, by id: for a change that concerns a few of many.
pub(super) async fn load_operators_by_id(conn: &mut Conn, ids: &[i64]) -> Result<Vec<Operator>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(OPERATORS_BY_ID_CHUNK) {
        let list = marks(1, chunk.len());
        let sql =
            format!("SELECT {OPERATOR_COLS} FROM operators WHERE deleted_at IS NULL AND id IN ({list}) ORDER BY id");
        let links = format!(
            "SELECT operator_id, department_key FROM operator_departments WHERE operator_id IN ({list}) \
             ORDER BY department_key"
        );
        let (mut rows, mut link_rows) = (query(&sql), query(&links));
        for id in chunk {
            rows = rows.bind(*id);
            link_rows = link_rows.bind(*id);
        }
        let rows = rows.fetch_all(&mut *conn).await?;
        let links = link_rows.fetch_all(&mut *conn).await?;
        out.extend(with_departments(&rows, &links)?);
    }
    Ok(out)
}

/// Operators per `IN (…)` of [`load_operators_by_id`].
const OPERATORS_BY_ID_CHUNK: usize = 500;

/// Operator rows with their department links.
fn with_departments(rows: &[DbRow], links: &[DbRow]) -> Result<Vec<Operator>> {
    let mut by_op: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for l in links {
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
    let row = query(&sql).bind(id.as_str()).fetch_optional(&mut *conn).await?;
    row.as_ref().map(visitor_from).transpose()
}

/// A placement; SQLite's writer keeps it between changes until placements are written
/// (`direct::Memo`).
pub(super) async fn load_placement(conn: &mut Conn, key: &str) -> Result<Option<Placement>> {
    if let Some(placement) = conn.memo().and_then(|memo| memo.get("placements", key)) {
        return Ok(placement);
    }
    let sql = format!("SELECT {PLACEMENT_COLS} FROM placements WHERE key = $1");
    let row = query(&sql).bind(key).fetch_optional(&mut *conn).await?;
    let placement = row.as_ref().map(placement_from).transpose()?;
    if let Some(memo) = conn.memo() {
        memo.put("placements", key, placement.clone());
    }
    Ok(placement)
}

pub(super) async fn load_departments(conn: &mut Conn) -> Result<Vec<Department>> {
    let rows = query("SELECT id, key, name, locale_names, sort_order, logo FROM departments ORDER BY sort_order, key")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(department_from).collect()
}

/// Departments offered at a placement (all when it names none), ascending order.
pub(super) async fn offered_departments(conn: &mut Conn, placement: &Placement) -> Result<Vec<Department>> {
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
    let row = query(&sql).bind(id.0).fetch_optional(&mut *conn).await?;
    row.as_ref().map(chat_from).transpose()
}

/// The visitor's current chat: the latest one, unless it is finally closed or older than the
/// placement's conversation timeout (and not waiting for the visitor to read the operator's
/// last message, closing.rs). The conversation's end closes the chat by its timer; this only
/// covers the moments before the timer fires.
pub(super) async fn load_current_chat(
    conn: &mut Conn,
    visitor: &VisitorId,
    location: &str,
    lock: bool,
    now: i64,
) -> Result<Option<Chat>> {
    let sql = locked(format!("SELECT {CHAT_COLS} FROM chats WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1"), lock);
    let Some(row) = query(&sql).bind(visitor.as_str()).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let chat = chat_from(&row)?;
    if chat.state.is_final() {
        return Ok(None);
    }
    let timeout_hours = match chat.conversation_timeout_hours {
        Some(h) => h,
        None => load_placement(conn, location)
            .await?
            .map(|p| p.conversation_timeout_hours)
            .unwrap_or(beseda_core::timers::DEFAULT_CONVERSATION_HOURS),
    };
    if chat.modified_at < now - timeout_hours * 3600 * 1_000_000 {
        let last_unread = super::closing::last_unread_by_visitor(conn, &chat).await?;
        if beseda_core::timers::unread_hold_until(last_unread, now).is_none() {
            return Ok(None);
        }
    }
    Ok(Some(chat))
}

pub(super) async fn load_messages(conn: &mut Conn, chat: ChatId) -> Result<Vec<Message>> {
    let sql = format!(
        "SELECT {MESSAGE_COLS} FROM (SELECT {MESSAGE_COLS} FROM messages WHERE chat_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2) AS recent ORDER BY created_at, id"
    );
    let rows = query(&sql).bind(chat.0).bind(CHAT_MESSAGE_LIMIT).fetch_all(&mut *conn).await?;
    rows.iter().map(message_from).collect()
}

pub(super) async fn load_message(conn: &mut Conn, id: &str) -> Result<Option<Message>> {
    let sql = format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = $1");
    let row = query(&sql).bind(id).fetch_optional(&mut *conn).await?;
    row.as_ref().map(message_from).transpose()
}

/// A message of this visitor found by its client-side id (any of the visitor's chats).
pub(super) async fn visitor_message_by_csid(
    conn: &mut Conn,
    visitor: &VisitorId,
    csid: &str,
) -> Result<Option<Message>> {
    // Every visitor message asks this first: the text is built once.
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let sql = SQL.get_or_init(|| {
        format!(
            "SELECT {} FROM messages m JOIN chats c ON c.id = m.chat_id \
             WHERE m.client_side_id = $1 AND c.visitor_id = $2 ORDER BY m.created_at DESC LIMIT 1",
            prefixed("m", MESSAGE_COLS)
        )
    });
    let row = query(sql).bind(csid).bind(visitor.as_str()).fetch_optional(&mut *conn).await?;
    row.as_ref().map(message_from).transpose()
}

async fn load_ratings(conn: &mut Conn, chat: ChatId) -> Result<Vec<Rating>> {
    let rows = query(
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
    let rows = query("SELECT operator_id, answer FROM resolution_answers WHERE chat_id = $1 ORDER BY operator_id")
        .bind(chat.id.0)
        .fetch_all(&mut *conn)
        .await?;
    let resolutions =
        rows.iter().map(|r| Ok((r.try_get("operator_id")?, r.try_get("answer")?))).collect::<Result<Vec<_>>>()?;
    Ok(ChatView { chat, messages, operator, ratings, resolutions })
}

pub(super) async fn visitor_name(conn: &mut Conn, visitor: &VisitorId, lang: &str) -> Result<String> {
    let v = load_visitor(conn, visitor).await?;
    Ok(v.map(|v| v.display_name())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| texts::visitor_default_name(lang).to_owned()))
}
