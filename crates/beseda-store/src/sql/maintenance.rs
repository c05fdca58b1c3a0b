//! The database itself: backend, migrations, a round trip, the clock, session-log pruning.

use crate::capabilities::Maintenance;
use crate::{Result, StoreError};
use async_trait::async_trait;

use super::{SqlStore, BACKEND, MIGRATIONS};

#[async_trait]
impl Maintenance for SqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn migrate(&self) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        sqlx::Executor::execute(&mut *conn, crate::migrate::CREATE_LEDGER).await?;
        let applied: Vec<String> =
            sqlx::query_scalar("SELECT name FROM beseda_migrations ORDER BY name").fetch_all(&mut *conn).await?;
        crate::migrate::check_known(&applied, MIGRATIONS)?;
        let mut newly = 0;
        for m in MIGRATIONS {
            let done: Option<String> = sqlx::query_scalar("SELECT name FROM beseda_migrations WHERE name = $1")
                .bind(m.name)
                .fetch_optional(&mut *conn)
                .await?;
            if done.is_some() {
                continue;
            }
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            sqlx::Executor::execute(&mut *tx, m.sql)
                .await
                .map_err(|e| StoreError::Migration(format!("{}: {e}", m.name)))?;
            sqlx::query("INSERT INTO beseda_migrations (name, applied_at) VALUES ($1, $2)")
                .bind(m.name)
                .bind(self.clock.now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::debug!(migration = m.name, backend = BACKEND, "applied migration");
            newly += 1;
        }
        // One line for a whole upgrade (a new database applies every migration).
        if newly > 0 {
            let latest = MIGRATIONS.last().map_or("", |m| m.name);
            tracing::info!(applied = newly, schema = latest, backend = BACKEND, "database migrated");
        }
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    fn clock(&self) -> std::sync::Arc<dyn beseda_core::time::Clock> {
        self.clock.clone()
    }

    async fn prune_session_events(&self, keep_items: i64, keep_micros: i64) -> Result<u64> {
        let cutoff = self.clock.now() - keep_micros;
        let mut tx = self.begin().await?;
        // Every node runs this job; one at a time does the work, the others skip this round.
        let ours: bool = sqlx::query_scalar(job_lock!()).bind(crate::PRUNE_JOB_LOCK).fetch_one(&mut *tx).await?;
        if !ours {
            tx.commit().await?;
            return Ok(0);
        }
        let done = sqlx::query(
            "DELETE FROM session_events WHERE created_at < $1 AND revision <= \
             (SELECT s.revision - $2 FROM visit_sessions s WHERE s.id = session_events.visit_session_id)",
        )
        .bind(cutoff)
        .bind(keep_items)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
