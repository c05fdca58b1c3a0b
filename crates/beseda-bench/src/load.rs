//! The visitor-message load, against any Beseda server reachable over HTTP: visitors start
//! chats that operators take, then send messages back to back (durable messages/s, delivery
//! latency under that load), then at a fixed offered rate (delivery and acknowledgement
//! latency). The same load measures a server in this process and `beseda serve` builds
//! compared in one run (`compare.rs`).

use crate::cpu::{Probe, Spent};
use crate::creations::{self, Creations};
use crate::{percentiles, send, Args, Pending};
use anyhow::{Context, Result};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Source addresses (127.0.0.1 and up) the simulated visitors are spread over.
const SOURCE_ADDRESSES: u8 = 16;

/// One offered rate of the paced phase.
#[derive(Clone, Debug)]
pub struct Paced {
    /// Messages/s offered.
    pub offered: u64,
    /// Messages acknowledged per second, from the first send to the last acknowledgement.
    pub achieved: f64,
    /// Delivery latency (action sent → event on the operator's socket).
    pub delivery: (Option<Duration>, Option<Duration>),
    /// Acknowledgement (committed) latency.
    pub acks: (Option<Duration>, Option<Duration>),
    /// Messages whose request failed or was refused.
    pub failed: usize,
}

impl Paced {
    /// Whether the server kept up with the offered rate (within 5 %).
    pub fn sustained(&self) -> bool {
        self.failed == 0 && self.achieved >= 0.95 * self.offered as f64
    }
}

/// What one run of the load measured.
#[derive(Clone, Debug)]
pub struct Figures {
    /// Messages acknowledged per second, visitors sending back to back.
    pub throughput: f64,
    /// Messages acknowledged in that phase.
    pub acked: usize,
    /// Delivery latency (action sent → event on the operator's socket) under that load.
    pub throughput_latency: (Option<Duration>, Option<Duration>),
    /// Server CPU spent in the throughput phase (when the server's process is known).
    pub cpu: Option<Spent>,
    /// Each offered rate of `--rates`, in order.
    pub paced: Vec<Paced>,
    /// Chat creations end to end.
    pub creations: Creations,
    /// Server CPU spent in the creations phase.
    pub creations_cpu: Option<Spent>,
    /// Group-commit counts (transactions, changes) of the throughput phase, from the
    /// server's `/metrics` (SQLite only).
    pub shared_commits: Option<(u64, u64)>,
    /// Messages the first operator's event stream delivered.
    pub delivered: u64,
    /// Visitors set up per second, one after another: init, first message (the chat starts),
    /// the full state read, an operator takes the chat.
    pub setup_rate: f64,
    /// Errors the server logged over the run, and the first (when its log was read).
    pub server_errors: (usize, Option<String>),
}

impl Figures {
    /// Paced figures at `rate` messages/s offered (when it was measured).
    pub fn at(&self, rate: u64) -> Option<&Paced> {
        self.paced.iter().find(|p| p.offered == rate)
    }
}

