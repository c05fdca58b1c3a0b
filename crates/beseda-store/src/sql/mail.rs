//! E-mail through the outbox: each mail is a `mail.*` row written in the transaction of the change
//! that causes it; the server composes and sends it.

use crate::{DayReport, Result};
use beseda_core::ids::ChatId;
use serde_json::{json, Value};
use sqlx::Row;

use super::common::{load_chat, to_json, Emit};
use super::export::load_chat_detail;
use super::{Conn, SqlStore};

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
        sqlx::query("UPDATE counters SET value = value + 1 WHERE name = $1").bind(kind).execute(&mut *conn).await?;
        let recent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = $1 AND created_at > $2")
            .bind(kind)
            .bind(now - window)
            .fetch_one(&mut *conn)
            .await?;
        if recent > 0 {
            return Ok(false);
        }
    }
    sqlx::query("INSERT INTO outbox (kind, subject, payload, created_at, due_at) VALUES ($1, $2, $3, $4, $5)")
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

impl SqlStore {
    pub(super) async fn queue_day_report(&self, day: &str, from: i64, to: i64) -> Result<bool> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let inserted =
            sqlx::query("INSERT INTO daily_reports (day, queued_at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING")
                .bind(day)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        if inserted {
            queue_job(&mut tx, "mail.daily_report", day, &json!({"day": day, "from": from, "to": to}), now, None)
                .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    pub(super) async fn load_day_report(&self, from: i64, to: i64) -> Result<DayReport> {
        let mut conn = self.read().await?;
        let row = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS chats, \
             CAST(COALESCE(SUM(CASE WHEN offline THEN 1 ELSE 0 END), 0) AS BIGINT) AS offline, \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered, \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'missed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS missed, \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'refusal' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refusals, \
             CAST(COALESCE(SUM(busy_messages), 0) AS BIGINT) AS busy \
             FROM chats WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?;
        let ratings = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS total FROM ratings \
             WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT chat_id FROM messages WHERE created_at >= $1 AND created_at < $2 ORDER BY chat_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        let mut chats = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(chat) = load_chat(&mut conn, ChatId(id), false).await? {
                chats.push(load_chat_detail(&mut conn, chat).await?);
            }
        }
        Ok(DayReport {
            chats: row.try_get("chats")?,
            offline: row.try_get("offline")?,
            answered: row.try_get("answered")?,
            missed: row.try_get("missed")?,
            refusals: row.try_get("refusals")?,
            busy_messages: row.try_get("busy")?,
            ratings: ratings.try_get("n")?,
            rating_sum: ratings.try_get("total")?,
            details: chats,
        })
    }
}
