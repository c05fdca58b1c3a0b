//! The audit log of admin and CLI actions.

use crate::capabilities::Audit;
use crate::{AuditEntry, AuditQuery, NewAuditEntry, Result};
use async_trait::async_trait;

use super::exec::{query, query_scalar};
use super::{DbRow, SqlStore};

const AUDIT_COLS: &str = "id, at, actor_id, actor, address, action, target_type, target_id, changes";

fn audit_from(row: &DbRow) -> Result<AuditEntry> {
    let changes: String = row.try_get("changes")?;
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        entry: NewAuditEntry {
            actor_id: row.try_get("actor_id")?,
            actor: row.try_get("actor")?,
            address: row.try_get("address")?,
            action: row.try_get("action")?,
            target_type: row.try_get("target_type")?,
            target_id: row.try_get("target_id")?,
            changes: serde_json::from_str(&changes).unwrap_or(serde_json::Value::Null),
        },
    })
}

#[async_trait]
impl Audit for SqlStore {
    async fn add_audit(&self, e: &NewAuditEntry) -> Result<i64> {
        let id: i64 = query_scalar(
            "INSERT INTO audit_log (at, actor_id, actor, address, action, target_type, target_id, changes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(self.clock.now())
        .bind(e.actor_id)
        .bind(&e.actor)
        .bind(&e.address)
        .bind(&e.action)
        .bind(&e.target_type)
        .bind(&e.target_id)
        .bind(e.changes.to_string())
        .fetch_one(&self.writer)
        .await?;
        Ok(id)
    }

    async fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {AUDIT_COLS} FROM audit_log \
             WHERE ($1 IS NULL OR at >= $1) AND ($2 IS NULL OR at < $2) \
             AND ($3 IS NULL OR actor = $3 OR CAST(actor_id AS TEXT) = $3) \
             AND ($4 IS NULL OR action = $4 OR action LIKE $4 || '.%') \
             ORDER BY id DESC LIMIT $5 OFFSET $6"
        );
        let rows = query(&sql)
            .bind(q.from)
            .bind(q.to)
            .bind(q.actor.as_deref())
            .bind(q.action.as_deref())
            .bind(q.limit)
            .bind(q.offset)
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(audit_from).collect()
    }
}
