//! Group commit: where the backend has one (SQLite: `sqlite/writer.rs`), a change is queued for
//! the writer, which runs queued changes together in one transaction, and answered after that
//! COMMIT; else it runs in a transaction of its own.

use crate::{Result, StoreError};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::{Conn, Db, SqlStore};

/// Tells a queued change how its batch ended: `None` committed, `Some(reason)` not.
pub(crate) type Settle = Box<dyn FnOnce(Option<&str>) + Send>;
/// A change waiting for the writer: runs on the batch's transaction and says whether it failed.
pub(crate) type QueuedChange =
    Box<dyn for<'c> FnOnce(&'c mut Conn) -> Pin<Box<dyn Future<Output = (bool, Settle)> + Send + 'c>> + Send>;

/// A change that holds the writer longer than this is logged (every change queued behind it
/// waits as long).
const SLOW_CHANGE: std::time::Duration = std::time::Duration::from_millis(50);

/// Logs a change that held the writer longer than [`SLOW_CHANGE`], named by the function that
/// made it (the change's closure type names it: `…::sweep_departed::{{closure}}`).
fn note_if_slow<F>(took: std::time::Duration) {
    if took >= SLOW_CHANGE {
        let change = change_name(std::any::type_name::<F>());
        tracing::warn!(change, millis = took.as_millis() as u64, "a change held the writer long");
    }
}

/// The innermost function a change's closure type names: `…::visitor_change<…::visitor_message<'_>::{{closure}}>`
/// is `visitor_message`.
fn change_name(type_name: &str) -> &str {
    let mut name = type_name;
    loop {
        let trimmed = name.trim_end_matches("::{{closure}}").trim_end_matches('>');
        let trimmed = match trimmed.strip_suffix("'_") {
            // Lifetime arguments: `f<'_, '_>`.
            Some(_) => trimmed.rfind('<').map_or(trimmed, |at| &trimmed[..at]),
            None => trimmed,
        };
        if trimmed == name {
            break;
        }
        name = trimmed;
    }
    name.rsplit("::").next().unwrap_or(name)
}

/// The writer task's queue, and what it has done.
pub(crate) struct GroupCommit {
    pub(crate) queue: tokio::sync::mpsc::Sender<QueuedChange>,
    pub(crate) counts: Arc<CommitCounts>,
}

/// Upper bounds of the batch-size buckets: powers of two up to the most changes a batch takes.
pub(crate) const BATCH_BUCKETS: [u64; 9] = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/// Transactions committed by the writer task, the changes they carried, and how many
/// transactions fell in each batch-size bucket.
#[derive(Default)]
pub(crate) struct CommitCounts {
    pub(crate) transactions: AtomicU64,
    pub(crate) changes: AtomicU64,
    pub(crate) batches: [AtomicU64; BATCH_BUCKETS.len()],
    pub(crate) busy_micros: AtomicU64,
}

impl CommitCounts {
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
        crate::CommitStats { transactions, changes, batches, busy_micros: self.busy_micros.load(Ordering::Relaxed) }
    }
}

impl SqlStore {
    pub(crate) fn with_pools(
        writer: sqlx::Pool<Db>,
        reader: sqlx::Pool<Db>,
        clock: Arc<dyn beseda_core::time::Clock>,
        group: Option<GroupCommit>,
        readers: Option<Arc<crate::direct::Readers>>,
    ) -> Self {
        Self { writer, reader, clock, group, readers, log: Default::default() }
    }

    /// Runs a change in a write transaction and returns once it is committed: through the
    /// group committer where the backend has one, else in a transaction of its own.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> Pin<Box<dyn Future<Output = Result<T>> + Send + 'c>> + Send + 'static,
    {
        let Some(group) = &self.group else {
            let (value, appended) = super::log_sequencer::noting_appends(async {
                let mut tx = self.begin().await?;
                let value = f(&mut *tx).await?;
                tx.commit().await?;
                Ok::<T, StoreError>(value)
            })
            .await;
            let value = value?;
            if appended {
                self.log.after_commit(&self.writer).await;
            }
            return Ok(value);
        };
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<T>>();
        let change: QueuedChange = Box::new(move |conn| {
            Box::pin(async move {
                let started = std::time::Instant::now();
                let result = f(conn).await;
                note_if_slow::<F>(started.elapsed());
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_change_is_named_by_its_innermost_function() {
        let nested = "beseda_store::sqlite::sql::transactions::<impl beseda_store::sqlite::SqlStore>::visitor_change<\
                      beseda_store::sqlite::sql::visitor_actions::<impl beseda_store::capabilities::VisitorActions for \
                      beseda_store::sqlite::SqlStore>::visitor_message<'_, '_, '_, '_>::{{closure}}::{{closure}}>";
        assert_eq!(super::change_name(nested), "visitor_message");
        let plain = "beseda_store::sqlite::sql::visits::<impl beseda_store::capabilities::Visits for \
                     beseda_store::sqlite::SqlStore>::init_visit<'_, '_, '_>::{{closure}}";
        assert_eq!(super::change_name(plain), "init_visit");
        assert_eq!(super::change_name("a::b::sweep_departed::{{closure}}"), "sweep_departed");
    }
}
