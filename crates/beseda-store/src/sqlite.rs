//! SQLite backend: one file in the data directory, WAL, foreign keys, busy timeout. Writes go
//! through a single-connection pool (SQLite has one writer), reads through a pool of readers.

use crate::migrate;
use crate::{Result, StoreError, StoreOptions};
use sql::group_commit::GroupCommit;

mod writer;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
/// The backend's connection (named, not projected from `Db`, so that `sql/exec.rs` may implement
/// a trait both for it and for the in-thread connection).
type DbConnection = sqlx::SqliteConnection;
/// Operator events numbered after the commit by rounds (`sql/log_sequencer.rs`).
const DEFERRED_LOG: bool = false;
const BACKEND: &str = "sqlite";
/// Write transactions take the write lock at once, so another process on the same file
/// (a CLI command beside a running server) waits for it instead of failing.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
/// Visitor-side changes need no lock of their own: SQLite has one writer.
const VISITOR_LOCK: Option<&str> = None;
/// A writer pool of one connection and a reader pool.
const SHARED_POOL: bool = false;
const MIGRATIONS: &[migrate::Migration] = migrate::SQLITE;

/// SQLite serialises writers itself; no row locks.
macro_rules! for_update {
    () => {
        ""
    };
}

pub(crate) struct SqlStore {
    writer: sqlx::Pool<Db>,
    reader: sqlx::Pool<Db>,
    clock: std::sync::Arc<dyn beseda_core::time::Clock>,
    group: Option<GroupCommit>,
    /// In-thread readers for short reads (SQLite).
    readers: Option<std::sync::Arc<crate::direct::Readers>>,
    /// Numbers the operator log where that is done after the commit.
    log: std::sync::Arc<sql::log_sequencer::Sequencer>,
}

impl SqlStore {
    pub(crate) async fn open_file(path: &Path, options: &StoreOptions) -> Result<Self> {
        let connect = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        Self::open(connect, options).await
    }

    pub(crate) async fn open_url(url: &str, options: &StoreOptions) -> Result<Self> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad sqlite URL: {e}")))?
            .create_if_missing(true);
        Self::open(connect, options).await
    }

    async fn open(connect: SqliteConnectOptions, options: &StoreOptions) -> Result<Self> {
        let (synchronous, writer_synchronous) = match options.sqlite_synchronous.as_str() {
            "full" => (SqliteSynchronous::Full, "FULL"),
            "normal" => (SqliteSynchronous::Normal, "NORMAL"),
            other => {
                return Err(StoreError::Config(format!("sqlite_synchronous must be `full` or `normal`, not `{other}`")))
            }
        };
        let connect = connect
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000")
            .statement_cache_capacity(crate::direct::STATEMENT_CACHE);
        let path = connect.get_filename().to_owned();
        let file = path.display().to_string();
        let cannot_open = |e: sqlx::Error| {
            // A database restored or created by another user (often root) opens but cannot be
            // written: say what to look at.
            let hint = if e.to_string().contains("readonly database") {
                "; the file or its folder cannot be written by this user: give them to the user that runs Beseda \
                 (e.g. chown -R beseda:beseda on the data directory)"
            } else {
                ""
            };
            StoreError::Config(format!("cannot open the SQLite database {file}: {e}{hint}"))
        };
        let writer =
            SqlitePoolOptions::new().max_connections(1).connect_with(connect.clone()).await.map_err(cannot_open)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect.read_only(true))
            .await
            .map_err(cannot_open)?;
        // Short reads on the calling thread (`direct::Readers`).
        let readers = crate::direct::Readers::new(path.clone(), options.max_connections.max(1) as usize);
        // One writer: changes queued meanwhile commit together, on a thread of its own
        // (`sqlite/writer.rs`).
        let group = writer::start(move || crate::direct::Conn::open(&path, writer_synchronous)).map_err(cannot_open)?;
        Ok(Self::with_pools(writer, reader, options.clock.clone(), Some(group), Some(readers)))
    }
}

/// Claims rows that another transaction has not claimed.
macro_rules! for_update_skip_locked {
    () => {
        ""
    };
}

