//! Cost independent of history (`--waiting-chats 10000,100000`): the visitor-message load of
//! `load.rs` against `beseda serve` of `--build` (default: the one next to this benchmark) over a
//! fresh database and over databases already holding that many chats waiting for an operator,
//! with `--stored-messages` messages among them, side by side in one run. The cases alternate
//! round by round (fresh, 10 000, 100 000, fresh, …) so that drift on the machine falls on all
//! alike; the table gives each figure's median over the rounds and its ratio to the fresh one.
//!
//! The history is written straight into the database between `migrate` and `serve` — one
//! `INSERT … SELECT` over a counter per table, one SQL text for both databases — because
//! making it through the API would take longer than the measurement. It is what the API leaves:
//! visitors on the site with a visit session each, their chats in the queue, the messages with
//! their visit-session log rows, and one operator log row per message.

use crate::compare::{digits, median, one_run, rows};
use crate::load::Figures;
use crate::{fixture, Args};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Instant;

pub async fn run(args: &Args, dir: &Path) -> Result<()> {
    let bin = match &args.build {
        Some(bin) => bin.clone(),
        None => fixture::release_binary()?,
    };
    let cases: Vec<usize> = std::iter::once(0).chain(args.waiting_chats.iter().copied()).collect();
    let backend = if args.database_url.is_some() { "postgres" } else { "sqlite" };
    println!("Beseda cost against history — backend {backend}, {}", bin.display());
    println!(
        "  {} rounds; {} stored messages in the waiting chats; {} visitors, {} operators, {} messages per visitor, {} msg/s for {} s each",
        args.rounds,
        args.stored_messages,
        args.visitors,
        args.operators,
        args.messages,
        crate::rates(args),
        args.seconds
    );
    let mut runs: Vec<Vec<Figures>> = vec![Vec::new(); cases.len()];
    for round in 0..args.rounds.max(1) {
        for (case, &waiting) in cases.iter().enumerate() {
            let figures = one_run(args, &bin, &dir.join(format!("{waiting}-{round}")), waiting)
                .await
                .with_context(|| format!("round {} with {waiting} waiting chats", round + 1))?;
            println!(
                "  round {} {}: {:.0} messages/s{}",
                round + 1,
                label(waiting),
                figures.throughput,
                crate::compare::errors_note(&figures)
            );
            runs[case].push(figures);
        }
    }
    print_table(args, &cases, &runs);
    Ok(())
}

fn label(waiting: usize) -> String {
    if waiting == 0 {
        "fresh database".into()
    } else {
        format!("{waiting} waiting chats")
    }
}

fn print_table(args: &Args, cases: &[usize], runs: &[Vec<Figures>]) {
    let mut rows = rows(args);
    rows.insert(
        4,
        (
            "visitors set up/s (init, first message, full state, take; one at a time)".into(),
            Box::new(|f: &Figures| f.setup_rate),
            "",
        ),
    );
    let heads: Vec<String> = cases.iter().map(|w| label(*w)).collect();
    println!();
    println!("| figure (median of {} rounds) | {} |", runs[0].len(), heads.join(" | "));
    println!("|---|{}", "---|".repeat(cases.len()));
    for (name, pick, unit) in rows {
        let values: Vec<f64> = runs.iter().map(|r| median(r.iter().map(&pick).collect())).collect();
        let digits = digits(unit);
        let cells: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| match i {
                0 => format!("{v:.digits$}{unit}"),
                _ => format!("{v:.digits$}{unit} ({:.2}×)", v / values[0]),
            })
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}

/// `n` = 1 … `$1`, for the statements below to select from.
const COUNTER: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) ";
const VISITORS: &str = "INSERT INTO visitors (id, fields, icon_color, icon_shape, created_at, modified_at) \
     SELECT 'seed-v' || i, '{}', '#5a9bd5', 'circle', $2, $2 FROM n";
/// Present until after the run ($3), so that the scheduler does not send them all away mid-run.
const SESSIONS: &str = "INSERT INTO visit_sessions (id, visitor_id, location, state, created_at, last_seen_at, \
     revision, present) SELECT 'seed-s' || i, 'seed-v' || i, 'default', 'chat', $2, $3, $4, TRUE FROM n";
