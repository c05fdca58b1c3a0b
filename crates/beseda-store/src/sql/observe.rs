//! What the metrics read of the store itself: group commits, pool use and the outbox backlog.

use crate::capabilities::Metrics;
use crate::{CommitStats, PoolStats, Result};
use async_trait::async_trait;

use super::exec::query;
use super::{Db, SqlStore, SHARED_POOL};

#[async_trait]
impl Metrics for SqlStore {
    fn group_commit_counts(&self) -> Option<(u64, u64)> {
        self.group.as_ref().map(|g| g.counts.read())
    }

    fn group_commit_stats(&self) -> Option<CommitStats> {
        self.group.as_ref().map(|g| g.counts.stats())
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |pool: &'static str, p: &sqlx::Pool<Db>| PoolStats {
            pool,
            size: p.size(),
            idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            max: p.options().get_max_connections(),
        };
        if SHARED_POOL {
            vec![stats("main", &self.reader)]
        } else {
            vec![stats("writer", &self.writer), stats("reader", &self.reader)]
        }
    }

    async fn outbox_backlog(&self) -> Result<Vec<(String, i64)>> {
        let rows = query(
            "SELECT kind, COUNT(*) AS n FROM outbox WHERE done_at IS NULL GROUP BY kind \
             UNION ALL SELECT 'webhook_call', COUNT(*) FROM webhook_deliveries WHERE status = 'pending'",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("n")?))).collect()
    }
}
