//! Helpers for tests that need a fresh database, or that skip without one.

mod services;

pub use services::{database_url, service_urls, Service, NATS, POSTGRES};

use crate::{Result, StoreError};
use sqlx::Connection;

/// Creates an empty database on the PostgreSQL server of `url` and returns its URL.
pub async fn fresh_postgres_database(url: &str) -> Result<String> {
    let name = format!("beseda_t_{}", beseda_core::ids::hex_id());
    let mut conn = sqlx::PgConnection::connect(url).await?;
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
