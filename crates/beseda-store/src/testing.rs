//! Helpers for tests that need a fresh database, or that skip without one.

mod services;

pub use services::{database_url, service_urls, Service, NATS, POSTGRES};

use crate::{Result, StoreError};
use sqlx::Connection;

/// Prefix of the databases made here; the creating process's id follows it.
const PREFIX: &str = "beseda_t_";

/// Creates an empty database on the PostgreSQL server of `url` and returns its URL. The first
/// call in a process also drops the databases left by test processes that have ended, so
/// repeated runs do not pile them up on a developer's server.
pub async fn fresh_postgres_database(url: &str) -> Result<String> {
    static SWEPT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let name = format!("{PREFIX}{}_{}", std::process::id(), beseda_core::ids::hex_id());
    let mut conn = sqlx::PgConnection::connect(url).await?;
    if !SWEPT.swap(true, std::sync::atomic::Ordering::Relaxed) {
        drop_leftovers(&mut conn).await;
    }
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str()).await?;
    let (before_query, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (base, _) = before_query
        .rsplit_once('/')
        .filter(|(b, _)| b.contains("://") && !b.ends_with('/'))
        .ok_or_else(|| StoreError::Config("the test database URL must name a database".into()))?;
    Ok(format!("{base}/{name}{query}"))
}

/// Drops the test databases whose creating process is gone (Linux: no `/proc/<pid>`). Best
/// effort: a database still in use, or one another sweeper dropped first, is left alone.
async fn drop_leftovers(conn: &mut sqlx::PgConnection) {
    if !cfg!(target_os = "linux") {
        return;
    }
    let pattern = format!("{PREFIX}%");
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
        .bind(&pattern)
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_default();
    for name in names {
        let owner = name.strip_prefix(PREFIX).and_then(|rest| rest.split_once('_')).map(|(pid, _)| pid);
        let Some(pid) = owner.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) else { continue };
        if std::path::Path::new("/proc").join(pid).exists() {
            continue;
        }
        let _ = sqlx::Executor::execute(&mut *conn, format!("DROP DATABASE IF EXISTS {name}").as_str()).await;
    }
}