/// Runs the load against the server at `addr` whose operators have the bearer `tokens`.
/// `probe` names the server's process (and PostgreSQL database) for its CPU time.
pub async fn measure(
    args: &Args,
    addr: std::net::SocketAddr,
    tokens: &[String],
    probe: Option<&Probe>,
) -> Result<Figures> {
    let base = format!("http://{addr}");
    // Real visitors come from many addresses; from one, the paced phase's requests in flight
    // would meet the server's per-address connection limit and measure that instead.
    let clients = (0..SOURCE_ADDRESSES)
        .map(|i| {
            reqwest::Client::builder()
                .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1 + i)))
                .pool_max_idle_per_host(args.visitors * 2)
                .build()
        })
        .collect::<reqwest::Result<Vec<_>>>()?;
    let client = |n: usize| clients[n % clients.len()].clone();
    let metrics = reqwest::Client::new();

    // The first operator's event stream measures delivery.
    let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let delivered = Arc::new(AtomicU64::new(0));
    let listener_task = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{addr}/api/operator/v1/events/ws").into_client_request()?;
        req.headers_mut().insert("authorization", format!("Bearer {}", tokens[0]).parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
        let (pending, latencies, delivered) = (pending.clone(), latencies.clone(), delivered.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                let Ok(text) = msg.into_text() else { continue };
                let Ok(event) = serde_json::from_str::<Value>(&text) else { continue };
                if event["type"] != "message_added" || event["message"]["kind"] != "visitor" {
                    continue;
                }
                let csid = event["message"]["clientSideId"].as_str().unwrap_or_default();
                let started = pending.lock().map(|mut p| p.remove(csid)).ok().flatten();
                if let Some(t0) = started {
                    if let Ok(mut l) = latencies.lock() {
                        l.push(t0.elapsed());
                    }
                    delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };

    // Visitors: init, first message, an operator takes the chat.
    let setup = Instant::now();
    let mut visitors = Vec::new();
    for i in 0..args.visitors {
        let http = client(i);
        let init: Value = http
            .get(format!(
                "{base}/l/v/m/init?event=init&since=0&location=default&device-id=bench{i}&platform=web&title=bench&respond-immediately=1"
            ))
            .send()
            .await?
            .json()
            .await?;
        let page = init["fullUpdate"]["pageId"].as_str().context("pageId")?.to_owned();
        let auth = init["fullUpdate"]["authToken"].as_str().context("authToken")?.to_owned();
        send(&http, &base, &page, &auth, &format!("hello-{i}"), "hello").await?;
        let full: Value = http
            .get(format!("{base}/l/v/m/delta?since=0&page-id={page}&auth-token={auth}"))
            .send()
            .await?
            .json()
            .await?;
        let chat = full["fullUpdate"]["chat"]["id"].as_i64().context("chat id")?;
        let token = &tokens[i % tokens.len()];
        http.post(format!("{base}/api/operator/v1/chats/{chat}/take"))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
        visitors.push((page, auth));
    }
    let setup_rate = args.visitors as f64 / setup.elapsed().as_secs_f64();
    // Let the setup events drain before measuring.
    tokio::time::sleep(Duration::from_millis(300)).await;
    latencies.lock().map_err(|_| anyhow::anyhow!("lock"))?.clear();

    // Phase 1: throughput. Every visitor sends its messages back to back.
    let commits_before = group_commits(&metrics, &base).await;
    let cpu_before = match probe {
        Some(p) => Some(p.sample().await?),
        None => None,
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (v, (page, auth)) in visitors.iter().cloned().enumerate() {
        let (http, base, pending, n) = (client(v), base.clone(), pending.clone(), args.messages);
        tasks.push(tokio::spawn(async move {
            for k in 0..n {
                let csid = format!("t-{v}-{k}");
                if let Ok(mut p) = pending.lock() {
                    p.insert(csid.clone(), Instant::now());
                }
                send(&http, &base, &page, &auth, &csid, "benchmark message").await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    let cpu = match (probe, &cpu_before) {
        (Some(p), Some(before)) => Some(before.until(&p.sample().await?)),
        _ => None,
    };
    let acked = args.visitors * args.messages;
    let throughput = acked as f64 / elapsed.as_secs_f64();
    let throughput_latency = percentiles(&latencies);
    let shared_commits = match (commits_before, group_commits(&metrics, &base).await) {
        (Some((t0, c0)), Some((t1, c1))) if t1 > t0 => Some((t1 - t0, c1 - c0)),
        _ => None,
    };

    // Phase 2: latency at each offered rate.
    let lanes: Vec<_> = clients.iter().map(|_| Arc::new(Semaphore::new(IN_FLIGHT_PER_ADDRESS))).collect();
    let mut paced = Vec::new();
    for &rate in &args.rates {
        let phase = Phase { base: &base, clients: &clients, lanes: &lanes, pending: &pending, latencies: &latencies };
        paced.push(phase.run(args, rate, &visitors).await?);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Phase 3: chat creations, new visitors at once.
    let before = match probe {
        Some(p) => Some(p.sample().await?),
        None => None,
    };
    let creations =
        if args.creations > 0 { creations::measure(args, &base, &clients).await? } else { Creations::default() };
    let creations_cpu = match (probe, &before) {
        (Some(p), Some(before)) => Some(before.until(&p.sample().await?)),
        _ => None,
    };
    listener_task.abort();
    Ok(Figures {
        throughput,
        acked,
        throughput_latency,
        cpu,
        paced,
        creations,
        creations_cpu,
        shared_commits,
        delivered: delivered.load(Ordering::Relaxed),
        setup_rate,
        server_errors: (0, None),
    })
}

/// Requests of the paced phase in flight at once from one source address: below the server's
/// 256 TCP connections per address, so a server that falls behind shows as a lower achieved
/// rate rather than as refused connections.
const IN_FLIGHT_PER_ADDRESS: usize = 200;

/// What a paced phase sends through.
struct Phase<'a> {
    base: &'a str,
    clients: &'a [reqwest::Client],
    lanes: &'a [Arc<Semaphore>],
    pending: &'a Pending,
    latencies: &'a Arc<Mutex<Vec<Duration>>>,
}

impl Phase<'_> {
    /// `rate` messages/s offered for `--seconds`, spread over the visitors.
    async fn run(&self, args: &Args, rate: u64, visitors: &[(String, String)]) -> Result<Paced> {
        self.latencies.lock().map_err(|_| anyhow::anyhow!("lock"))?.clear();
        let total = (rate * args.seconds) as usize;
        let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(total);
        let acks = Arc::new(Mutex::new(Vec::<Duration>::new()));
        let failed = Arc::new(AtomicUsize::new(0));
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        for k in 0..total {
            tick.tick().await;
            let lane = k % self.clients.len();
            let permit = self.lanes[lane].clone().acquire_owned().await?;
            let (page, auth) = visitors[k % visitors.len()].clone();
            let (http, base, pending) = (self.clients[lane].clone(), self.base.to_owned(), self.pending.clone());
            let (acks, failed) = (acks.clone(), failed.clone());
            tasks.push(tokio::spawn(async move {
                let csid = format!("r{rate}-{k}");
                let t0 = Instant::now();
                if let Ok(mut p) = pending.lock() {
                    p.insert(csid.clone(), t0);
                }
                match send(&http, &base, &page, &auth, &csid, "paced message").await {
                    Ok(()) => {
                        if let Ok(mut a) = acks.lock() {
                            a.push(t0.elapsed());
                        }
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut p) = pending.lock() {
                            p.remove(&csid);
                        }
                    }
                }
                drop(permit);
            }));
        }
        for t in tasks {
            t.await?;
        }
        let elapsed = started.elapsed();
        let acked = acks.lock().map(|a| a.len()).unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.latencies.lock().map(|l| l.len()).unwrap_or(0) < acked && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Paced {
            offered: rate,
            achieved: acked as f64 / elapsed.as_secs_f64(),
            delivery: percentiles(self.latencies),
            acks: percentiles(&acks),
            failed: failed.load(Ordering::Relaxed),
        })
    }
}

/// (transactions, changes) of the server's group committer, from its `/metrics`
/// (`beseda_group_commit_batch_size`; absent on PostgreSQL).
async fn group_commits(http: &reqwest::Client, base: &str) -> Option<(u64, u64)> {
    let text = http.get(format!("{base}/metrics")).send().await.ok()?.text().await.ok()?;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name).filter(|r| r.starts_with(' ')))
            .and_then(|r| r.split_whitespace().next()?.parse::<f64>().ok())
    };
    Some((value("beseda_group_commit_batch_size_count")? as u64, value("beseda_group_commit_batch_size_sum")? as u64))
}
