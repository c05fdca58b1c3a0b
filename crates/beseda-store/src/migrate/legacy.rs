//! Beseda's own ledger, `beseda_migrations` (name, applied_at): the only record of a database
//! migrated before sqlx's migrator ran them, and still kept so that an older Beseda recognises
//! a database a newer one migrated. Its rows become sqlx's rows without re-running anything.
//!
//! The queries are written once and implemented for each backend's connection type: generic
//! sqlx code behind the store's `Send` futures runs into the compiler's limits on higher-ranked
//! bounds.

use super::CREATE_LEDGER;
use crate::Result;
use sqlx::migrate::Migrate;
use std::future::Future;
use std::pin::Pin;

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// What the migration start needs besides sqlx's [`Migrate`]: the old ledger, read and written.
pub(crate) trait Ledger: Migrate + Send {
    /// The names in the old ledger (created empty on a new database).
    fn old_ledger(&mut self) -> Boxed<'_, Vec<String>>;
    /// The description sqlx's ledger holds for `version`.
    fn sqlx_description(&mut self, version: i64) -> Boxed<'_, Option<String>>;
    /// Records `migrations` in sqlx's ledger as applied, with their checksums, in one
    /// transaction (a failed start leaves the old ledger as the only record).
    fn carry_over(&mut self, migrations: Vec<sqlx::migrate::Migration>) -> Boxed<'_, ()>;
    /// Adds `names` to the old ledger.
    fn record(&mut self, names: Vec<&'static str>, now: i64) -> Boxed<'_, ()>;
}

macro_rules! ledger {
    ($conn:ty) => {
        impl Ledger for $conn {
            fn old_ledger(&mut self) -> Boxed<'_, Vec<String>> {
                Box::pin(async move {
                    sqlx::Executor::execute(&mut *self, CREATE_LEDGER).await?;
                    Ok(sqlx::query_scalar("SELECT name FROM beseda_migrations ORDER BY name").fetch_all(self).await?)
                })
            }

            fn sqlx_description(&mut self, version: i64) -> Boxed<'_, Option<String>> {
                Box::pin(async move {
                    Ok(sqlx::query_scalar("SELECT description FROM _sqlx_migrations WHERE version = $1")
                        .bind(version)
                        .fetch_optional(self)
                        .await?)
                })
            }

            fn carry_over(&mut self, migrations: Vec<sqlx::migrate::Migration>) -> Boxed<'_, ()> {
                Box::pin(async move {
                    let mut tx = sqlx::Connection::begin(self).await?;
                    for m in &migrations {
                        sqlx::query(
                            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                             VALUES ($1, $2, TRUE, $3, 0)",
                        )
                        .bind(m.version)
                        .bind(m.description.as_ref())
                        .bind(m.checksum.as_ref())
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await?;
                    Ok(())
                })
            }

            fn record(&mut self, names: Vec<&'static str>, now: i64) -> Boxed<'_, ()> {
                Box::pin(async move {
                    for name in names {
                        sqlx::query(
                            "INSERT INTO beseda_migrations (name, applied_at) VALUES ($1, $2) \
                             ON CONFLICT (name) DO NOTHING",
                        )
                        .bind(name)
                        .bind(now)
                        .execute(&mut *self)
                        .await?;
                    }
                    Ok(())
                })
            }
        }
    };
}

ledger!(sqlx::SqliteConnection);
ledger!(sqlx::PgConnection);
