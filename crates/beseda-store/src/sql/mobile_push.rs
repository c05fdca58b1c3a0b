//! Pushes to mobile SDK visitors (visitor-api.md §16): queued as outbox rows (kind
//! `mobile_push`, subject = the visit session's id, so one device's pushes go in order) in the
//! transaction of the change they tell of, one per device token whose app is not listening
//! (no open long-poll or WebSocket: `visit_sessions.listening_until` has passed); a deleted
//! message ends its push not yet sent, or withdraws (`"del"`) the one delivered.

use crate::capabilities::MobilePush;
use crate::Result;
use async_trait::async_trait;
use beseda_core::ids::{VisitSessionId, VisitorId};
use beseda_core::mobile_push::{self, Notice, PushKind};
use beseda_core::protocol::visitor::DeltaItem;
use serde_json::{json, Value};

use super::exec::{query, query_scalar};
use super::rows::to_json;
use super::{Conn, SqlStore};

use beseda_core::mobile_push::OUTBOX_KIND as KIND;
/// A token gets pushes while its visit session was seen within this long.
const TOKEN_LIFETIME_MICROS: i64 = 30 * 24 * 3600 * 1_000_000;
/// A deleted message withdraws what was pushed about it this recently.
const WITHDRAW_WINDOW_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;
/// What an ended push says when its message was deleted before it went out.
const DELETED: &str = "the message was deleted before the push went out";

/// The push service of a session's `push-service`: `apns`, or `fcm` (`gcm`, the older
/// Android SDKs' name, is FCM too); anything else gets no pushes.
fn service(name: &str) -> Option<&'static str> {
    match name.trim().to_ascii_lowercase().as_str() {
        "apns" => Some("apns"),
        "fcm" | "gcm" => Some("fcm"),
        _ => None,
    }
}

/// One device: the latest session of a token.
struct Target {
    session: String,
    service: &'static str,
    token: String,
    location: String,
    /// Some session of the token has its app listening now.
    listening: bool,
}

async fn targets(conn: &mut Conn, visitor: &VisitorId, now: i64) -> Result<Vec<Target>> {
    let rows = query(
        "SELECT id, push_service, push_token, location, listening_until FROM visit_sessions \
         WHERE visitor_id = $1 AND push_token IS NOT NULL AND last_seen_at > $2 ORDER BY last_seen_at DESC, id",
    )
    .bind(visitor.as_str())
    .bind(now - TOKEN_LIFETIME_MICROS)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Target> = Vec::new();
    for r in &rows {
        let token: String = r.try_get("push_token")?;
        let name: Option<String> = r.try_get("push_service")?;
        let Some(service) = name.as_deref().and_then(service) else { continue };
        let listening = r.try_get::<Option<i64>, _>("listening_until")?.is_some_and(|until| until > now);
        if token.trim().is_empty() {
            continue;
        }
        match out.iter_mut().find(|t| t.token == token && t.service == service) {
            Some(t) => t.listening |= listening,
            None => out.push(Target {
                session: r.try_get("id")?,
                service,
                token,
                location: r.try_get("location")?,
                listening,
            }),
        }
    }
    Ok(out)
}

