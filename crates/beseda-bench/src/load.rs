//! The visitor-message load, against any Beseda server reachable over HTTP: visitors start
//! chats that operators take, then send messages back to back (durable messages/s, delivery
//! latency under that load), then at a fixed offered rate (delivery and acknowledgement
//! latency). The same load measures a server in this process and `beseda serve` builds
//! compared in one run (`compare.rs`).

use crate::{percentiles, send, Args, Pending};
use anyhow::{Context, Result};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Source addresses (127.0.0.1 and up) the simulated visitors are spread over.
const SOURCE_ADDRESSES: u8 = 16;

/// What one run of the load measured.
#[derive(Clone, Debug)]
pub struct Figures {
    /// Messages acknowledged per second, visitors sending back to back.
    pub throughput: f64,
    /// Delivery latency (action sent → event on the operator's socket) under that load.
    pub throughput_latency: (Option<Duration>, Option<Duration>),
    /// Delivery latency at the offered rate.
    pub paced: (Option<Duration>, Option<Duration>),
    /// Acknowledgement latency at the offered rate.
    pub paced_acks: (Option<Duration>, Option<Duration>),
    /// The rate actually achieved in the paced phase.
    pub achieved_rate: f64,
    /// Group-commit counts (transactions, changes) of the throughput phase, when the server
    /// runs in this process on a backend that has a group committer.
    pub shared_commits: Option<(u64, u64)>,
    /// Messages the first operator's event stream delivered.
    pub delivered: u64,
    /// Visitors set up per second, one after another: init, first message (the chat starts),
    /// the full state read, an operator takes the chat.
    pub setup_rate: f64,
}

/// Runs the load against the server at `addr` whose operators have the bearer `tokens`.
/// `store` is the server's store when it runs in this process (for the group-commit counts).
pub async fn measure(
    args: &Args,
    addr: std::net::SocketAddr,
    tokens: &[String],
    store: Option<&dyn beseda_store::Store>,
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
    let commits_before = store.and_then(|s| s.group_commit_counts());
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
    let acked = (args.visitors * args.messages) as f64;
    let throughput = acked / elapsed.as_secs_f64();
    let throughput_latency = percentiles(&latencies);
    let shared_commits = match (commits_before, store.and_then(|s| s.group_commit_counts())) {
        (Some((t0, c0)), Some((t1, c1))) if t1 > t0 => Some((t1 - t0, c1 - c0)),
        _ => None,
    };

    // Phase 2: latency at a fixed offered rate.
    latencies.lock().map_err(|_| anyhow::anyhow!("lock"))?.clear();
    let total = (args.rate * args.seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / args.rate.max(1) as f64);
    let phase2 = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    let acks = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for k in 0..total {
        tick.tick().await;
        let (page, auth) = visitors[k % visitors.len()].clone();
        let (http, base, pending, acks) = (client(k), base.clone(), pending.clone(), acks.clone());
        tasks.push(tokio::spawn(async move {
            let csid = format!("r-{k}");
            let t0 = Instant::now();
            if let Ok(mut p) = pending.lock() {
                p.insert(csid.clone(), t0);
            }
            send(&http, &base, &page, &auth, &csid, "paced message").await?;
            if let Ok(mut a) = acks.lock() {
                a.push(t0.elapsed());
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let offered_elapsed = phase2.elapsed();
    let deadline = Instant::now() + Duration::from_secs(10);
    while latencies.lock().map(|l| l.len()).unwrap_or(0) < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let figures = Figures {
        throughput,
        throughput_latency,
        paced: percentiles(&latencies),
        paced_acks: percentiles(&acks),
        achieved_rate: total as f64 / offered_elapsed.as_secs_f64(),
        shared_commits,
        delivered: delivered.load(Ordering::Relaxed),
        setup_rate,
    };
    listener_task.abort();
    Ok(figures)
}