const CHATS: &str = "INSERT INTO chats (client_side_id, visitor_id, visit_session_id, location, state, created_at, \
     modified_at) SELECT 'seed-c' || i, 'seed-v' || i, 'seed-s' || i, 'default', 'queue', $2, $2 FROM n";
const MESSAGES: &str = "INSERT INTO messages (id, chat_id, client_side_id, session_id, kind, text, name, created_at, \
     modified_at, history_revision) SELECT 'seed-m' || c.id || '-' || n.i, c.id, 'seed-' || n.i, c.visit_session_id, \
     'visitor', 'stored message', 'Visitor', $2 + n.i, $2 + n.i, $2 + n.i FROM chats c, n";
/// What each chat keeps of its messages for its list row (migration 0034): all of them unread,
/// waiting since the first, the last the preview.
const CHAT_FACTS: &str = "UPDATE chats SET unread_by_operator_count = $1, waiting_since = $2 + 1, \
     preview_message_id = 'seed-m' || id || '-' || CAST($1 AS BIGINT) WHERE client_side_id LIKE 'seed-c%'";
const SESSION_LOG: &str = "INSERT INTO session_events (visit_session_id, revision, created_at, item) \
     SELECT c.visit_session_id, n.i, $2, '{}' FROM chats c, n";
/// Numbered after the $3 events already logged (the operators' own).
const OPERATOR_LOG: &str = "INSERT INTO operator_events (created_at, seq, event) \
     SELECT $2, $3 + i, '{\"type\":\"seeded\"}' FROM n";
const OPERATOR_SEQ: &str = "SELECT value FROM counters WHERE name = 'operator_events'";
const OPERATOR_SEQ_SET: &str = "UPDATE counters SET value = $1 WHERE name = 'operator_events'";

/// Writes `chats` waiting chats holding `messages` messages into the migrated database: on
/// the PostgreSQL database `url`, or else in the SQLite file `sqlite`.
pub async fn seed(url: Option<&str>, sqlite: &Path, chats: usize, messages: usize) -> Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let started = Instant::now();
    match url {
        Some(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            seed_with(&mut conn, chats, messages).await?;
            // A database that grew to this size has table statistics; without them PostgreSQL
            // would plan for the empty tables of the migration until autovacuum comes by.
            sqlx::Executor::execute(&mut conn, "ANALYZE").await?;
        }
        None => {
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(sqlite)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
            seed_with(&mut options.connect().await?, chats, messages).await?
        }
    }
    println!("  seeded {chats} waiting chats and {messages} messages in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

async fn seed_with<C>(conn: &mut C, chats: usize, messages: usize) -> Result<()>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'q> <C::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, C::Database>,
    for<'q> i64: sqlx::Encode<'q, C::Database> + sqlx::Decode<'q, C::Database> + sqlx::Type<C::Database>,
    (i64,): for<'r> sqlx::FromRow<'r, <C::Database as sqlx::Database>::Row>,
{
    let now = i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_micros())?;
    let hour = 3_600_000_000;
    let (at, chats) = (now - hour, i64::try_from(chats)?);
    let per_chat = (i64::try_from(messages)? / chats).max(1);
    let run = |sql: &str| format!("{COUNTER}{sql}");
    sqlx::query(&run(VISITORS)).bind(chats).bind(at).execute(&mut *conn).await?;
    sqlx::query(&run(SESSIONS)).bind(chats).bind(at).bind(now + hour).bind(per_chat).execute(&mut *conn).await?;
    sqlx::query(&run(CHATS)).bind(chats).bind(at).execute(&mut *conn).await?;
    sqlx::query(&run(MESSAGES)).bind(per_chat).bind(at).execute(&mut *conn).await?;
    sqlx::query(CHAT_FACTS).bind(per_chat).bind(at).execute(&mut *conn).await?;
    sqlx::query(&run(SESSION_LOG)).bind(per_chat).bind(at).execute(&mut *conn).await?;
    let seq: i64 = sqlx::query_scalar(OPERATOR_SEQ).fetch_one(&mut *conn).await?;
    let logged = per_chat * chats;
    sqlx::query(&run(OPERATOR_LOG)).bind(logged).bind(at).bind(seq).execute(&mut *conn).await?;
    sqlx::query(OPERATOR_SEQ_SET).bind(seq + logged).execute(&mut *conn).await?;
    Ok(())
}
