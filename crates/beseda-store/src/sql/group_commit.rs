//! Group commit: each backend's `GROUP_COMMIT` says whether it is used.
//!
//! SQLite has one writer: changes that queue up while a transaction commits run together in the
//! next transaction, each inside its own savepoint, so that one fsync covers them all. A change's
//! result is handed back only after that COMMIT succeeded, so "acknowledged" still means
//! "committed". A change that fails is rolled back to its savepoint and its error returned; the
//! other changes of the batch are unaffected. If the batch itself cannot commit, every change of it
//! gets the error and nothing of it is written.

use crate::{Result, StoreError};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Conn, Db, SqlStore, BEGIN_WRITE, GROUP_COMMIT};

/// The most changes one transaction carries.
const GROUP_COMMIT_MAX: usize = 256;
/// Changes waiting for the writer before callers wait to queue theirs.
const GROUP_COMMIT_QUEUE: usize = 4096;

/// Tells a queued change how its batch ended: `None` committed, `Some(reason)` not.
type Settle = Box<dyn FnOnce(Option<&str>) + Send>;
/// A change waiting for the writer: runs on the batch's transaction and says whether it failed.
type QueuedChange =
    Box<dyn for<'c> FnOnce(&'c mut Conn) -> Pin<Box<dyn Future<Output = (bool, Settle)> + Send + 'c>> + Send>;

/// The writer task's queue, and what it has done.
pub(crate) struct GroupCommit {
    queue: tokio::sync::mpsc::Sender<QueuedChange>,
    pub(super) counts: Arc<CommitCounts>,
}

impl GroupCommit {
    /// Starts the writer task on the current runtime; it ends when the store is dropped.
    pub(super) fn start(pool: sqlx::Pool<Db>) -> Self {
        let (queue, changes) = tokio::sync::mpsc::channel(GROUP_COMMIT_QUEUE);
        let counts = Arc::new(CommitCounts::default());
        tokio::spawn(group_commit_loop(pool, changes, counts.clone()));
        Self { queue, counts }
    }
}

/// Upper bounds of the batch-size buckets: powers of two up to [`GROUP_COMMIT_MAX`].
const BATCH_BUCKETS: [u64; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/// Transactions committed by the writer task, the changes they carried, and how many
/// transactions fell in each batch-size bucket.
#[derive(Default)]
pub(super) struct CommitCounts {
    transactions: AtomicU64,
    changes: AtomicU64,
    batches: [AtomicU64; BATCH_BUCKETS.len()],
}

impl CommitCounts {
    fn record(&self, changes: u64) {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        self.changes.fetch_add(changes, Ordering::Relaxed);
        let bucket = BATCH_BUCKETS.iter().position(|b| changes <= *b).unwrap_or(BATCH_BUCKETS.len() - 1);
        self.batches[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// (transactions, changes).
    pub(super) fn read(&self) -> (u64, u64) {
        (self.transactions.load(Ordering::Relaxed), self.changes.load(Ordering::Relaxed))
    }

    pub(super) fn stats(&self) -> crate::CommitStats {
        let (transactions, changes) = self.read();
        let mut cumulative = 0;
        let batches = BATCH_BUCKETS
            .iter()
            .zip(&self.batches)
            .map(|(bound, n)| {
                cumulative += n.load(Ordering::Relaxed);
                (*bound, cumulative)
            })
            .collect();
        crate::CommitStats { transactions, changes, batches }
    }
}

async fn group_commit_loop(
    pool: sqlx::Pool<Db>,
    mut queue: tokio::sync::mpsc::Receiver<QueuedChange>,
    counts: Arc<CommitCounts>,
) {
    let mut batch = Vec::with_capacity(GROUP_COMMIT_MAX);
    while queue.recv_many(&mut batch, GROUP_COMMIT_MAX).await > 0 {
        let n = batch.len() as u64;
        let mut settles = Vec::with_capacity(batch.len());
        let outcome = commit_batch(&pool, batch.drain(..), &mut settles).await;
        if outcome.is_ok() {
            counts.record(n);
        }
        let reason = outcome.err().map(|e| {
            tracing::error!(error = %e, changes = n, "a group commit failed; its changes were not written");
            e.to_string()
        });
        for settle in settles {
            settle(reason.as_deref());
        }
    }
}

/// Runs the changes in one transaction, a savepoint each, and commits. Changes not run because
/// the batch broke off are dropped, which their callers see as a failed write.
async fn commit_batch(
    pool: &sqlx::Pool<Db>,
    changes: impl Iterator<Item = QueuedChange>,
    settles: &mut Vec<Settle>,
) -> std::result::Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let outcome = run_batch(&mut conn, changes, settles).await;
    if outcome.is_err() {
        // The transaction may have ended under the batch (SQLite rolls back by itself after
        // some errors); only a new connection is in a known state.
        conn.close_on_drop();
    }
    outcome
}

async fn run_batch(
    conn: &mut Conn,
    changes: impl Iterator<Item = QueuedChange>,
    settles: &mut Vec<Settle>,
) -> std::result::Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut tx = conn.begin_with(BEGIN_WRITE).await?;
    // Between two changes, releasing one savepoint and opening the next are one round trip.
    // The release also proves the transaction is still open: had a change ended it, a later
    // savepoint would silently open a new transaction and the earlier changes would be lost.
    let mut next = "SAVEPOINT change";
    for change in changes {
        sqlx::Executor::execute(&mut *tx, next).await?;
        let (failed, settle) = change(&mut tx).await;
        settles.push(settle);
        if failed {
            sqlx::query("ROLLBACK TO SAVEPOINT change").execute(&mut *tx).await?;
        }
        next = "RELEASE SAVEPOINT change; SAVEPOINT change";
    }
    sqlx::query("RELEASE SAVEPOINT change").execute(&mut *tx).await?;
    tx.commit().await
}

impl SqlStore {
    pub(crate) fn with_pools(
        writer: sqlx::Pool<Db>,
        reader: sqlx::Pool<Db>,
        clock: Arc<dyn beseda_core::time::Clock>,
    ) -> Self {
        let group = GROUP_COMMIT.then(|| GroupCommit::start(writer.clone()));
        Self { writer, reader, clock, group }
    }

    /// Runs a change in a write transaction and returns once it is committed: through the
    /// group committer where the backend has one, else in a transaction of its own.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>> + Send + 'static,
    {
        let Some(group) = &self.group else {
            let mut tx = self.begin().await?;
            let value = f(&mut tx).await?;
            tx.commit().await?;
            return Ok(value);
        };
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<T>>();
        let change: QueuedChange = Box::new(move |conn| {
            Box::pin(async move {
                let result = f(conn).await;
                let failed = result.is_err();
                let settle: Settle = Box::new(move |commit_failed| {
                    let result = match (result, commit_failed) {
                        (Ok(_), Some(reason)) => Err(StoreError::NotCommitted(reason.to_owned())),
                        (result, _) => result,
                    };
                    let _ = reply.send(result);
                });
                (failed, settle)
            })
        });
        let stopped =
            || StoreError::NotCommitted("the change was not run: its batch failed or the writer stopped".into());
        group.queue.send(change).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}
