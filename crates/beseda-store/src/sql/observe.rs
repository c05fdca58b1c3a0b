//! What the metrics read: pool use and the outbox backlog.

use crate::{PoolStats, Result};
use sqlx::Row;

use super::{Db, SqlStore, SHARED_POOL};

impl SqlStore {
    pub(super) fn pools_in_use(&self) -> Vec<PoolStats> {
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

    pub(super) async fn count_backlog(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM outbox WHERE done_at IS NULL GROUP BY kind \
             UNION ALL SELECT 'webhook_call', COUNT(*) FROM webhook_deliveries WHERE status = 'pending'",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("n")?))).collect()
    }
}
