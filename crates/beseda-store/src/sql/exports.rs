//! Bulk exports of contacts to an integration, with their progress.

use crate::capabilities::ContactExports;
use crate::{ExportJob, Result};
use async_trait::async_trait;
use beseda_core::model::Visitor;
use serde_json::json;

use super::exec::{query, query_scalar};
use super::mail::queue_job;
use super::rows::{visitor_from, VISITOR_COLS};
use super::{DbRow, SqlStore};

const EXPORT_COLS: &str = "id, kind, state, total, done, cursor, error, created_at, updated_at";
/// Visitors that may carry an e-mail or a phone (the values are checked by the caller).
const HAS_CONTACT: &str = "(fields LIKE '%\"email\"%' OR fields LIKE '%\"phone\"%')";

fn export_from(row: &DbRow) -> Result<ExportJob> {
    Ok(ExportJob {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: row.try_get("state")?,
        total: row.try_get("total")?,
        done: row.try_get("done")?,
        cursor: row.try_get("cursor")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

#[async_trait]
impl ContactExports for SqlStore {
    async fn start_export(&self, kind: &str) -> Result<ExportJob> {
        let now = self.clock.now();
        let mut tx = self.begin().await?;
        let sql = format!(
            "SELECT {EXPORT_COLS} FROM export_jobs WHERE kind = $1 AND state = 'running' ORDER BY id DESC LIMIT 1"
        );
        if let Some(row) = query(&sql).bind(kind).fetch_optional(&mut *tx).await? {
            return export_from(&row);
        }
        let total: i64 =
            query_scalar(&format!("SELECT COUNT(*) FROM visitors WHERE {HAS_CONTACT}")).fetch_one(&mut *tx).await?;
        let id: i64 = query_scalar(
            "INSERT INTO export_jobs (kind, state, total, created_at, updated_at) VALUES ($1, 'running', $2, $3, $3) \
             RETURNING id",
        )
        .bind(kind)
        .bind(total)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        queue_job(&mut tx, &format!("crm.{kind}_export"), &id.to_string(), &json!({"jobId": id}), now, None).await?;
        let row =
            query(&format!("SELECT {EXPORT_COLS} FROM export_jobs WHERE id = $1")).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        export_from(&row)
    }

    async fn export_job(&self, kind: &str) -> Result<Option<ExportJob>> {
        let sql = format!("SELECT {EXPORT_COLS} FROM export_jobs WHERE kind = $1 ORDER BY id DESC LIMIT 1");
        let row = query(&sql).bind(kind).fetch_optional(&self.reader).await?;
        row.as_ref().map(export_from).transpose()
    }

    async fn export_job_by_id(&self, id: i64) -> Result<Option<ExportJob>> {
        let sql = format!("SELECT {EXPORT_COLS} FROM export_jobs WHERE id = $1");
        let row = query(&sql).bind(id).fetch_optional(&self.reader).await?;
        row.as_ref().map(export_from).transpose()
    }

    async fn export_progress(&self, id: i64, done: i64, cursor: &str, state: &str, error: Option<&str>) -> Result<()> {
        query("UPDATE export_jobs SET done = $1, cursor = $2, state = $3, error = $4, updated_at = $5 WHERE id = $6")
            .bind(done)
            .bind(cursor)
            .bind(state)
            .bind(error)
            .bind(self.clock.now())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn contact_visitors(&self, after: &str, limit: i64) -> Result<Vec<Visitor>> {
        let sql = format!("SELECT {VISITOR_COLS} FROM visitors WHERE id > $1 AND {HAS_CONTACT} ORDER BY id LIMIT $2");
        let rows = query(&sql).bind(after).bind(limit).fetch_all(&self.reader).await?;
        rows.iter().map(visitor_from).collect()
    }
}
