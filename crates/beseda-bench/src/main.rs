//! Beseda benchmark: starts a server over a fresh database, drives N visitors and M operators
//! over the real protocols (visitor `/l/v/m/action` over HTTP, operator event stream over a
//! WebSocket), and prints
//!
//! * durable messages/s end to end (a message counts when its action was acknowledged, which
//!   happens only after its transaction committed),
//! * p50/p99 visitor→operator delivery latency (action sent → event on the operator's socket)
//!   at a fixed offered rate,
//! * as the baseline, measured in the same run: the raw insert rate of the same row into a bare
//!   SQLite database with the same durability settings, one commit per row, and the ratio.

use anyhow::{bail, Result};
use beseda_server::bus::LocalBus;
use beseda_server::{AppState, ServerConfig};
use beseda_store::StoreOptions;
use clap::Parser;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser, Clone)]
#[command(about = "End-to-end durable message rate and latency of a Beseda server")]
struct Args {
    /// Concurrent visitors.
    #[arg(long, default_value_t = 64)]
    visitors: usize,
    /// Operators answering (chats are spread over them).
    #[arg(long, default_value_t = 4)]
    operators: usize,
    /// Messages each visitor sends in the throughput phase.
    #[arg(long, default_value_t = 50)]
    messages: usize,
    /// Offered rate (messages/s) of the latency phase.
    #[arg(long, default_value_t = 500)]
    rate: u64,
    /// Length of the latency phase, seconds.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// SQLite durability: full or normal.
    #[arg(long, default_value = "full")]
    sqlite_synchronous: String,
    /// Run against PostgreSQL at this URL (a fresh database is created on that server).
    #[arg(long)]
    database_url: Option<String>,
    /// Run the routing case instead: new chat → assigned latency with many operators and open chats.
    #[arg(long)]
    routing: bool,
    /// Online operators in the routing case.
    #[arg(long, default_value_t = 1000)]
    routing_operators: usize,
    /// Open chats already assigned before measuring, in the routing case.
    #[arg(long, default_value_t = 10_000)]
    routing_chats: usize,
    /// New chats measured in the routing case.
    #[arg(long, default_value_t = 1000)]
    routing_samples: usize,
    /// Run the workspace-list case instead: an operator loading a long «waiting» list.
    #[arg(long)]
    lists: bool,
    /// Waiting chats in the list case.
    #[arg(long, default_value_t = 1000)]
    list_chats: usize,
    /// List loads measured in the list case.
    #[arg(long, default_value_t = 50)]
    list_samples: usize,
    /// Run the idle-visitors case instead: this many visitors with an open WebSocket on one
    /// `beseda serve` process (the release binary next to this one).
    #[arg(long, default_value_t = 0)]
    idle: usize,
    /// Source addresses (127.0.0.1 and up) the idle sockets are spread over.
    #[arg(long, default_value_t = 50)]
    idle_addresses: usize,
    /// Run the two-node case instead (needs --database-url and --nats-url).
    #[arg(long)]
    cross_node: bool,
    /// NATS server of the two-node case.
    #[arg(long)]
    nats_url: Option<String>,
    /// Messages written in the two-node case.
    #[arg(long, default_value_t = 500)]
    cross_messages: usize,
    /// Compare two builds in one run: the visitor-message load against `beseda serve` of
    /// `--build` (A) and of this binary (B, e.g. the previous release), in alternating rounds,
    /// each round over a fresh database.
    #[arg(long, value_name = "BESEDA_BINARY")]
    compare_build: Option<std::path::PathBuf>,
    /// The A build of the comparison (default: the `beseda` next to this benchmark).
    #[arg(long, value_name = "BESEDA_BINARY")]
    build: Option<std::path::PathBuf>,
    /// Rounds of the comparison; each round runs A, then B (with --waiting-chats: each case).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Cost independent of history: the visitor-message load against `beseda serve` of
    /// `--build` over a fresh database and over databases already holding this many waiting
    /// chats (comma-separated, e.g. 10000,100000), side by side in one run.
    #[arg(long, value_delimiter = ',')]
    waiting_chats: Vec<usize>,
    /// Messages stored in the waiting chats of --waiting-chats (with their log rows).
    #[arg(long, default_value_t = 1_000_000)]
    stored_messages: usize,
}