/// The name of the operator of the visitor's latest chat (`P.RO`'s argument).
async fn operator_name(conn: &mut Conn, visitor: &VisitorId) -> Result<String> {
    Ok(query_scalar(
        "SELECT o.name FROM chats c JOIN operators o ON o.id = c.operator_id WHERE c.visitor_id = $1 \
         ORDER BY c.id DESC LIMIT 1",
    )
    .bind(visitor.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or_default())
}

/// The unread count of the visitor's latest chat (`unread_by_visitor_msg_cnt`).
async fn unread(conn: &mut Conn, visitor: &VisitorId) -> Result<i64> {
    Ok(query_scalar("SELECT unread_by_visitor_count FROM chats WHERE visitor_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(visitor.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(0))
}

async fn insert(conn: &mut Conn, session: &str, payload: &Value, now: i64) -> Result<()> {
    query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ($1, $2, $3, $4, $4)")
        .bind(KIND)
        .bind(session)
        .bind(to_json(payload)?)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Queues the pushes a change's visitor-log items bring (`beseda_core::mobile_push`); whether
/// it queued any. Costs nothing for changes that tell the visitor nothing pushable, one query
/// for a visitor without a push token.
pub(super) async fn queue_mobile_pushes(
    conn: &mut Conn,
    visitor: &VisitorId,
    items: &[DeltaItem],
    now: i64,
) -> Result<bool> {
    let notices = mobile_push::notices(items);
    if notices.is_empty() {
        return Ok(false);
    }
    let targets = targets(conn, visitor, now).await?;
    if targets.is_empty() {
        return Ok(false);
    }
    let unread = unread(conn, visitor).await?;
    let mut queued = false;
    for notice in &notices {
        match notice {
            Notice::Add { kind, args, message_id } => {
                let args = match kind {
                    PushKind::RateOperator => vec![operator_name(conn, visitor).await?],
                    _ => args.clone(),
                };
                for t in targets.iter().filter(|t| !t.listening) {
                    let payload = json!({
                        "service": t.service, "token": t.token, "key": kind.loc_key(), "event": "add",
                        "args": args, "unread": unread, "location": t.location, "messageId": message_id,
                    });
                    insert(conn, &t.session, &payload, now).await?;
                    queued = true;
                }
            }
            Notice::Withdraw { message_id } => queued |= withdraw(conn, visitor, message_id, unread, now).await?,
        }
    }
    Ok(queued)
}

/// The pushes about a deleted message: one not yet sent ends; one delivered is withdrawn by a
/// `del` push to the same device.
async fn withdraw(conn: &mut Conn, visitor: &VisitorId, message_id: &str, unread: i64, now: i64) -> Result<bool> {
    let rows = query(
        "SELECT o.id, o.subject, o.payload, o.done_at, o.last_error FROM outbox o \
         JOIN visit_sessions s ON s.id = o.subject WHERE o.kind = $1 AND s.visitor_id = $2 AND o.created_at > $3 \
         ORDER BY o.id",
    )
    .bind(KIND)
    .bind(visitor.as_str())
    .bind(now - WITHDRAW_WINDOW_MICROS)
    .fetch_all(&mut *conn)
    .await?;
    let mut queued = false;
    for r in &rows {
        let text: String = r.try_get("payload")?;
        let Ok(mut payload) = serde_json::from_str::<Value>(&text) else { continue };
        if payload["messageId"] != message_id || payload["event"] != "add" {
            continue;
        }
        let id: i64 = r.try_get("id")?;
        let done_at: Option<i64> = r.try_get("done_at")?;
        let error: Option<String> = r.try_get("last_error")?;
        match (done_at, error) {
            (None, _) => {
                query("UPDATE outbox SET done_at = $1, last_error = $2 WHERE id = $3 AND done_at IS NULL")
                    .bind(now)
                    .bind(DELETED)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            (Some(_), None) => {
                payload["event"] = json!("del");
                payload["args"] = json!([]);
                payload["unread"] = json!(unread);
                let subject: String = r.try_get("subject")?;
                insert(conn, &subject, &payload, now).await?;
                queued = true;
            }
            (Some(_), Some(_)) => {}
        }
    }
    Ok(queued)
}

#[async_trait]
impl MobilePush for SqlStore {
    async fn set_listening(&self, session: &VisitSessionId, until: i64) -> Result<()> {
        query("UPDATE visit_sessions SET listening_until = $1 WHERE id = $2 AND push_token IS NOT NULL")
            .bind(until)
            .bind(session.as_str())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn push_token_listening(&self, token: &str) -> Result<bool> {
        let n: i64 = query_scalar("SELECT COUNT(*) FROM visit_sessions WHERE push_token = $1 AND listening_until > $2")
            .bind(token)
            .bind(self.clock.now())
            .fetch_one(&self.reader)
            .await?;
        Ok(n > 0)
    }

    async fn drop_push_token(&self, token: &str, why: &str) -> Result<u64> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let sessions: Vec<String> =
            query_scalar("SELECT id FROM visit_sessions WHERE push_token = $1").bind(token).fetch_all(&mut *tx).await?;
        for session in &sessions {
            query(
                "UPDATE outbox SET done_at = $1, last_error = $2 WHERE kind = $3 AND subject = $4 AND done_at IS NULL",
            )
            .bind(now)
            .bind(why)
            .bind(KIND)
            .bind(session)
            .execute(&mut *tx)
            .await?;
        }
        query("UPDATE visit_sessions SET push_token = NULL, listening_until = NULL WHERE push_token = $1")
            .bind(token)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(sessions.len() as u64)
    }
}
