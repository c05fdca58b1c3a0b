//! The Stored Data API's incremental chat export (stored-data-api.md §5 `/chats?since=`).
//!
//! Triggers clear a chat's `stamp` whenever the chat, its messages, ratings or visitor fields
//! change (migration 0013). `stamp_changed_chats` gives every such chat a new stamp: the time in
//! µs, bumped to stay above the 'chat_stamp' counter. The counter row is locked first and held
//! until commit, so stamps are handed out in commit order and a reader that has seen stamp `s`
//! never later finds a smaller one. Chats a running transaction holds are skipped (PostgreSQL) and
//! stamped on a later call, once that change has committed.

use crate::capabilities::ChatExport;
use crate::{ChatDetail, Result, StoreError};
use async_trait::async_trait;
use beseda_core::ids::MessageId;
use beseda_core::model::Chat;

use super::exec::{query, query_scalar};
use super::load::{load_chat_view, load_visitor};
use super::rows::{chat_from, CHAT_COLS};
use super::{Conn, SqlStore};

/// Chats stamped per transaction.
const STAMP_BATCH: i64 = 500;

/// Stamps up to [`STAMP_BATCH`] changed chats; returns how many.
async fn stamp_changed_chats(conn: &mut Conn, now: i64) -> Result<usize> {
    let mut last: i64 = query_scalar("UPDATE counters SET value = value WHERE name = 'chat_stamp' RETURNING value")
        .fetch_one(&mut *conn)
        .await?;
    let sql = format!(
        "SELECT id FROM chats WHERE stamp IS NULL ORDER BY id LIMIT {STAMP_BATCH}{}",
        for_update_skip_locked!()
    );
    let ids: Vec<i64> = query_scalar(&sql).fetch_all(&mut *conn).await?;
    for id in &ids {
        last = (last + 1).max(now);
        query("UPDATE chats SET stamp = $1 WHERE id = $2").bind(last).bind(id).execute(&mut *conn).await?;
    }
    query("UPDATE counters SET value = $1 WHERE name = 'chat_stamp'").bind(last).execute(&mut *conn).await?;
    Ok(ids.len())
}

/// Everything the Stored Data API shows of one chat.
pub(super) async fn load_chat_detail(conn: &mut Conn, chat: Chat) -> Result<ChatDetail> {
    let visitor = load_visitor(conn, &chat.visitor_id).await?.ok_or(StoreError::NotFound)?;
    let undelivered: Vec<String> =
        query_scalar("SELECT id FROM messages WHERE chat_id = $1 AND delivery_failed = TRUE ORDER BY created_at")
            .bind(chat.id.0)
            .fetch_all(&mut *conn)
            .await?;
    let session = query("SELECT platform, page_url FROM visit_sessions WHERE id = $1")
        .bind(chat.visit_session_id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let (platform, page_url) = match &session {
        Some(row) => (row.try_get("platform")?, row.try_get("page_url")?),
        None => (None, None),
    };
    let view = load_chat_view(conn, chat).await?;
    Ok(ChatDetail {
        platform,
        page_url,
        undelivered: undelivered.into_iter().map(MessageId::from_stored).collect(),
        chat: view.chat,
        visitor,
        messages: view.messages,
        operator: view.operator,
        ratings: view.ratings,
    })
}

impl SqlStore {
    /// Stamps every changed chat that no running transaction holds.
    async fn stamp_chats(&self) -> Result<()> {
        loop {
            let mut tx = self.begin().await?;
            let n = stamp_changed_chats(&mut tx, self.clock.now()).await?;
            tx.commit().await?;
            if n < STAMP_BATCH as usize {
                return Ok(());
            }
        }
    }
}

#[async_trait]
impl ChatExport for SqlStore {
    async fn chats_since(&self, since: i64, limit: i64) -> Result<Vec<(i64, ChatDetail)>> {
        self.stamp_chats().await?;
        let mut conn = self.read().await?;
        let sql = format!("SELECT stamp, {CHAT_COLS} FROM chats WHERE stamp > $1 ORDER BY stamp LIMIT $2");
        let rows = query(&sql).bind(since).bind(limit).fetch_all(&mut *conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let stamp: i64 = row.try_get("stamp")?;
            out.push((stamp, load_chat_detail(&mut conn, chat_from(&row)?).await?));
        }
        Ok(out)
    }
}