mod compare;
mod crossnode;
mod fixture;
mod history;
mod idle;
mod lists;
mod load;
mod routing;

/// A fresh database: SQLite in `dir`, or a new database on the PostgreSQL server of
/// `--database-url`.
pub(crate) async fn open_store(args: &Args, dir: &std::path::Path) -> Result<Arc<dyn beseda_store::Store>> {
    let options = StoreOptions { sqlite_synchronous: args.sqlite_synchronous.clone(), ..StoreOptions::default() };
    let url = match &args.database_url {
        Some(u) => Some(beseda_store::testing::fresh_postgres_database(u).await?),
        None => None,
    };
    let store = beseda_store::open(url.as_deref(), dir, &options).await?;
    store.migrate().await?;
    Ok(store)
}

/// A Beseda server in this process, on a free loopback port.
pub(crate) struct Server {
    pub addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub async fn start(store: Arc<dyn beseda_store::Store>) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(
            store,
            Arc::new(LocalBus::default()),
            ServerConfig {
                // One address plays every visitor (see fixture::Serve).
                limits: beseda_server::throttle::Limits {
                    visitor_inits_per_minute: 0,
                    visitor_chats_per_minute: 0,
                    visitor_messages_per_minute: 0,
                    ..Default::default()
                },
                ..ServerConfig::default()
            },
        );
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(beseda_server::serve(listener, state, async {
            let _ = stop_rx.await;
        }));
        Ok(Self { addr, stop, task })
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

type Pending = Arc<Mutex<HashMap<String, Instant>>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if args.operators == 0 || args.visitors == 0 {
        bail!("--visitors and --operators must be positive");
    }
    let dir = std::env::temp_dir().join(format!("beseda-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let result = if args.routing {
        routing::run(&args, &dir).await
    } else if args.lists {
        lists::run(&args, &dir).await
    } else if args.idle > 0 {
        idle::run(&args, &dir).await
    } else if args.cross_node {
        crossnode::run(&args, &dir).await
    } else if args.compare_build.is_some() {
        compare::run(&args, &dir).await
    } else if !args.waiting_chats.is_empty() {
        history::run(&args, &dir).await
    } else {
        run(&args, &dir).await
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(args: &Args, dir: &std::path::Path) -> Result<()> {
    let store = open_store(args, &dir.join("server")).await?;
    let server = crate::Server::start(store.clone()).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();

    println!("Beseda benchmark — backend {}, sqlite synchronous={}", store.backend(), args.sqlite_synchronous);
    println!("  {} visitors, {} operators, {} messages per visitor", args.visitors, args.operators, args.messages);

    // Operators: accounts, tokens, online.
    let hash = fixture::password_hash().await?;
    let mut tokens = Vec::new();
    for i in 0..args.operators {
        let email = format!("bench{i}@bench.local");
        fixture::operator(store.as_ref(), &email, &hash).await?;
        tokens.push(fixture::token(&http, &base, &email, true).await?);
    }
    let f = load::measure(args, server.addr, &tokens, Some(store.as_ref())).await?;

    // Baseline: the same row into a bare database, one durable commit per row.
    let baseline = match &args.database_url {
        None => raw_sqlite_rate(&dir.join("baseline.db"), &args.sqlite_synchronous, 5000).await?,
        Some(u) => raw_postgres_rate(u, 5000).await?,
    };
    let shared_commits = match f.shared_commits {
        Some((transactions, changes)) => {
            format!("{:.1} changes per commit ({transactions} transactions)", changes as f64 / transactions as f64)
        }
        None => "one commit per change".to_owned(),
    };

    println!();
    println!("| figure | value |");
    println!("|---|---|");
    println!("| durable messages/s end to end ({} visitors back to back) | {:.0} |", args.visitors, f.throughput);
    println!("| group commit in that phase | {shared_commits} |");
    println!(
        "| delivery latency under that load, p50 / p99 | {} / {} |",
        ms(f.throughput_latency.0),
        ms(f.throughput_latency.1)
    );
    println!(
        "| delivery latency at {} msg/s offered ({:.0} achieved), p50 / p99 | {} / {} |",
        args.rate,
        f.achieved_rate,
        ms(f.paced.0),
        ms(f.paced.1)
    );
    println!(
        "| acknowledgement (committed) at that rate, p50 / p99 | {} / {} |",
        ms(f.paced_acks.0),
        ms(f.paced_acks.1)
    );
    println!("| baseline: raw {} inserts of the same row, one commit each | {:.0} rows/s |", store.backend(), baseline);
    println!("| ratio end to end / raw insert | {:.2} |", f.throughput / baseline);
    println!("| messages delivered to the operator stream | {} |", f.delivered);

    server.stop().await;
    Ok(())
}

pub(crate) async fn send(
    http: &reqwest::Client,
    base: &str,
    page: &str,
    auth: &str,
    csid: &str,
    text: &str,
) -> Result<()> {
    let resp: Value = http
        .post(format!("{base}/l/v/m/action"))
        .form(&[
            ("page-id", page),
            ("auth-token", auth),
            ("action", "chat.message"),
            ("client-side-id", csid),
            ("message", text),
        ])
        .send()
        .await?
        .json()
        .await?;
    if resp["result"] != "ok" {
        bail!("message refused: {resp}");
    }
    Ok(())
}

pub(crate) fn percentiles(latencies: &Mutex<Vec<Duration>>) -> (Option<Duration>, Option<Duration>) {
    let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    if l.is_empty() {
        return (None, None);
    }
    l.sort();
    let at = |q: f64| l[((l.len() as f64 - 1.0) * q).round() as usize];
    (Some(at(0.5)), Some(at(0.99)))
}

pub(crate) fn ms(d: Option<Duration>) -> String {
    d.map_or("n/a".into(), |d| format!("{:.2} ms", d.as_secs_f64() * 1000.0))
}

const BASELINE_TABLE: &str =
    "CREATE TABLE messages (id TEXT PRIMARY KEY, chat_id BIGINT NOT NULL, client_side_id TEXT NOT NULL, \
    session_id TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, data TEXT, author_id BIGINT, name TEXT NOT NULL, \
    avatar TEXT, created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL, history_revision BIGINT NOT NULL, \
    UNIQUE (chat_id, client_side_id))";
const BASELINE_INSERT: &str = "INSERT INTO messages (id, chat_id, client_side_id, session_id, kind, text, data, author_id, \
    name, avatar, created_at, modified_at, history_revision) VALUES ($1, $2, $3, $4, 'visitor', $5, NULL, NULL, $6, NULL, $7, $8, $9)";

async fn raw_sqlite_rate(path: &std::path::Path, synchronous: &str, rows: usize) -> Result<f64> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    use sqlx::{ConnectOptions, Executor};
    let sync = if synchronous == "normal" { SqliteSynchronous::Normal } else { SqliteSynchronous::Full };
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync)
        .connect()
        .await?;
    conn.execute(BASELINE_TABLE).await?;
    insert_rows(&mut conn, rows).await
}

async fn raw_postgres_rate(url: &str, rows: usize) -> Result<f64> {
    use sqlx::{Connection, Executor};
    let db = beseda_store::testing::fresh_postgres_database(url).await?;
    let mut conn = sqlx::PgConnection::connect(&db).await?;
    conn.execute(BASELINE_TABLE).await?;
    insert_rows(&mut conn, rows).await
}

async fn insert_rows<C>(conn: &mut C, rows: usize) -> Result<f64>
where
    C: sqlx::Connection,
    for<'c> &'c mut C: sqlx::Executor<'c, Database = C::Database>,
    for<'q> <C::Database as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, C::Database>,
    for<'q> String: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> i64: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
    for<'q> &'q str: sqlx::Encode<'q, C::Database> + sqlx::Type<C::Database>,
{
    let start = Instant::now();
    for i in 0..rows {
        let now = i as i64;
        sqlx::query(BASELINE_INSERT)
            .bind(uuid::Uuid::new_v4().simple().to_string())
            .bind(1i64)
            .bind(format!("c{i}"))
            .bind("80a332f6fced40f290a5e8ace4a6d11c")
            .bind("benchmark message")
            .bind("Посетитель")
            .bind(now)
            .bind(now)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(rows as f64 / start.elapsed().as_secs_f64())
}
