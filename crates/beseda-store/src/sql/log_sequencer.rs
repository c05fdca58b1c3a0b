//! The operator log's numbering on PostgreSQL.
//!
//! The log is read by `seq`, gapless and in commit order: a reader that has seen event N never
//! later finds an N − 1 it missed. On SQLite one writer numbers the events inside its
//! transaction (see `events.rs`). On PostgreSQL that would make every change hold the
//! counter's row lock from its append until its COMMIT, fsync included, so changes of all
//! nodes would pass that point one at a time. Instead a change there writes its events to
//! `operator_events_pending` (ids from a sequence, no shared lock) and, once committed, asks
//! the [`Sequencer`] for a *round*: one short transaction that locks the counter, moves every
//! committed pending event into `operator_events` with the next numbers (in id order, which
//! keeps the order of one chat's events: a change that touches a chat after another took its
//! ids after that one committed) and commits. Changes that commit while a round runs are
//! served together by the next one, so the numbering costs one transaction per round, not per
//! change. A change is answered after its round: what is acknowledged is in the log.
//!
//! Rounds of several nodes take the counter's row lock one after another; whichever moves an
//! event publishes it (through [`Sequencer::subscribe`], which the server forwards to its
//! event bus and so to the other nodes). A round that fails leaves the events pending for the
//! next one; the server also runs a round every second, which picks up what a node that
//! stopped between its commit and its round left behind.

use crate::{OperatorEvent, Result};
use serde_json::{json, Value};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::broadcast;

use super::events::insert_logged;
use super::exec::{query, query_scalar};
use super::rows::json_col;
use super::{Conn, Db, DEFERRED_LOG};

/// Pending events one round moves at most (a round repeats while it finds this many).
const ROUND: i64 = 2_000;

tokio::task_local! {
    /// Set when the change running in this task appended pending events.
    static APPENDED: Cell<bool>;
}

/// Whether the operator log is numbered by rounds after the commit (PostgreSQL) rather than
/// inside the change's transaction (SQLite).
pub(super) const DEFERRED: bool = DEFERRED_LOG;

/// Writes `events` (stamped, without `seq`) as pending and notes it for the change's commit.
pub(super) async fn append_pending(conn: &mut Conn, events: &[Value], now: i64) -> Result<()> {
    for chunk in events.chunks(super::events::INSERT_CHUNK) {
        let sql = super::events::values_sql("INSERT INTO operator_events_pending (created_at, event)", 2, chunk.len());
        let mut q = query(&sql);
        for event in chunk {
            q = q.bind(now).bind(super::rows::to_json(event)?);
        }
        q.execute(&mut *conn).await?;
    }
    let _ = APPENDED.try_with(|a| a.set(true));
    Ok(())
}

/// Runs `f` (a transaction up to its commit) and says whether it appended pending events.
pub(super) async fn noting_appends<T>(f: impl std::future::Future<Output = T>) -> (T, bool) {
    APPENDED
        .scope(Cell::new(false), async {
            let out = f.await;
            (out, APPENDED.with(Cell::get))
        })
        .await
}

/// Numbers pending events in rounds (see the module's text).
pub(crate) struct Sequencer {
    round: tokio::sync::Mutex<()>,
    /// Rounds begun and finished on this node.
    begun: AtomicU64,
    finished: AtomicU64,
    numbered: broadcast::Sender<Arc<[OperatorEvent]>>,
}

impl Default for Sequencer {
    fn default() -> Self {
        Self {
            round: tokio::sync::Mutex::new(()),
            begun: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            numbered: broadcast::channel(256).0,
        }
    }
}

impl Sequencer {
    /// The events each round numbered, consecutive, as they are logged.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<[OperatorEvent]>> {
        self.numbered.subscribe()
    }

    /// Called after a change that appended pending events committed: returns once a round
    /// that began after that commit has finished (run here, or by a change that came first).
    pub(crate) async fn after_commit(&self, pool: &sqlx::Pool<Db>) {
        let seen = self.begun.load(Ordering::SeqCst);
        let _round = self.round.lock().await;
        if self.finished.load(Ordering::SeqCst) > seen {
            return;
        }
        self.run(pool).await;
    }

    /// A round now (the server's periodic sweep).
    pub(crate) async fn sweep(&self, pool: &sqlx::Pool<Db>) {
        if DEFERRED {
            let _round = self.round.lock().await;
            self.run(pool).await;
        }
    }

    /// Rounds until nothing committed is pending; the caller holds `round`. A failed round is
    /// logged and left to the next.
    async fn run(&self, pool: &sqlx::Pool<Db>) {
        let number = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        loop {
            match round(pool).await {
                Ok(events) => {
                    let full = events.len() as i64 == ROUND;
                    if !events.is_empty() {
                        let _ = self.numbered.send(events.into());
                    }
                    if !full {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "numbering the operator log failed; the next round retries");
                    return;
                }
            }
        }
        self.finished.store(number, Ordering::SeqCst);
    }
}

/// One round's transaction: the counter locked, up to [`ROUND`] committed pending events
/// numbered in id order, logged, removed from the pending table.
async fn round(pool: &sqlx::Pool<Db>) -> Result<Vec<OperatorEvent>> {
    let mut tx = pool.begin().await?;
    let conn: &mut Conn = &mut *tx;
    let last: i64 = query_scalar(concat!("SELECT value FROM counters WHERE name = 'operator_events'", for_update!()))
        .fetch_one(&mut *conn)
        .await?;
    // Read and removed in one statement of one text (whatever the number of events), so the rows
    // removed are exactly those numbered.
    let rows = query(
        "DELETE FROM operator_events_pending WHERE id IN \
         (SELECT id FROM operator_events_pending ORDER BY id LIMIT $1) RETURNING id, created_at, event",
    )
    .bind(ROUND)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // RETURNING gives no order: numbered in id order.
    let mut ordered =
        rows.into_iter().map(|row| Ok((row.try_get::<i64, _>("id")?, row))).collect::<Result<Vec<_>>>()?;
    ordered.sort_by_key(|(id, _)| *id);
    let mut logged = Vec::with_capacity(ordered.len());
    for (seq, (_, row)) in (last + 1..).zip(&ordered) {
        let mut event: Value = json_col(row, "event")?;
        if let Value::Object(map) = &mut event {
            map.insert("seq".into(), json!(seq));
        }
        logged.push(OperatorEvent { seq, created_at: row.try_get("created_at")?, event });
    }
    insert_logged(conn, &logged).await?;
    query("UPDATE counters SET value = $1 WHERE name = 'operator_events'")
        .bind(last + logged.len() as i64)
        .execute(&mut *conn)
        .await?;
    tx.commit().await?;
    Ok(logged)
}
