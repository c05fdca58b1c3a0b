//! Chat creations end to end: `--visitors` visitors at once, each creating chats one after
//! another until `--creations` are done. A creation is a new visitor's init (`/l/v/m/init`)
//! and its first message (`chat.message`, which starts the chat); it counts when both were
//! acknowledged. The figure is completed creations per second, with the pair's p50/p99.

use crate::{percentiles, send, Args};
use anyhow::{Context, Result};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default)]
pub struct Creations {
    /// Creations with both requests acknowledged.
    pub completed: usize,
    /// Creations whose init or message failed or was refused.
    pub failed: usize,
    /// Completed creations per second.
    pub rate: f64,
    /// Init + first message round trips, p50 / p99.
    pub pair: (Option<Duration>, Option<Duration>),
}

/// Runs the creations against `base`, visitor `n` through `clients[n % len]`.
pub async fn measure(args: &Args, base: &str, clients: &[reqwest::Client]) -> Result<Creations> {
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let pairs = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for v in 0..args.visitors {
        let http = clients[v % clients.len()].clone();
        let (base, next, failed, pairs, total) =
            (base.to_owned(), next.clone(), failed.clone(), pairs.clone(), args.creations);
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let t0 = Instant::now();
                match create(&http, &base, n).await {
                    Ok(()) => {
                        if let Ok(mut p) = pairs.lock() {
                            p.push(t0.elapsed());
                        }
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed();
    let completed = pairs.lock().map(|p| p.len()).unwrap_or(0);
    Ok(Creations {
        completed,
        failed: failed.load(Ordering::Relaxed),
        rate: completed as f64 / elapsed.as_secs_f64(),
        pair: percentiles(&pairs),
    })
}

/// A new visitor (device `create-{n}`) and its first message.
async fn create(http: &reqwest::Client, base: &str, n: usize) -> Result<()> {
    let init: Value = http
        .get(format!(
            "{base}/l/v/m/init?event=init&since=0&location=default&device-id=create-{n}&platform=web&title=bench&respond-immediately=1"
        ))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let page = init["fullUpdate"]["pageId"].as_str().context("pageId")?;
    let auth = init["fullUpdate"]["authToken"].as_str().context("authToken")?;
    send(http, base, page, auth, &format!("create-{n}"), "hello").await
}
