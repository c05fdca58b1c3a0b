//! Figures: the queues, chat outcomes, facts of the chats started in a window (grouped by the
//! server into statistics), and the daily report's figures and chats.

use crate::capabilities::Stats;
use crate::{ChatFact, DayReport, OutcomeCounts, Result};
use async_trait::async_trait;
use beseda_core::ids::ChatId;
use serde_json::json;

use super::exec::{query, query_scalar};
use super::export::load_chat_detail;
use super::load::load_chat;
use super::mail::queue_job;
use super::SqlStore;

/// Message kinds written by the visitor and by the operator side, for response times.
const VISITOR_KINDS: &str = "'visitor', 'file_visitor', 'keyboard_response', 'sticker_visitor', 'contacts'";
const OPERATOR_KINDS: &str = "'operator', 'file_operator', 'keyboard', 'cont_req', 'action_request'";

/// The two queues counted up to their caps, each from `chats_operator` and stopping at its cap:
/// every visitor's init reads them, so counting every waiting chat would make an init cost
/// grow with the queue.
pub(super) const QUEUE_COUNTS: &str = "SELECT \
     (SELECT COUNT(*) FROM (SELECT 1 FROM chats WHERE operator_id IS NULL AND state = 'queue' LIMIT $1) AS q) AS online, \
     (SELECT COUNT(*) FROM (SELECT 1 FROM chats WHERE operator_id IS NULL AND state = 'offline_queue' LIMIT $2) AS o) \
     AS offline";

#[async_trait]
impl Stats for SqlStore {
    async fn queue_counts(&self, caps: (i64, i64)) -> Result<(i64, i64)> {
        let row = query(QUEUE_COUNTS).bind(caps.0).bind(caps.1).fetch_one(&self.reader).await?;
        Ok((row.try_get("online")?, row.try_get("offline")?))
    }

    async fn outcome_counts(&self) -> Result<OutcomeCounts> {
        let row = query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS answered, \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'missed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS missed, \
             CAST(COALESCE(SUM(CASE WHEN outcome = 'refusal' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refusals, \
             CAST(COALESCE(SUM(busy_messages), 0) AS BIGINT) AS busy FROM chats",
        )
        .fetch_one(&self.reader)
        .await?;
        Ok(OutcomeCounts {
            answered: row.try_get("answered")?,
            missed: row.try_get("missed")?,
            refusals: row.try_get("refusals")?,
            busy_messages: row.try_get("busy")?,
        })
    }

    async fn chat_facts(&self, from: i64, to: i64) -> Result<Vec<ChatFact>> {
        let mut conn = self.read().await?;
        let rows = query(
            "SELECT id, created_at, operator_id, department_key, category, subcategory, outcome, busy_messages, \
             offline, first_visitor_message_at, first_answer_at FROM chats WHERE created_at >= $1 AND created_at < $2 ORDER BY id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        let mut facts = Vec::with_capacity(rows.len());
        for row in &rows {
            facts.push(ChatFact {
                id: row.try_get("id")?,
                created_at: row.try_get("created_at")?,
                operator_id: row.try_get("operator_id")?,
                department_key: row.try_get("department_key")?,
                category: row.try_get("category")?,
                subcategory: row.try_get("subcategory")?,
                outcome: row.try_get("outcome")?,
                busy_messages: row.try_get("busy_messages")?,
                offline: row.try_get("offline")?,
                first_visitor_message_at: row.try_get("first_visitor_message_at")?,
                first_answer_at: row.try_get("first_answer_at")?,
                ratings: Vec::new(),
                response_micros: Vec::new(),
            });
        }
        let ratings = query(
            "SELECT r.chat_id, r.rating FROM ratings r JOIN chats c ON c.id = r.chat_id \
             WHERE c.created_at >= $1 AND c.created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *conn)
        .await?;
        let index: std::collections::HashMap<i64, usize> = facts.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
        for r in &ratings {
            if let Some(&i) = index.get(&r.try_get::<i64, _>("chat_id")?) {
                facts[i].ratings.push(r.try_get("rating")?);
            }
        }
        // Response time: from the oldest unanswered visitor message to the next operator message.
        let sql = format!(
            "SELECT m.chat_id, m.kind, m.created_at FROM messages m JOIN chats c ON c.id = m.chat_id \
             WHERE c.created_at >= $1 AND c.created_at < $2 AND m.kind IN ({VISITOR_KINDS}, {OPERATOR_KINDS}) \
             ORDER BY m.chat_id, m.created_at"
        );
        let messages = query(&sql).bind(from).bind(to).fetch_all(&mut *conn).await?;
        let mut waiting: Option<(i64, i64)> = None;
        for m in &messages {
            let chat: i64 = m.try_get("chat_id")?;
            let kind: String = m.try_get("kind")?;
            let at: i64 = m.try_get("created_at")?;
            if waiting.is_some_and(|(c, _)| c != chat) {
                waiting = None;
            }
            let from_visitor = VISITOR_KINDS.contains(&format!("'{kind}'"));
            match (from_visitor, waiting) {
                (true, None) => waiting = Some((chat, at)),
                (false, Some((_, since))) => {
                    if let Some(&i) = index.get(&chat) {
                        facts[i].response_micros.push(at - since);
                    }
                    waiting = None;
                }
                _ => {}
            }
        }
        Ok(facts)
    }

    async fn queue_daily_report(&self, day: &str, from: i64, to: i64) -> Result<bool> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let inserted = query("INSERT INTO daily_reports (day, queued_at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING")
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

    async fn day_report(&self, from: i64, to: i64) -> Result<DayReport> {
        let mut conn = self.read().await?;
        let row = query(
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
        let ratings = query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n, CAST(COALESCE(SUM(rating), 0) AS BIGINT) AS total FROM ratings \
             WHERE created_at >= $1 AND created_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&mut *conn)
        .await?;
        let ids: Vec<i64> = query_scalar(
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
