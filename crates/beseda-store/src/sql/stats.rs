//! Facts of the chats started in a window, for statistics (grouped by the server).

use crate::{ChatFact, Result};
use sqlx::Row;

use super::SqlStore;

/// Message kinds written by the visitor and by the operator side, for response times.
const VISITOR_KINDS: &str = "'visitor', 'file_visitor', 'keyboard_response', 'sticker_visitor', 'contacts'";
const OPERATOR_KINDS: &str = "'operator', 'file_operator', 'keyboard', 'cont_req', 'action_request'";

impl SqlStore {
    pub(super) async fn load_chat_facts(&self, from: i64, to: i64) -> Result<Vec<ChatFact>> {
        let mut conn = self.read().await?;
        let rows = sqlx::query(
            "SELECT id, created_at, operator_id, department_key, outcome, busy_messages, offline, \
             first_visitor_message_at, first_answer_at FROM chats WHERE created_at >= $1 AND created_at < $2 ORDER BY id",
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
                outcome: row.try_get("outcome")?,
                busy_messages: row.try_get("busy_messages")?,
                offline: row.try_get("offline")?,
                first_visitor_message_at: row.try_get("first_visitor_message_at")?,
                first_answer_at: row.try_get("first_answer_at")?,
                ratings: Vec::new(),
                response_micros: Vec::new(),
            });
        }
        let ratings = sqlx::query(
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
        let messages = sqlx::query(&sql).bind(from).bind(to).fetch_all(&mut *conn).await?;
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
}
