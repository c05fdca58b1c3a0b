//! The database itself: backend, migrations, a round trip, the clock, session-log pruning.

use crate::capabilities::Maintenance;
use crate::Result;
use async_trait::async_trait;

use super::{SqlStore, BACKEND, MIGRATIONS};

#[async_trait]
impl Maintenance for SqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn migrate(&self) -> Result<()> {
        crate::migrate::apply(&self.writer, MIGRATIONS, self.clock.now(), BACKEND).await
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
