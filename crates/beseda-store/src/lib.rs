//! Beseda's storage. [`Store`], the sum of one trait per topic ([`capabilities`]; `use
//! beseda_store::prelude::*` brings them all), carries every transactional operation the
//! transports need; SQLite (the zero-config default) and PostgreSQL implement it from the same SQL text
//! (the `sql` module tree, compiled once per backend), so the two paths cannot drift.
//!
//! Every mutating operation commits before it returns and reports what it appended to the
//! visit-session and operator event logs ([`Changes`]), so callers publish only after commit.

pub mod capabilities;
mod direct;
mod error;
pub mod migrate;
mod postgres;
mod sqlite;
pub mod sqlite_file;
pub mod testing;
mod types;

pub use error::StoreError;

/// The PostgreSQL advisory-lock key of the session-log pruning job, so that of several nodes
/// one prunes at a time.
pub const PRUNE_JOB_LOCK: i64 = 0x6265_7365_6461_0001;
pub use types::*;

use beseda_core::time::{Clock, SystemClock};
use std::path::Path;
use std::sync::Arc;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Storage options that are not part of the database URL.
#[derive(Clone)]
pub struct StoreOptions {
    /// Where "now" comes from (the system clock, or a manual one in tests).
    pub clock: Arc<dyn Clock>,
    /// Connections in the read pool (and the whole pool on PostgreSQL).
    pub max_connections: u32,
    /// SQLite `synchronous` level: `full` (every commit reaches the disk) or `normal`.
    pub sqlite_synchronous: String,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self { clock: Arc::new(SystemClock), max_connections: 8, sqlite_synchronous: "full".into() }
    }
}

/// Opens the store named by `database_url` (`sqlite://…` or `postgres://…`); with no URL, the
/// SQLite database `beseda.db` inside `data_dir`. An unknown scheme is an error.
pub async fn open(database_url: Option<&str>, data_dir: &Path, options: &StoreOptions) -> Result<Arc<dyn Store>> {
    match database_url {
        None | Some("") => {
            std::fs::create_dir_all(data_dir)
                .map_err(|e| StoreError::Config(format!("cannot create data dir {}: {e}", data_dir.display())))?;
            let path = data_dir.join("beseda.db");
            Ok(Arc::new(sqlite::SqlStore::open_file(&path, options).await?))
        }
        Some(url) if url.starts_with("sqlite:") => Ok(Arc::new(sqlite::SqlStore::open_url(url, options).await?)),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Arc::new(postgres::SqlStore::open_url(url, options).await?))
        }
        Some(url) => {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StoreError::Config(format!(
                "unsupported database URL scheme `{scheme}`: use sqlite://PATH or postgres://…"
            )))
        }
    }
}

pub use capabilities::Store;

/// The store and every topic trait, so that callers reach any operation with one `use`.
pub mod prelude {
    pub use crate::capabilities::{
        Accounts, Audit, Bots, Channels, ChatExport, ChatReads, ContactExports, ContactRequests, EventLog, Files,
        History, Maintenance, Metrics, MobilePush, MobileSdk, OperatorActions, Operators, Organisation, Outbox, Push,
        Scheduling, SiteVisitors, Stats, Store, Surveys, Templates, VisitorActions, Visits, Webhooks,
    };
}
