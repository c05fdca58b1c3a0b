//! The data directory's lock: `serve` (on SQLite) holds an exclusive `flock` on
//! `<data_dir>/beseda.lock` for as long as it runs, and `restore` takes the same lock, so a
//! database is never replaced under a running server. The kernel drops the lock when the
//! process ends, however it ends, so a crash leaves no stale lock behind.

use crate::config::Settings;
use anyhow::{bail, Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The SQLite database file of this configuration: `<data_dir>/beseda.db`, or the file of a
/// `sqlite:` URL; `None` for PostgreSQL and in-memory databases.
pub fn sqlite_file(config: &Settings) -> Option<PathBuf> {
    match config.database_url.as_ref().map(|u| u.expose()) {
        None | Some("") => Some(config.data_dir.join("beseda.db")),
        Some(url) if url.starts_with("sqlite:") => {
            let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
        }
        Some(_) => None,
    }
}

/// The directory holding a database file (`.` for a bare file name).
pub fn dir_of(file: &Path) -> &Path {
    file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Creates the directory if needed and takes its lock, or says who holds it.
    pub fn acquire(dir: &Path) -> Result<Self> {
        if dir.exists() && !dir.is_dir() {
            bail!("the data directory {} is not a directory (a file is in the way)", dir.display());
        }
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        let path = dir.join("beseda.lock");
        let file =
            OpenOptions::new().create(true).truncate(false).write(true).open(&path).with_context(|| {
                format!("cannot use the data directory {}: opening {}", dir.display(), path.display())
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => bail!(
                "a Beseda server is using the data directory {} (it holds {}); stop it first",
                dir.display(),
                path.display()
            ),
            Err(TryLockError::Error(e)) => Err(e).with_context(|| format!("locking {}", path.display())),
        }
    }
}
