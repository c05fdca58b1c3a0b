//! Beseda benchmark: drives a Beseda server over the real protocols (visitor `/l/v/m/init` and
//! `/l/v/m/action` over HTTP from 16 source addresses, operator event stream over a
//! WebSocket). The default run (`report.rs`) gives every figure in one run, each beside a
//! baseline measured in the same run, for SQLite and (with `--database-url`) PostgreSQL:
//!
//! * chat creations/s end to end (init + first message, both acknowledged) with their p50/p99;
//! * durable messages/s end to end (a message counts when its action was acknowledged, which
//!   happens only after its transaction committed), against the raw insert rate of the same row;
//! * the server's CPU-ms per message and per creation (`beseda serve` as its own process);
//! * p50/p99 visitor→operator delivery latency at each offered rate of `--rates`, with the
//!   rate achieved.
//!
//! The other cases (`--compare-build`, `--waiting-chats`, `--routing`, `--lists`, `--idle`,
//! `--cross-node`) each have a module.

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
    /// Offered rates (messages/s) of the latency phase, comma-separated; each runs for
    /// `--seconds`.
    #[arg(long, alias = "rate", value_delimiter = ',', default_values_t = [500, 1000, 2000])]
    rates: Vec<u64>,
    /// Chat creations (a new visitor's init and first message) made by `--visitors` at once.
    #[arg(long, default_value_t = 1000)]
    creations: usize,
    /// Length of each offered rate of the latency phase, seconds.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// SQLite durability: full or normal.
    #[arg(long, default_value = "full")]
    sqlite_synchronous: String,
    /// PostgreSQL server: the default run measures SQLite and then a fresh database on this
    /// server side by side; the other cases run on a fresh database there instead of SQLite.
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
    /// Compare two builds in one run: the visitor-message load and chat creations against `beseda serve` of
    /// `--build` (A) and of this binary (B, e.g. the previous release), in alternating rounds,
    /// each round over a fresh database.
    #[arg(long, value_name = "BESEDA_BINARY")]
    compare_build: Option<std::path::PathBuf>,
    /// The `beseda` measured (A of a comparison; default: the one next to this benchmark).
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

mod baseline;
mod compare;
mod cpu;
mod creations;
mod crossnode;
mod fixture;
mod history;
mod idle;
mod lists;
mod load;
mod report;
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
    if args.rates.contains(&0) {
        bail!("--rates must be positive");
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
        report::run(&args, &dir).await
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
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

/// `--rates` as written: `500, 1000, 2000`.
pub(crate) fn rates(args: &Args) -> String {
    args.rates.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

pub(crate) fn ms(d: Option<Duration>) -> String {
    d.map_or("n/a".into(), |d| format!("{:.2} ms", d.as_secs_f64() * 1000.0))
}
