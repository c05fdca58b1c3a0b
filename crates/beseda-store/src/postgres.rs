//! PostgreSQL backend: one pool; rows that decide a change are locked with `FOR UPDATE`.

use crate::migrate;
use crate::{Result, StoreError, StoreOptions};
use sql::group_commit::GroupCommit;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::Connection;
use std::str::FromStr;

type Db = sqlx::Postgres;
/// The backend's connection (see `sqlite.rs`).
type DbConnection = sqlx::PgConnection;
/// Operator events numbered after the commit by rounds (`sql/log_sequencer.rs`).
const DEFERRED_LOG: bool = true;
const BACKEND: &str = "postgres";
/// Write transactions start as usual; rows are locked as they are read.
const BEGIN_WRITE: &str = "BEGIN";
/// Visitor-side changes of one visitor run one at a time (two first messages at once must not
/// start two chats). Taken first, before any row lock, so it cannot close a deadlock cycle;
/// the two-key form does not share keys with the periodic jobs' one-key locks.
const VISITOR_LOCK: Option<&str> = Some("SELECT pg_advisory_xact_lock(1, hashtext($1))");
/// Writes and reads share one pool.
const SHARED_POOL: bool = true;
const MIGRATIONS: &[migrate::Migration] = migrate::POSTGRES;
/// How long the start waits for an unreachable server before it reports it.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a change waits for one of the pool's connections: a burst of changes queues for
/// them (a few seconds at worst) instead of failing after the connect timeout.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Locks the rows a transaction reads before it changes them.
macro_rules! for_update {
    () => {
        " FOR UPDATE"
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
    pub(crate) async fn open_url(url: &str, options: &StoreOptions) -> Result<Self> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad postgres URL: {e}")))?
            .statement_cache_capacity(crate::direct::STATEMENT_CACHE);
        // Where the server is, never the password: for the operator's error message.
        let place = format!("PostgreSQL at {}:{}", connect.get_host(), connect.get_port());
        // One connection first: a pool retries until its timeout and then reports only that,
        // while this reports why (refused, unknown host, authentication…).
        match tokio::time::timeout(CONNECT_TIMEOUT, sqlx::PgConnection::connect_with(&connect)).await {
            Ok(Ok(probe)) => probe.close().await?,
            Ok(Err(error)) => return Err(StoreError::Connect { place, error }),
            Err(_) => {
                let silent = std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 5 s");
                return Err(StoreError::Connect { place, error: sqlx::Error::Io(silent) });
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(2))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(connect)
            .await
            .map_err(|error| StoreError::Connect { place, error })?;
        Ok(Self::with_pools(pool.clone(), pool, options.clock.clone(), None, None))
    }
}

/// Claims rows that another transaction has not claimed.
macro_rules! for_update_skip_locked {
    () => {
        " FOR UPDATE SKIP LOCKED"
    };
}

/// Waiting chats in assignment order: PostgreSQL's planner reads them from `chats_queue` by
/// itself.
macro_rules! by_queue_order {
    () => {
        ""
    };
}

/// A periodic job's lock, held until the transaction ends; `false` when another node holds it.
macro_rules! job_lock {
    () => {
        "SELECT pg_try_advisory_xact_lock($1)"
    };
}

/// The shared SQL, compiled here with this backend's knobs above (and once more in the other
/// backend: hence the allowed duplicate).
#[path = "sql/mod.rs"]
#[allow(clippy::duplicate_mod)]
mod sql;
