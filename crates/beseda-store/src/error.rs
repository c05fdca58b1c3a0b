use beseda_core::DomainError;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A domain rule refused the change; nothing was written.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated (for example an e-mail already in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Bad configuration (URL scheme, data directory).
    #[error("{0}")]
    Config(String),
    /// Stored data could not be read back.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The change ran but its transaction did not commit; nothing of it was written.
    #[error("not committed: {0}")]
    NotCommitted(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A migration this database applied has changed since (its checksum differs): a released
    /// migration must never be edited.
    #[error("migration {0} was changed after this database applied it (its checksum differs from the recorded one); restore the released text of that migration and put the change in a new one")]
    ChangedMigration(String),
    /// The database has a migration this binary does not know: a newer Beseda wrote it.
    #[error("upgraded by a newer Beseda (unknown migration {0}); run that version or restore a backup made before the upgrade")]
    NewerSchema(String),
    /// The database server could not be reached (`place` never holds a password).
    #[error("cannot connect to {place}: {error}")]
    Connect { place: String, error: sqlx::Error },
}

impl StoreError {
    pub(crate) fn from_db(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Conflict(db.message().to_owned());
            }
        }
        StoreError::Database(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
