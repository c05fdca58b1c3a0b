//! SQLite backend: one file in the data directory, WAL, foreign keys, busy timeout. Writes go
//! through a single-connection pool (SQLite has one writer), reads through a pool of readers.

use crate::migrate;
use crate::{Result, StoreError, StoreOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
const BACKEND: &str = "sqlite";
/// Write transactions take the write lock at once, so another process on the same file
/// (a CLI command beside a running server) waits for it instead of failing.
const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
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
        let synchronous = match options.sqlite_synchronous.as_str() {
            "full" => SqliteSynchronous::Full,
            "normal" => SqliteSynchronous::Normal,
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
            .pragma("cache_size", "-16000");
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(connect.clone()).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .connect_with(connect.read_only(true))
            .await?;
        Ok(Self { writer, reader, clock: options.clock.clone() })
    }
}

/// Claims rows that another transaction has not claimed.
macro_rules! for_update_skip_locked {
    () => {
        ""
    };
}

/// A periodic job's lock: SQLite has one writer, so the job's own transaction is enough.
macro_rules! job_lock {
    () => {
        "SELECT $1 = $1"
    };
}

include!("sql/common.rs");
include!("sql/routing.rs");
include!("sql/bots.rs");
include!("sql/channels.rs");
include!("sql/export.rs");
include!("sql/webhooks.rs");
include!("sql/mail.rs");
include!("sql/exports.rs");
include!("sql/stats.rs");
include!("sql/templates.rs");
