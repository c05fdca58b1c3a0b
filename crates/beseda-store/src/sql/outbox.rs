//! The outbox: rows written in the transaction of the change that causes them, claimed in order
//! per subject by their senders, finished or retried.

use crate::capabilities::Outbox;
use crate::{OutboxClaim, OutboxRecord, Result};
use async_trait::async_trait;

use super::exec::query;
use super::rows::json_col;
use super::SqlStore;

/// The due head of each subject's queue of one kind (no pending row of its subject before it),
/// oldest first: read in id order from `outbox_pending` (pending rows only) until the limit, so
/// its cost follows the claimed rows, not the history. (Asked as `o.id = (SELECT MIN(p.id) …)`,
/// PostgreSQL ran that subquery for every pending row of the kind and sorted them all.)
pub(super) const CLAIM_HEADS: &str = "SELECT o.id, o.subject, o.payload, o.attempts FROM outbox o \
     WHERE o.kind = $1 AND o.done_at IS NULL AND o.due_at <= $2 AND NOT EXISTS (SELECT 1 FROM outbox p \
     WHERE p.kind = $1 AND p.subject = o.subject AND p.done_at IS NULL AND p.id < o.id) ORDER BY o.id LIMIT $3";

#[async_trait]
impl Outbox for SqlStore {
    async fn outbox(&self, kind: &str, subject: &str) -> Result<Vec<OutboxRecord>> {
        let rows = query(
            "SELECT id, kind, subject, payload, created_at FROM outbox WHERE kind = $1 AND subject = $2 ORDER BY id",
        )
        .bind(kind)
        .bind(subject)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRecord {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    subject: r.try_get("subject")?,
                    payload: json_col(r, "payload")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn claim_outbox(&self, kind: &str, limit: i64, lease_micros: i64) -> Result<Vec<OutboxClaim>> {
        let now = self.clock.now();
        let heads = query(CLAIM_HEADS).bind(kind).bind(now).bind(limit).fetch_all(&self.reader).await?;
        if heads.is_empty() {
            return Ok(Vec::new());
        }
        let mut candidates = Vec::with_capacity(heads.len());
        for row in &heads {
            candidates.push(OutboxClaim {
                id: row.try_get("id")?,
                subject: row.try_get("subject")?,
                payload: json_col(row, "payload")?,
                attempts: row.try_get("attempts")?,
            });
        }
        // The claims in one change (on SQLite through the writer, beside the other changes
        // rather than against them for the database's lock): only one node moves a lease forward.
        self.write(move |conn| {
            Box::pin(async move {
                let mut claimed = Vec::with_capacity(candidates.len());
                for claim in candidates {
                    let done =
                        query("UPDATE outbox SET due_at = $1 WHERE id = $2 AND due_at <= $3 AND done_at IS NULL")
                            .bind(now + lease_micros)
                            .bind(claim.id)
                            .bind(now)
                            .execute(&mut *conn)
                            .await?;
                    if done.rows_affected() > 0 {
                        claimed.push(claim);
                    }
                }
                Ok(claimed)
            })
        })
        .await
    }

    async fn outbox_done(&self, outbox_id: i64, error: Option<&str>) -> Result<()> {
        let sql = "UPDATE outbox SET done_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3";
        self.record_attempt(sql, self.clock.now(), error.map(str::to_owned), outbox_id).await
    }

    async fn outbox_retry(&self, outbox_id: i64, delay_micros: i64, error: &str) -> Result<()> {
        let sql = "UPDATE outbox SET due_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3";
        self.record_attempt(sql, self.clock.now() + delay_micros, Some(error.to_owned()), outbox_id).await
    }
}

impl SqlStore {
    /// An attempt at a row's delivery, ended (`done_at`) or put off (`due_at`) to `at` by `sql`,
    /// as a change (on SQLite through the writer).
    async fn record_attempt(&self, sql: &'static str, at: i64, error: Option<String>, outbox_id: i64) -> Result<()> {
        self.write(move |conn| {
            Box::pin(async move {
                query(sql).bind(at).bind(error).bind(outbox_id).execute(&mut *conn).await?;
                Ok(())
            })
        })
        .await
    }
}
