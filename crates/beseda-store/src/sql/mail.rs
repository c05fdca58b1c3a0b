//! E-mail through the outbox: each mail is a `mail.*` row written in the transaction of the change
//! that causes it; the server composes and sends it.

use crate::Result;
use serde_json::Value;

use super::events::Emit;
use super::exec::{query, query_scalar};
use super::rows::to_json;
use super::Conn;

/// Writes a mail (or other integration) row. With `once_per`, nothing is written if a row of this kind was written in
/// that window (the kind's counter row is locked first, so concurrent writers queue one).
pub(super) async fn queue_job(
    conn: &mut Conn,
    kind: &str,
    subject: &str,
    payload: &Value,
    now: i64,
    once_per: Option<i64>,
) -> Result<bool> {
    if let Some(window) = once_per {
        query("UPDATE counters SET value = value + 1 WHERE name = $1").bind(kind).execute(&mut *conn).await?;
        let recent: i64 = query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = $1 AND created_at > $2")
            .bind(kind)
            .bind(now - window)
            .fetch_one(&mut *conn)
            .await?;
        if recent > 0 {
            return Ok(false);
        }
    }
    query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(kind)
        .bind(subject)
        .bind(to_json(payload)?)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// [`queue_job`] as part of a change: its worker is woken when the change is published.
pub(super) async fn emit_job(
    conn: &mut Conn,
    emit: &Emit,
    kind: &str,
    subject: &str,
    payload: &Value,
    once_per: Option<i64>,
) -> Result<()> {
    if queue_job(conn, kind, subject, payload, emit.now, once_per).await? {
        emit.queued(crate::Queued::of_kind(kind));
    }
    Ok(())
}
