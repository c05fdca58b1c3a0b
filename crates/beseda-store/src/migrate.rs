//! Migrations: two folders (`migrations/sqlite`, `migrations/postgres`) kept in lockstep —
//! same names, same order. Each is compiled into the binary and applied by sqlx's migrator,
//! which records every applied migration with the checksum of its SQL in `_sqlx_migrations`:
//! a released migration edited afterwards stops the start with an error naming it, instead of
//! leaving databases that applied the old text and databases that applied the new one.
//!
//! Databases migrated before that have only Beseda's own ledger, `beseda_migrations` (one row
//! per applied migration name). Its rows are carried over into sqlx's ledger, with the
//! checksums of the files compiled in, without running anything again (see [`legacy`]); the
//! ledger itself is still kept up to date, so an older Beseda started on a database a newer
//! one migrated refuses it by name instead of re-running its first migration.
//!
//! On PostgreSQL the whole start-up migration runs under sqlx's advisory lock, so nodes that
//! start at once migrate one after the other; SQLite has a single writer.

mod legacy;

pub(crate) use legacy::Ledger;

use crate::{Result, StoreError};
use sqlx::migrate::{Migrate, MigrateError, MigrationSource, MigrationType, Migrator};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;

/// One migration: its file stem (`NNNN_description`) and SQL text.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// The number its name starts with: sqlx's version.
    pub fn version(&self) -> i64 {
        self.name.split_once('_').and_then(|(n, _)| n.parse().ok()).unwrap_or_default()
    }

    /// Its name after the number: sqlx's description.
    pub fn description(&self) -> &'static str {
        self.name.split_once('_').map_or(self.name, |(_, d)| d)
    }

    /// The migration as sqlx runs it; sqlx computes the checksum of the SQL text.
    pub fn to_sqlx(&self) -> sqlx::migrate::Migration {
        sqlx::migrate::Migration::new(
            self.version(),
            self.description().into(),
            MigrationType::Simple,
            self.sql.into(),
            false,
        )
    }
}

macro_rules! migrations {
    ($dir:literal: $($name:literal),+ $(,)?) => {
        &[$(Migration {
            name: $name,
            sql: include_str!(concat!("../../../migrations/", $dir, "/", $name, ".sql")),
        }),+]
    };
}

pub const SQLITE: &[Migration] = migrations!("sqlite": "0001_core", "0002_routing", "0003_open_chats", "0004_priority_pages", "0005_bots", "0006_bot_breaker", "0007_bot_history", "0008_chat_conversation_timeout", "0009_custom_channels", "0010_channel_bot_side", "0011_message_delivery", "0012_visitor_tokens", "0013_chat_stamps", "0014_department_ids", "0015_webhook_deliveries", "0016_mail", "0017_messenger_channels", "0018_export_jobs", "0019_templates", "0020_operator_photos", "0021_operator_accounts", "0022_audit_log", "0023_two_factor", "0024_visitor_numbers", "0026_visitor_context", "0027_visitors_on_site", "0028_web_push", "0029_operator_flag_boolean", "0030_history_indexes", "0031_session_log_written", "0032_close_open_chats", "0033_session_department", "0034_chat_row_facts", "0035_operator_interface_lang", "0036_mobile_sdk", "0037_contact_requests", "0038_surveys", "0039_mobile_push", "0040_operator_log_rounds");
pub const POSTGRES: &[Migration] = migrations!("postgres": "0001_core", "0002_routing", "0003_open_chats", "0004_priority_pages", "0005_bots", "0006_bot_breaker", "0007_bot_history", "0008_chat_conversation_timeout", "0009_custom_channels", "0010_channel_bot_side", "0011_message_delivery", "0012_visitor_tokens", "0013_chat_stamps", "0014_department_ids", "0015_webhook_deliveries", "0016_mail", "0017_messenger_channels", "0018_export_jobs", "0019_templates", "0020_operator_photos", "0021_operator_accounts", "0022_audit_log", "0023_two_factor", "0024_visitor_numbers", "0026_visitor_context", "0027_visitors_on_site", "0028_web_push", "0029_operator_flag_boolean", "0030_history_indexes", "0031_session_log_written", "0032_close_open_chats", "0033_session_department", "0034_chat_row_facts", "0035_operator_interface_lang", "0036_mobile_sdk", "0037_contact_requests", "0038_surveys", "0039_mobile_push", "0040_operator_log_rounds");

