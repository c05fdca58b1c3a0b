//! SQLite's writer: one thread with an in-thread connection (`crate::direct`), so that a change's
//! statements run where the data is, without a hand-off to another thread each.
//!
//! Changes that queue up while a transaction commits run together in the next transaction, each
//! inside its own savepoint, so that one fsync covers them all. A change's result is handed back
//! only after that COMMIT succeeded, so "acknowledged" still means "committed". A change that
//! fails is rolled back to its savepoint and its error returned; the other changes of the batch
//! are unaffected. If the batch itself cannot commit, every change of it gets the error and
//! nothing of it is written.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::sql::group_commit::{CommitCounts, GroupCommit, QueuedChange, Settle, BATCH_BUCKETS};
use super::BEGIN_WRITE;
use crate::direct;

/// The most changes one transaction carries.
const GROUP_COMMIT_MAX: usize = 256;
/// A COMMIT (its fsync, a checkpoint), or a wait for the write lock at BEGIN, that holds the
/// writer longer than this is logged.
const SLOW_COMMIT: std::time::Duration = std::time::Duration::from_millis(50);
/// Changes waiting for the writer before callers wait to queue theirs.
const GROUP_COMMIT_QUEUE: usize = 4096;

/// Starts the writer thread on the connection `open` gives (and gives again should a batch leave
/// it in an unknown state); it ends when the store is dropped.
pub(super) fn start<F>(open: F) -> Result<GroupCommit, sqlx::Error>
where
    F: Fn() -> Result<direct::Conn, sqlx::Error> + Send + 'static,
{
    let conn = open()?;
    let (queue, changes) = tokio::sync::mpsc::channel(GROUP_COMMIT_QUEUE);
    let counts = Arc::new(CommitCounts::default());
    let (thread_counts, runtime) = (counts.clone(), tokio::runtime::Handle::current());
    std::thread::Builder::new()
        .name("beseda-writer".into())
        .spawn(move || writer(conn, open, changes, &thread_counts, &runtime))
        .map_err(sqlx::Error::Io)?;
    Ok(GroupCommit { queue, counts })
}

fn record(counts: &CommitCounts, changes: u64) {
    counts.transactions.fetch_add(1, Ordering::Relaxed);
    counts.changes.fetch_add(changes, Ordering::Relaxed);
    let bucket = BATCH_BUCKETS.iter().position(|b| changes <= *b).unwrap_or(BATCH_BUCKETS.len() - 1);
    counts.batches[bucket].fetch_add(1, Ordering::Relaxed);
}

/// The writer thread: takes what is queued (up to [`GROUP_COMMIT_MAX`]) as one batch, runs it
/// in one transaction on its own connection and tells each change how the batch ended.
fn writer<F>(
    mut conn: direct::Conn,
    open: F,
    mut queue: tokio::sync::mpsc::Receiver<QueuedChange>,
    counts: &CommitCounts,
    runtime: &tokio::runtime::Handle,
) where
    F: Fn() -> Result<direct::Conn, sqlx::Error>,
{
    let mut batch = Vec::with_capacity(GROUP_COMMIT_MAX);
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < GROUP_COMMIT_MAX {
            let Ok(change) = queue.try_recv() else { break };
            batch.push(change);
        }
        let n = batch.len() as u64;
        let mut settles = Vec::with_capacity(batch.len());
        let started = std::time::Instant::now();
        let outcome = {
            // A change may await something of the runtime (a timer, a lock); its statements
            // themselves complete here at once.
            let _runtime = runtime.enter();
            run_batch(&mut conn, batch.drain(..), &mut settles)
        };
        let reason = match outcome {
            Ok(()) => {
                record(counts, n);
                None
            }
            Err(e) => {
                tracing::error!(error = %e, changes = n, "a group commit failed; its changes were not written");
                recover(&mut conn, &open);
                Some(e.to_string())
            }
        };
        counts.busy_micros.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        for settle in settles {
            settle(reason.as_deref());
        }
    }
}

/// Brings the connection back to no open transaction after a failed batch: rolls back, or opens
/// a new connection when that fails.
fn recover<F>(conn: &mut direct::Conn, open: &F)
where
    F: Fn() -> Result<direct::Conn, sqlx::Error>,
{
    conn.forget();
    if !conn.in_transaction() || conn.batch("ROLLBACK").is_ok() {
        return;
    }
    loop {
        match open() {
            Ok(fresh) => return *conn = fresh,
            Err(e) => {
                tracing::error!(error = %e, "the writer cannot reopen the database; retrying in a second");
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
    }
}

/// Runs the changes in one transaction, a savepoint each, and commits. Changes not run because
/// the batch broke off are dropped, which their callers see as a failed write. A batch of one
/// change needs no savepoint: should it fail, the whole transaction is rolled back.
fn run_batch(
    conn: &mut direct::Conn,
    mut changes: impl ExactSizeIterator<Item = QueuedChange>,
    settles: &mut Vec<Settle>,
) -> Result<(), sqlx::Error> {
    let started = std::time::Instant::now();
    conn.begin(BEGIN_WRITE)?;
    let waited = started.elapsed();
    if waited >= SLOW_COMMIT {
        // Another connection held the database's write lock (SQLite's busy handler sleeps in
        // steps of up to 100 ms, so even a short hold costs the writer that much).
        tracing::warn!(millis = waited.as_millis() as u64, "the writer waited for the database's write lock");
    }
    if changes.len() == 1 {
        let change = changes.next().expect("one change");
        let (failed, settle) = futures_executor::block_on(change(&mut *conn));
        settles.push(settle);
        if failed {
            conn.forget();
            return if conn.in_transaction() { conn.batch("ROLLBACK") } else { Ok(()) };
        }
        ended_by_change(conn)?;
        return commit(conn, 1);
    }
    for change in changes {
        conn.batch("SAVEPOINT change")?;
        let (failed, settle) = futures_executor::block_on(change(&mut *conn));
        settles.push(settle);
        if failed {
            conn.batch("ROLLBACK TO SAVEPOINT change")?;
        }
        ended_by_change(conn)?;
        conn.batch("RELEASE SAVEPOINT change")?;
    }
    commit(conn, settles.len())
}

/// Commits the batch's transaction, logging a slow COMMIT.
fn commit(conn: &mut direct::Conn, changes: usize) -> Result<(), sqlx::Error> {
    let started = std::time::Instant::now();
    conn.batch("COMMIT")?;
    let took = started.elapsed();
    if took >= SLOW_COMMIT {
        tracing::warn!(changes, millis = took.as_millis() as u64, "a COMMIT held the writer long");
    }
    Ok(())
}

/// Had a change ended the transaction (SQLite rolls back by itself after some errors), the next
/// savepoint would silently open a new one and the earlier changes be lost.
fn ended_by_change(conn: &direct::Conn) -> Result<(), sqlx::Error> {
    if conn.in_transaction() {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol("a change ended the batch's transaction".into()))
    }
}
