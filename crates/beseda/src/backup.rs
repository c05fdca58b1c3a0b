//! `beseda backup` and `beseda restore`: a consistent copy of the SQLite database made while
//! the server runs, and putting such a copy back while no server uses the data directory.
//!
//! Neither ever leaves a half-written file under the final name: each writes a temporary file
//! in the destination's directory, checks it, flushes it to disk and only then gives it its name.

use crate::config::{self, Settings};
use crate::datadir::{self, DataDirLock};
use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// The SQLite database of this configuration; a PostgreSQL one is refused with what to use
/// instead (`tool`: pg_dump or pg_restore).
fn sqlite_path(config: &Settings, tool: &str) -> Result<PathBuf> {
    match datadir::sqlite_file(config) {
        Some(file) => Ok(file),
        None => bail!(
            "this configuration uses the database {}, not a SQLite file: back it up and restore it with \
             PostgreSQL's own tools ({tool}; see docs/backup.md)",
            config::database_place(config)
        ),
    }
}

/// A temporary file beside `dest`, removed on drop unless it was given its final name.
struct Partial(PathBuf);

impl Partial {
    fn beside(dest: &Path) -> Result<Self> {
        let name = dest.file_name().with_context(|| format!("{} does not name a file", dest.display()))?;
        let tmp = dest.with_file_name(format!(".{}.partial-{}", name.to_string_lossy(), std::process::id()));
        let _ = fs::remove_file(&tmp);
        Ok(Self(tmp))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Creates `path` empty with mode 0600.
fn private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map(drop)
}

/// Gives a restored database the owner of its data directory and mode 0640, so the server
/// (which owns the directory) can write it even when root ran the restore.
fn owned_like(file: &Path, dir: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let owner = fs::metadata(dir).with_context(|| format!("reading {}", dir.display()))?;
    fs::set_permissions(file, fs::Permissions::from_mode(0o640))
        .with_context(|| format!("setting the mode of {}", file.display()))?;
    if fs::metadata(file)?.uid() != owner.uid() {
        std::os::unix::fs::chown(file, Some(owner.uid()), Some(owner.gid())).with_context(|| {
            format!("giving {} to the owner of {} (run restore as that user or as root)", file.display(), dir.display())
        })?;
    }
    Ok(())
}

/// Flushes a file, then its directory (so that its name survives a power loss too).
fn sync(file: &Path) -> Result<()> {
    fs::File::open(file).and_then(|f| f.sync_all()).with_context(|| format!("flushing {}", file.display()))?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Directories cannot be opened for syncing everywhere; the file itself is safe already.
        let _ = fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

pub async fn backup(config: &Settings, to: &Path) -> Result<()> {
    let db = sqlite_path(config, "pg_dump -Fc")?;
    if to.exists() {
        bail!("{} already exists; a backup never overwrites a file, choose a new name", to.display());
    }
    let folder = datadir::dir_of(to);
    if !folder.is_dir() {
        bail!("the folder {} does not exist; create it first, writable by this user", folder.display());
    }
    let partial = Partial::beside(to)?;
    // An empty file SQLite then writes into: readable by this user alone (a backup holds
    // password hashes and every conversation), and an unwritable folder reported plainly.
    private_file(&partial.0)
        .with_context(|| format!("cannot write in {} (may this user write there?)", folder.display()))?;
    beseda_store::sqlite_file::copy_into(&db, &partial.0)
        .await
        .with_context(|| format!("copying {} to {}", db.display(), partial.0.display()))?;
    let checked = beseda_store::sqlite_file::check(&partial.0).await.context("checking the copy")?;
    sync(&partial.0)?;
    // A hard link gives the name only if nothing has it (a rename would replace a file made
    // meanwhile); the temporary name goes when `partial` drops. Where the file system has no
    // hard links, a rename after one more look.
    match fs::hard_link(&partial.0, to) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists && !to.exists() => fs::rename(&partial.0, to),
        linked => linked,
    }
    .with_context(|| format!("naming the backup {}", to.display()))?;
    sync(to)?;
    let size = fs::metadata(to).with_context(|| format!("reading {}", to.display()))?.len();
    println!(
        "backup of {} written to {} ({size} bytes, integrity check ok, schema {})",
        db.display(),
        to.display(),
        checked.latest_migration.as_deref().unwrap_or("empty")
    );
    Ok(())
}

pub async fn restore(config: &Settings, from: &Path, force: bool) -> Result<()> {
    let db = sqlite_path(config, "pg_restore --clean --if-exists")?;
    let dir = datadir::dir_of(&db);
    let checked =
        beseda_store::sqlite_file::check(from).await.with_context(|| format!("checking {}", from.display()))?;
    let _lock = DataDirLock::acquire(dir)?;
    if db.exists() && !force {
        bail!(
            "{} already has a database; add --force to replace it (make a backup of it first with `beseda backup`)",
            dir.display()
        );
    }
    let partial = Partial::beside(&db)?;
    fs::copy(from, &partial.0).with_context(|| format!("copying {} to {}", from.display(), partial.0.display()))?;
    owned_like(&partial.0, dir)?;
    sync(&partial.0)?;
    // The old database's write-ahead log and index belong to it: left beside the new file,
    // SQLite would replay them into it.
    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = PathBuf::from(format!("{}{suffix}", db.display()));
        match fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("removing {}", stale.display()))
            }
            _ => {}
        }
    }
    fs::rename(&partial.0, &db).with_context(|| format!("moving the restored database to {}", db.display()))?;
    sync(&db)?;
    println!(
        "restored {} into {} (schema {}); start the server to use it",
        from.display(),
        db.display(),
        checked.latest_migration.as_deref().unwrap_or("empty")
    );
    Ok(())
}