/// Beseda's own ledger of applied migrations, kept beside sqlx's (see the module comment).
pub(crate) const CREATE_LEDGER: &str =
    "CREATE TABLE IF NOT EXISTS beseda_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)";

/// Refuses a database a newer Beseda has migrated: a ledger name that `known` lacks.
pub fn check_known(applied: &[String], known: &[Migration]) -> Result<(), crate::StoreError> {
    match applied.iter().find(|name| !known.iter().any(|m| m.name == name.as_str())) {
        Some(name) => Err(crate::StoreError::NewerSchema(name.clone())),
        None => Ok(()),
    }
}

/// The compiled-in migrations as a source for sqlx's [`Migrator`].
#[derive(Debug)]
struct Embedded(&'static [Migration]);

impl<'s> MigrationSource<'s> for Embedded {
    #[allow(clippy::type_complexity)]
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<sqlx::migrate::Migration>, sqlx::error::BoxDynError>> + Send + 's>>
    {
        Box::pin(async move { Ok(self.0.iter().map(Migration::to_sqlx).collect()) })
    }
}

/// sqlx's migrator over `files`. It does not lock: [`apply`] holds the lock around the
/// carry-over of the old ledger and the migrator's run alike.
pub async fn migrator(files: &'static [Migration]) -> Result<Migrator> {
    let mut migrator = Migrator::new(Embedded(files)).await.map_err(|e| StoreError::Migration(e.to_string()))?;
    migrator.set_locking(false);
    Ok(migrator)
}

/// The name of migration `version` for messages: its file stem when this binary has it.
fn name_of(files: &[Migration], version: i64) -> String {
    files.iter().find(|m| m.version() == version).map_or_else(|| format!("{version:04}"), |m| m.name.to_owned())
}

/// Turns the migrator's error into one that names the migration.
fn explain(files: &[Migration], error: MigrateError) -> StoreError {
    match error {
        MigrateError::VersionMismatch(v) => StoreError::ChangedMigration(name_of(files, v)),
        MigrateError::VersionMissing(v) => StoreError::NewerSchema(name_of(files, v)),
        MigrateError::ExecuteMigration(e, v) => StoreError::Migration(format!("{}: {e}", name_of(files, v))),
        MigrateError::Execute(e) => StoreError::Database(e),
        other => StoreError::Migration(other.to_string()),
    }
}

/// Applies the pending migrations of `files` to the database of `pool` (the store's writer):
/// under the migration lock, the old ledger's rows are carried over, sqlx's migrator checks the
/// checksums of the applied migrations and runs the rest, and the old ledger is brought up to date.
pub(crate) async fn apply<DB>(
    pool: &sqlx::Pool<DB>,
    files: &'static [Migration],
    now: i64,
    backend: &'static str,
) -> Result<()>
where
    DB: sqlx::Database,
    DB::Connection: Ledger,
{
    let migrator = migrator(files).await?;
    let mut conn = pool.acquire().await?;
    conn.lock().await.map_err(|e| explain(files, e))?;
    let outcome = apply_locked(&mut *conn, &migrator, files, now, backend).await;
    match outcome {
        Ok(()) => conn.unlock().await.map_err(|e| explain(files, e)),
        Err(e) => {
            // The lock belongs to the connection's session: closing it lets another node go on.
            conn.close_on_drop();
            Err(e)
        }
    }
}

async fn apply_locked<C: Ledger>(
    conn: &mut C,
    migrator: &Migrator,
    files: &'static [Migration],
    now: i64,
    backend: &'static str,
) -> Result<()> {
    let old_ledger = conn.old_ledger().await?;
    check_known(&old_ledger, files)?;
    conn.ensure_migrations_table().await.map_err(|e| explain(files, e))?;
    let versions = |applied: Vec<sqlx::migrate::AppliedMigration>| -> BTreeSet<i64> {
        applied.into_iter().map(|m| m.version).collect()
    };
    let before = versions(conn.list_applied_migrations().await.map_err(|e| explain(files, e))?);
    if let Some(newer) = before.iter().copied().find(|v| !files.iter().any(|m| m.version() == *v)) {
        let name = match conn.sqlx_description(newer).await? {
            Some(d) => format!("{newer:04}_{d}"),
            None => format!("{newer:04}"),
        };
        return Err(StoreError::NewerSchema(name));
    }
    // Ran before, from the text this binary carries (a released migration is never edited).
    let carry: Vec<sqlx::migrate::Migration> = files
        .iter()
        .filter(|m| old_ledger.iter().any(|n| n == m.name) && !before.contains(&m.version()))
        .map(Migration::to_sqlx)
        .collect();
    let carried = carry.len();
    if carried > 0 {
        conn.carry_over(carry).await?;
        tracing::info!(migrations = carried, backend, "carried the applied migrations over to the checksummed ledger");
    }
    // `run_direct` is the migrator's run on a connection this function already holds.
    migrator.run_direct(conn).await.map_err(|e| explain(files, e))?;
    let after = versions(conn.list_applied_migrations().await.map_err(|e| explain(files, e))?);
    let unrecorded: Vec<&'static str> = files
        .iter()
        .filter(|m| after.contains(&m.version()) && !old_ledger.iter().any(|n| n == m.name))
        .map(|m| m.name)
        .collect();
    conn.record(unrecorded, now).await?;
    // One line for a whole upgrade (a new database applies every migration).
    let newly = after.len().saturating_sub(before.len() + carried);
    if newly > 0 {
        let latest = files.last().map_or("", |m| m.name);
        tracing::info!(applied = newly, schema = latest, backend, "database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn folder(dir: &str) -> Vec<String> {
        let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo runs the tests"))
            .join("../../migrations")
            .join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&root)
            .expect("migration folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| n.trim_end_matches(".sql").to_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn migration_folders_are_in_lockstep() {
        let sqlite = folder("sqlite");
        let postgres = folder("postgres");
        assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres differ");
        let listed_sqlite: Vec<_> = SQLITE.iter().map(|m| m.name.to_owned()).collect();
        let listed_pg: Vec<_> = POSTGRES.iter().map(|m| m.name.to_owned()).collect();
        assert_eq!(listed_sqlite, sqlite, "a sqlite migration is not listed in migrate.rs");
        assert_eq!(listed_pg, postgres, "a postgres migration is not listed in migrate.rs");
    }

    #[test]
    fn every_migration_has_a_distinct_increasing_version_and_a_description() {
        for files in [SQLITE, POSTGRES] {
            let versions: Vec<i64> = files.iter().map(Migration::version).collect();
            assert!(versions.iter().all(|v| *v > 0), "{versions:?}");
            assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
            assert!(files.iter().all(|m| !m.description().is_empty() && m.description() != m.name));
        }
        assert_eq!(SQLITE[0].version(), 1);
        assert_eq!(SQLITE[0].description(), "core");
    }

    #[test]
    fn a_ledger_name_this_binary_does_not_know_is_refused() {
        let applied: Vec<String> = SQLITE.iter().map(|m| m.name.to_owned()).collect();
        assert!(check_known(&applied, SQLITE).is_ok());
        assert!(check_known(&applied[..3], SQLITE).is_ok(), "an older database is fine");
        let newer = [applied, vec!["9999_future".to_owned()]].concat();
        let err = check_known(&newer, SQLITE).expect_err("refused");
        assert!(matches!(&err, crate::StoreError::NewerSchema(n) if n == "9999_future"), "{err}");
    }

    #[test]
    fn the_migrators_errors_name_the_migration() {
        let changed = explain(SQLITE, MigrateError::VersionMismatch(3)).to_string();
        assert!(changed.contains("0003_open_chats") && changed.contains("changed"), "{changed}");
        let newer = explain(SQLITE, MigrateError::VersionMissing(999)).to_string();
        assert!(newer.contains("unknown migration 0999") && newer.contains("newer Beseda"), "{newer}");
    }
}