/// Waiting chats in assignment order: without table statistics SQLite's planner prefers an
/// index that matches `operator_id IS NULL` as an equality and then sorts every waiting chat,
/// so it is named the index that holds them in that order.
macro_rules! by_queue_order {
    () => {
        "INDEXED BY chats_queue"
    };
}

/// A periodic job's lock: SQLite has one writer, so the job's own transaction is enough.
macro_rules! job_lock {
    () => {
        "SELECT $1 = $1"
    };
}

/// The shared SQL, compiled here with this backend's knobs above (and once more in the other
/// backend: hence the allowed duplicate).
#[path = "sql/mod.rs"]
#[allow(clippy::duplicate_mod)]
mod sql;

#[cfg(test)]
mod group_commit_tests {
    use super::*;
    use crate::prelude::*;

    struct Temp(std::path::PathBuf);

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn store() -> (SqlStore, Temp) {
        let dir = std::env::temp_dir().join(format!("beseda-group-{}", beseda_core::ids::hex_id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let store = SqlStore::open_file(&dir.join("t.db"), &StoreOptions::default()).await.expect("open");
        store.migrate().await.expect("migrate");
        (store, Temp(dir))
    }

    /// What a test change does after writing its row.
    #[derive(Clone, Copy)]
    enum Then {
        Succeed,
        Fail,
        /// Ends the batch's transaction under it, as SQLite does after some errors.
        EndTransaction,
    }

    /// Writes a settings row named `key`, then does `then`.
    async fn put(store: &SqlStore, key: &'static str, then: Then) -> Result<&'static str> {
        store
            .write(move |conn| {
                Box::pin(async move {
                    sql::exec::query("INSERT INTO settings (key, value) VALUES ($1, 'x')")
                        .bind(key)
                        .execute(&mut *conn)
                        .await?;
                    match then {
                        Then::Succeed => {}
                        Then::Fail => return Err(StoreError::Conflict(format!("{key} refused"))),
                        Then::EndTransaction => {
                            sql::exec::query("ROLLBACK").execute(&mut *conn).await?;
                        }
                    }
                    Ok(key)
                })
            })
            .await
    }

    /// Runs `changes` (several writes joined) as one batch: the writer thread is kept busy with a
    /// change of its own until every one of them is queued.
    async fn in_one_batch<F: std::future::Future>(store: &SqlStore, changes: F) -> F::Output {
        let (started, writer_busy) = tokio::sync::oneshot::channel();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let hold = store.write(move |_conn| {
            Box::pin(async move {
                let _ = started.send(());
                let _ = held.recv();
                Ok(())
            })
        });
        let queue_then_release = async {
            writer_busy.await.expect("the writer runs the holding change");
            // `changes` is polled first: each write is queued before the writer is released.
            tokio::join!(changes, async { release.send(()).expect("release") }).0
        };
        let (held, outcome) = tokio::join!(hold, queue_then_release);
        held.expect("the holding change commits");
        outcome
    }

    async fn keys(store: &SqlStore) -> Vec<String> {
        let mut conn = store.read().await.expect("read");
        sqlx::query_scalar("SELECT key FROM settings WHERE length(key) = 1 ORDER BY key")
            .fetch_all(&mut *conn)
            .await
            .expect("keys")
    }

    #[tokio::test]
    async fn changes_queued_together_share_one_commit_and_a_failure_stays_alone() {
        let (store, _dir) = store().await;
        let (a, b, c) = in_one_batch(&store, async {
            tokio::join!(put(&store, "a", Then::Succeed), put(&store, "b", Then::Fail), put(&store, "c", Then::Succeed))
        })
        .await;
        assert_eq!(a.expect("a"), "a");
        assert!(matches!(b, Err(StoreError::Conflict(m)) if m == "b refused"), "b gets its own error");
        assert_eq!(c.expect("c"), "c");
        assert_eq!(keys(&store).await, ["a", "c"], "b's row was rolled back to its savepoint; a and c committed");
        assert_eq!(store.group_commit_counts(), Some((2, 4)), "one transaction carried the three changes");
        let stats = store.group_commit_stats().expect("stats");
        assert_eq!(stats.batches.first(), Some(&(1, 1)), "one transaction of one change: the holding one");
        assert_eq!(stats.batches[2], (4, 2), "the batch of three is in the bucket up to 4");
    }

    #[tokio::test]
    async fn a_batch_that_cannot_commit_fails_every_change_and_the_writer_goes_on() {
        let (store, _dir) = store().await;
        let (a, b, c) = in_one_batch(&store, async {
            tokio::join!(
                put(&store, "a", Then::Succeed),
                put(&store, "b", Then::EndTransaction),
                put(&store, "c", Then::Succeed)
            )
        })
        .await;
        for (name, outcome) in [("a", a), ("b", b), ("c", c)] {
            assert!(matches!(outcome, Err(StoreError::NotCommitted(_))), "{name}: {outcome:?}");
        }
        assert!(keys(&store).await.is_empty(), "nothing of the failed batch was written");
        assert_eq!(store.group_commit_counts(), Some((1, 1)), "only the holding change's transaction committed");
        assert_eq!(put(&store, "d", Then::Succeed).await.expect("the next change commits"), "d");
        assert_eq!(keys(&store).await, ["d"]);
    }

    #[tokio::test]
    async fn a_change_alone_in_its_batch_is_written_or_refused_whole() {
        let (store, _dir) = store().await;
        // One change a batch: no savepoint, the transaction itself is what a refusal rolls back.
        assert_eq!(put(&store, "a", Then::Succeed).await.expect("a"), "a");
        let b = put(&store, "b", Then::Fail).await;
        assert!(matches!(b, Err(StoreError::Conflict(m)) if m == "b refused"), "b gets its own error");
        let c = put(&store, "c", Then::EndTransaction).await;
        assert!(matches!(c, Err(StoreError::NotCommitted(_))), "c ended its own transaction: {c:?}");
        assert_eq!(put(&store, "d", Then::Succeed).await.expect("d"), "d");
        assert_eq!(
            keys(&store).await,
            ["a", "d"],
            "the refused change and the one that ended its transaction wrote nothing"
        );
        let stats = store.group_commit_stats().expect("stats");
        assert_eq!(stats.batches.first(), Some(&(1, 3)), "each ran as a batch of one; c's batch failed");
    }

    /// The organisation's name as a change on the writer reads it.
    async fn name_seen_by_writer(store: &SqlStore) -> String {
        store
            .write(|conn| Box::pin(async move { Ok(sql::load::load_settings(conn).await?.name) }))
            .await
            .expect("write")
    }

    #[tokio::test]
    async fn the_writer_keeps_the_settings_until_they_are_saved() {
        let (store, _dir) = store().await;
        let mut settings = store.settings().await.expect("settings");
        settings.name = "Before".into();
        store.save_settings(&settings).await.expect("save");
        assert_eq!(name_seen_by_writer(&store).await, "Before");
        // Changed behind the memo's back (as another process would): still seen.
        let mut conn = store.writer.acquire().await.expect("conn");
        sqlx::query("UPDATE settings SET value = replace(value, 'Before', 'Elsewhere') WHERE key = 'organisation'")
            .execute(&mut *conn)
            .await
            .expect("update");
        drop(conn);
        assert_eq!(name_seen_by_writer(&store).await, "Elsewhere");
        settings.name = "After".into();
        store.save_settings(&settings).await.expect("save");
        assert_eq!(name_seen_by_writer(&store).await, "After", "a saved change is seen by the next change");
        // Written by a change on the writer itself: forgotten too.
        store
            .write(|conn| {
                Box::pin(async move {
                    sql::exec::query(
                        "UPDATE settings SET value = replace(value, 'After', 'Inside') WHERE key = 'organisation'",
                    )
                    .execute(&mut *conn)
                    .await?;
                    Ok(())
                })
            })
            .await
            .expect("write");
        assert_eq!(name_seen_by_writer(&store).await, "Inside");
    }
}
