//! The two-node case: two `beseda serve` processes (the release binary next to this one) on
//! one PostgreSQL database with NATS between them. A visitor writes on node A; the operator
//! listens on both nodes. The figure is the delay until the message reaches the operator's
//! socket on node B; the baseline, measured in the same run on the same messages, is the
//! delay until it reaches the operator's socket on node A, where it was written.

use crate::fixture::{self, Serve};
use crate::{ms, percentiles, send, Args};
use anyhow::{bail, Result};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// Records when each visitor message reaches an operator socket on `base`.
async fn listen(base: &str, token: &str) -> Result<(Arrivals, tokio::task::JoinHandle<()>)> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("{}/api/operator/v1/events/ws", base.replace("http://", "ws://")).into_client_request()?;
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let arrivals: Arrivals = Arc::default();
    let seen = arrivals.clone();
    let task = tokio::spawn(async move {
        while let Some(Ok(msg)) = ws.next().await {
            let Ok(text) = msg.to_text() else { continue };
            let Ok(event) = serde_json::from_str::<Value>(text) else { continue };
            if event["type"] == "message_added" && event["message"]["kind"] == "visitor" {
                if let (Some(text), Ok(mut seen)) = (event["message"]["text"].as_str(), seen.lock()) {
                    seen.entry(text.to_owned()).or_insert_with(Instant::now);
                }
            }
        }
    });
    Ok((arrivals, task))
}

pub async fn run(args: &Args, dir: &std::path::Path) -> Result<()> {
    let (Some(pg), Some(nats)) = (&args.database_url, &args.nats_url) else {
        bail!("the two-node case needs --database-url and --nats-url");
    };
    let db = beseda_store::testing::fresh_postgres_database(pg).await?;
    let store = beseda_store::open(Some(&db), dir, &Default::default()).await?;
    store.migrate().await?;
    fixture::operator(store.as_ref(), "cross@bench.local", &fixture::password_hash().await?).await?;
    let env = [("BESEDA_DATABASE_URL", db.clone()), ("BESEDA_NATS_URL", nats.clone())];
    let node_a = Serve::start(&dir.join("a"), &env).await?;
    let node_b = Serve::start(&dir.join("b"), &env).await?;
    let (a, b) = (node_a.base.clone(), node_b.base.clone());
    let http = reqwest::Client::new();
    let token = fixture::token(&http, &b, "cross@bench.local", true).await?;
    let (on_a, task_a) = listen(&a, &token).await?;
    let (on_b, task_b) = listen(&b, &token).await?;
    println!("Beseda two-node benchmark — PostgreSQL + NATS, {} messages written on node A", args.cross_messages);

    let (page, auth) = fixture::visitor(&http, &a, "cross").await?;
    let mut sent = HashMap::new();
    for i in 0..args.cross_messages {
        let text = format!("m{i}");
        sent.insert(text.clone(), Instant::now());
        send(&http, &a, &page, &auth, &format!("c{i}"), &text).await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    task_a.abort();
    task_b.abort();
    let delays = |arrivals: &Arrivals| {
        let seen = arrivals.lock().map(|s| s.clone()).unwrap_or_default();
        let list: Vec<Duration> =
            sent.iter().filter_map(|(text, t0)| seen.get(text).map(|t| t.saturating_duration_since(*t0))).collect();
        (list.len(), Mutex::new(list))
    };
    let (n_a, same) = delays(&on_a);
    let (n_b, cross) = delays(&on_b);
    if n_a < args.cross_messages || n_b < args.cross_messages {
        bail!("messages lost: {n_a} reached node A's socket, {n_b} node B's, of {}", args.cross_messages);
    }
    let ((a50, a99), (b50, b99)) = (percentiles(&same), percentiles(&cross));
    println!();
    println!("| figure | value |");
    println!("|---|---|");
    println!("| visitor message on A → operator socket on B, p50 / p99 | {} / {} |", ms(b50), ms(b99));
    println!("| baseline: → operator socket on A (same node), p50 / p99 | {} / {} |", ms(a50), ms(a99));
    Ok(())
}
