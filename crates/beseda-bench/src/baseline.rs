//! The baselines of the all-figures run, measured in the same run: the rows the server writes,
//! straight into a bare database with the same durability settings, one commit each, and the
//! CPU that costs (this process, plus its PostgreSQL backend).
//!
//! * a message: its row, one commit per row;
//! * a chat creation: the visitor, the chat and the first message, one commit per creation.

use crate::cpu;
use anyhow::Result;
use std::time::{Duration, Instant};

/// What a baseline measured.
#[derive(Clone, Copy, Debug)]
pub struct Raw {
    /// Commits per second.
    pub rate: f64,
    /// CPU-ms per commit: this process plus the database backend (PostgreSQL).
    pub cpu_ms: f64,
}

/// Both baselines on one backend.
#[derive(Clone, Copy, Debug)]
pub struct Baselines {
    pub message: Raw,
    pub creation: Raw,
}

const TABLES: [&str; 3] = [
    "CREATE TABLE messages (id TEXT PRIMARY KEY, chat_id BIGINT NOT NULL, client_side_id TEXT NOT NULL, \
    session_id TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, data TEXT, author_id BIGINT, name TEXT NOT NULL, \
    avatar TEXT, created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL, history_revision BIGINT NOT NULL, \
    UNIQUE (chat_id, client_side_id))",
    "CREATE TABLE visitors (id TEXT PRIMARY KEY, device_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, \
    fields TEXT NOT NULL, created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL)",
    "CREATE TABLE chats (id BIGINT PRIMARY KEY, visitor_id TEXT NOT NULL, state TEXT NOT NULL, \
    operator_id BIGINT, created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL)",
];
const INSERT_MESSAGE: &str = "INSERT INTO messages (id, chat_id, client_side_id, session_id, kind, text, data, author_id, \
    name, avatar, created_at, modified_at, history_revision) VALUES ($1, $2, $3, $4, 'visitor', $5, NULL, NULL, $6, NULL, $7, $8, $9)";
const INSERT_VISITOR: &str = "INSERT INTO visitors (id, device_id, name, fields, created_at, modified_at) \
    VALUES ($1, $2, $3, '{}', $4, $5)";
const INSERT_CHAT: &str = "INSERT INTO chats (id, visitor_id, state, operator_id, created_at, modified_at) \
    VALUES ($1, $2, 'queue', NULL, $3, $4)";

/// Both baselines in a bare SQLite database at `path`.
pub async fn sqlite(path: &std::path::Path, synchronous: &str, rows: usize) -> Result<Baselines> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sqlx::ConnectOptions;
    let sync = if synchronous == "normal" { SqliteSynchronous::Normal } else { SqliteSynchronous::Full };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync)
        .connect()
        .await?;
    both(&mut conn, rows, None).await
}

/// Both baselines in a fresh database on the PostgreSQL server at `url`.
pub async fn postgres(url: &str, rows: usize) -> Result<Baselines> {
    use sqlx::Connection;
    let db = beseda_store::testing::fresh_postgres_database(url).await?;
    let mut conn = sqlx::PgConnection::connect(&db).await?;
    let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut conn).await?;
    both(&mut conn, rows, Some(backend as u32)).await
}

async fn both<C>(conn: &mut C, rows: usize, backend: Option<u32>) -> Result<Baselines>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'q> <C::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, C::Database>,
    for<'q> String: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> i64: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> &'q str: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
{
    for table in TABLES {
        sqlx::query(table).execute(&mut *conn).await?;
    }
    let cpu = || -> Result<Duration> {
        let own = cpu::process_cpu(std::process::id())?;
        Ok(own + backend.map(cpu::process_cpu).transpose()?.unwrap_or_default())
    };

    let (cpu0, start) = (cpu()?, Instant::now());
    for i in 0..rows {
        insert_message(&mut *conn, 1, &format!("c{i}"), i as i64).await?;
    }
    let message = Raw { rate: rows as f64 / start.elapsed().as_secs_f64(), cpu_ms: cpu::ms_per(cpu()? - cpu0, rows) };

    let creations = rows / 2;
    let (cpu0, start) = (cpu()?, Instant::now());
    for i in 0..creations {
        let (visitor, chat, now) = (uuid::Uuid::new_v4().simple().to_string(), 2 + i as i64, i as i64);
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        sqlx::query(INSERT_VISITOR)
            .bind(visitor.clone())
            .bind(format!("device{i}"))
            .bind("Посетитель")
            .bind(now)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        sqlx::query(INSERT_CHAT).bind(chat).bind(visitor).bind(now).bind(now).execute(&mut *conn).await?;
        insert_message(&mut *conn, chat, "hello", now).await?;
        sqlx::query("COMMIT").execute(&mut *conn).await?;
    }
    let creation =
        Raw { rate: creations as f64 / start.elapsed().as_secs_f64(), cpu_ms: cpu::ms_per(cpu()? - cpu0, creations) };
    Ok(Baselines { message, creation })
}

async fn insert_message<C>(conn: &mut C, chat: i64, client_side_id: &str, now: i64) -> Result<()>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'q> <C::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, C::Database>,
    for<'q> String: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> i64: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> &'q str: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
{
    sqlx::query(INSERT_MESSAGE)
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(chat)
        .bind(client_side_id.to_owned())
        .bind("80a332f6fced40f290a5e8ace4a6d11c")
        .bind("benchmark message")
        .bind("Посетитель")
        .bind(now)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
