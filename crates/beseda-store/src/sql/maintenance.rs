//! The database itself: backend, migrations, a round trip, the clock, session-log pruning.

use crate::capabilities::Maintenance;
use crate::Result;
use async_trait::async_trait;

use super::exec::{query, query_scalar};
use super::{SqlStore, BACKEND, MIGRATIONS};

/// Items of recently written sessions that are both older than the cutoff ($1) and more than
/// `keep` ($2) revisions behind their session's head; sessions by `visit_sessions_log_written`.
pub(super) const PRUNE_SESSION_EVENTS: &str = "DELETE FROM session_events WHERE visit_session_id IN \
     (SELECT id FROM visit_sessions WHERE log_written_at >= $3) AND created_at < $1 AND revision <= \
     (SELECT s.revision - $2 FROM visit_sessions s WHERE s.id = session_events.visit_session_id)";

#[async_trait]
impl Maintenance for SqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn migrate(&self) -> Result<()> {
        crate::migrate::apply(&self.writer, MIGRATIONS, self.clock.now(), BACKEND).await
    }

    async fn ping(&self) -> Result<()> {
        query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    fn clock(&self) -> std::sync::Arc<dyn beseda_core::time::Clock> {
        self.clock.clone()
    }

    async fn prune_session_events(&self, keep_items: i64, keep_micros: i64) -> Result<u64> {
        let now = self.clock.now();
        let cutoff = now - keep_micros;
        // A change like any other: on SQLite it runs on the writer between two batches instead
        // of taking the database's write lock beside it (the writer would wait for it).
        self.write(move |conn| {
            Box::pin(async move {
                // Every node runs this job; one at a time does the work, the others skip this round.
                let ours: bool = query_scalar(job_lock!()).bind(crate::PRUNE_JOB_LOCK).fetch_one(&mut *conn).await?;
                if !ours {
                    return Ok(0);
                }
                // Only sessions whose log may have gained prunable items since the previous run:
                // written since then, or holding items that have aged past the cutoff since then —
                // both have `log_written_at` at or after (previous run − keep_micros). So a run
                // costs what was written lately, not the whole retained log; the first run (no
                // previous) looks at all.
                let previous: i64 = query_scalar("SELECT value FROM counters WHERE name = 'session_events_pruned_at'")
                    .fetch_one(&mut *conn)
                    .await?;
                let written_since = if previous == 0 { i64::MIN } else { previous.saturating_sub(keep_micros) };
                let done = query(PRUNE_SESSION_EVENTS)
                    .bind(cutoff)
                    .bind(keep_items)
                    .bind(written_since)
                    .execute(&mut *conn)
                    .await?;
                query("UPDATE counters SET value = $1 WHERE name = 'session_events_pruned_at'")
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                Ok(done.rows_affected())
            })
        })
        .await
    }
}
