//! The scheduler's passes: auto-assignment of waiting chats and timers that fell due.

use crate::capabilities::{Organisation, Scheduling};
use crate::{Changes, Result};
use async_trait::async_trait;
use beseda_core::ids::ChatId;

use super::events::Emit;
use super::exec::{query, query_scalar};
use super::load::{load_chat, locked_skip};
use super::routing::{auto_assign, fire_timer};
use super::rows::{chat_from, CHAT_COLS};
use super::SqlStore;

/// Waiting chats in assignment order, read from `chats_queue` without sorting them all.
pub(super) const WAITING_IN_ORDER: &str = concat!(
    "SELECT id FROM chats ",
    by_queue_order!(),
    " WHERE operator_id IS NULL AND state IN ('queue', 'offline_queue') ORDER BY priority DESC, offline, id LIMIT $1"
);

/// Due timers in firing order, read from `timers_due` without sorting them all.
pub(super) const DUE_TIMERS: &str =
    "SELECT kind, chat_id FROM timers WHERE due_at <= $1 ORDER BY due_at, chat_id LIMIT $2";

impl SqlStore {
    /// Some online human operator has a free place.
    async fn operator_has_room(&self, settings: &beseda_core::settings::OrgSettings) -> Result<bool> {
        let room: i64 = query_scalar(
            "SELECT COUNT(*) FROM operators o WHERE o.status = 'online' AND o.open_chats < COALESCE(o.max_chats, $1) \
             AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = o.id)",
        )
        .bind(i64::from(settings.max_chats_per_operator))
        .fetch_one(&self.reader)
        .await?;
        Ok(room > 0)
    }
}

#[async_trait]
impl Scheduling for SqlStore {
    async fn assign_waiting(&self, limit: i64) -> Result<Changes> {
        let mut changes = Changes::default();
        let settings = self.settings().await?;
        if !settings.auto_assignment {
            return Ok(changes);
        }
        // Oldest first, priority pages ahead, online requests before offline ones. Each chat is
        // assigned in its own short transaction, which locks that chat and one operator. With
        // no operator free, the waiting chats are not read at all.
        if !self.operator_has_room(&settings).await? {
            return Ok(changes);
        }
        let ids: Vec<i64> = query_scalar(WAITING_IN_ORDER).bind(limit).fetch_all(&self.reader).await?;
        for (n, id) in ids.into_iter().enumerate() {
            if n > 0 && !self.operator_has_room(&settings).await? {
                break;
            }
            let (settings, clock) = (settings.clone(), self.clock.clone());
            let assigned = self
                .write(move |conn| {
                    Box::pin(async move {
                        let sql = locked_skip(format!(
                            "SELECT {CHAT_COLS} FROM chats WHERE id = $1 AND operator_id IS NULL \
                             AND state IN ('queue', 'offline_queue')"
                        ));
                        let Some(row) = query(&sql).bind(id).fetch_optional(&mut *conn).await? else {
                            return Ok(None);
                        };
                        let mut chat = chat_from(&row)?;
                        let mut emit = Emit::new(&chat.visitor_id, settings, clock.now());
                        if !auto_assign(conn, &mut emit, &mut chat, None).await? {
                            return Ok(None);
                        }
                        Ok(Some(emit.finish(conn).await?))
                    })
                })
                .await?;
            if let Some(assigned) = assigned {
                changes.merge(assigned);
            }
        }
        Ok(changes)
    }

    async fn fire_due_timers(&self, limit: i64) -> Result<Changes> {
        let now = self.clock.now();
        let due = query(DUE_TIMERS).bind(now).bind(limit).fetch_all(&self.reader).await?;
        let mut changes = Changes::default();
        if due.is_empty() {
            return Ok(changes);
        }
        let settings = self.settings().await?;
        for row in &due {
            let kind: String = row.try_get("kind")?;
            let chat_id = ChatId(row.try_get("chat_id")?);
            // One short transaction per timer. Deleting the row is the claim: whoever deletes
            // it fires it; a concurrent scheduler finds nothing to delete.
            let (settings, kind) = (settings.clone(), kind.clone());
            let fired = self
                .write(move |conn| {
                    Box::pin(async move {
                        // The chat first, as every other change locks it, then the timer row.
                        let Some(mut chat) = load_chat(conn, chat_id, true).await? else { return Ok(None) };
                        let claimed = query("DELETE FROM timers WHERE kind = $1 AND chat_id = $2 AND due_at <= $3")
                            .bind(&kind)
                            .bind(chat_id.0)
                            .bind(now)
                            .execute(&mut *conn)
                            .await?;
                        if claimed.rows_affected() == 0 {
                            return Ok(None);
                        }
                        let mut emit = Emit::new(&chat.visitor_id, settings, now);
                        fire_timer(conn, &mut emit, &kind, &mut chat).await?;
                        Ok(Some(emit.finish(conn).await?))
                    })
                })
                .await?;
            if let Some(fired) = fired {
                changes.merge(fired);
            }
        }
        Ok(changes)
    }

    async fn next_timer_due(&self) -> Result<Option<i64>> {
        Ok(query_scalar("SELECT MIN(due_at) FROM timers").fetch_one(&self.reader).await?)
    }
}
