//! Whole-file operations on a SQLite database: a consistent copy of a live database
//! (`VACUUM INTO`, which reads one snapshot, WAL included) and the checks a copy must pass
//! before it is trusted or restored.

use crate::{migrate, Result, StoreError};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use std::path::Path;
use std::time::Duration;

/// What [`check`] found in a good database file.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The last migration applied to it.
    pub latest_migration: Option<String>,
}

/// Writes a consistent copy of the database `db` to the new file `dest` while other
/// connections (a running server) keep writing. `dest` must not exist.
pub async fn copy_into(db: &Path, dest: &Path) -> Result<()> {
    if !db.is_file() {
        return Err(StoreError::Config(format!("there is no database at {}", db.display())));
    }
    let dest = dest.to_str().ok_or_else(|| StoreError::Config(format!("{} is not UTF-8", dest.display())))?;
    // Read-write but never created: a read-only connection could not open a WAL database
    // whose `-shm` file is missing (after a clean shutdown). `VACUUM INTO` changes nothing in it.
    let mut conn = SqliteConnectOptions::new()
        .filename(db)
        .busy_timeout(Duration::from_secs(10))
        .connect()
        .await
        .map_err(|e| StoreError::Config(format!("cannot open {}: {e}", db.display())))?;
    sqlx::query("VACUUM INTO $1").bind(dest).execute(&mut conn).await?;
    Ok(())
}

/// Checks that `file` is a sound SQLite database that Beseda wrote and this binary can run:
/// `PRAGMA integrity_check` passes, it has the migration ledger, and no migration in it is
/// unknown here. The file is opened read-only and as immutable (nothing else may write it).
pub async fn check(file: &Path) -> Result<Checked> {
    if !file.is_file() {
        return Err(StoreError::Config(format!("{} is not a file", file.display())));
    }
    let not_sqlite = |e: sqlx::Error| StoreError::Config(format!("{} is not a SQLite database: {e}", file.display()));
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .map_err(not_sqlite)?;
    let problems: Vec<String> =
        sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut conn).await.map_err(not_sqlite)?;
    if problems != ["ok"] {
        return Err(StoreError::Corrupt(format!(
            "{} fails the integrity check: {}",
            file.display(),
            problems.join("; ")
        )));
    }
    let ledger: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'beseda_migrations'")
            .fetch_optional(&mut conn)
            .await?;
    if ledger.is_none() {
        return Err(StoreError::Config(format!(
            "{} is not a Beseda database (it has no beseda_migrations table)",
            file.display()
        )));
    }
    let applied: Vec<String> =
        sqlx::query_scalar("SELECT name FROM beseda_migrations ORDER BY name").fetch_all(&mut conn).await?;
    migrate::check_known(&applied, migrate::SQLITE)?;
    Ok(Checked { latest_migration: applied.last().cloned() })
}
