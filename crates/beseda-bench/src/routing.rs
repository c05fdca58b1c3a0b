//! The routing case: many online operators and open chats; each new chat is auto-assigned in
//! the transaction that creates it. Measures the visitor's `chat.message` (which creates and
//! assigns the chat) end to end over HTTP, then checks every measured chat was assigned.

use crate::{fixture, ms, percentiles, send, Args};
use anyhow::{bail, Context, Result};
use beseda_core::ids::OperatorId;
use beseda_core::state::OperatorStatus;
use serde_json::Value;
use std::sync::Mutex;
use std::time::Instant;

pub async fn run(args: &Args, dir: &std::path::Path) -> Result<()> {
    let store = crate::open_store(args, &dir.join("routing")).await?;
    let mut settings = store.settings().await?;
    settings.auto_assignment = true;
    settings.first_answer_timeout_secs = 0;
    settings.operator_response_timeout_secs = 0;
    // Room for every chat: the measured ones must find an operator.
    let per_operator = (args.routing_chats + args.routing_samples).div_ceil(args.routing_operators.max(1)) + 1;
    settings.max_chats_per_operator = u32::try_from(per_operator).unwrap_or(u32::MAX);
    store.save_settings(&settings).await?;
    println!(
        "Beseda routing benchmark — backend {}, {} online operators, {} open chats, {} new chats measured",
        store.backend(),
        args.routing_operators,
        args.routing_chats,
        args.routing_samples
    );
    let setup = Instant::now();
    for i in 0..args.routing_operators {
        // A password nobody can log in with: these operators only take chats.
        let op = fixture::operator(store.as_ref(), &format!("r{i}@bench.local"), "-").await?;
        let _ = store.set_operator_status(op.id, OperatorStatus::Online).await?;
    }
    for i in 0..args.routing_chats {
        fixture::chat(store.as_ref(), &format!("open-{i}"), "open chat").await?;
    }
    println!("  setup: {:.1} s", setup.elapsed().as_secs_f64());

    let server = crate::Server::start(store.clone()).await?;
    let addr = server.addr;
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let latencies = Mutex::new(Vec::with_capacity(args.routing_samples));
    // The server's warnings from here on, stamped with the time since measuring began, so that
    // a slow request can be matched with what the writer logged then.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .with_writer(std::io::stderr)
        .try_init();
    // When each of the measured requests started, from the first: where the slowest fall.
    let measuring = Instant::now();
    let mut started_at = Vec::with_capacity(args.routing_samples);
    let mut visitors = Vec::with_capacity(args.routing_samples);
    for i in 0..args.routing_samples {
        let init: Value = http
            .get(format!("{base}/l/v/m/init?event=init&since=0&location=default&device-id=r{i}&platform=web&title=r"))
            .send()
            .await?
            .json()
            .await?;
        let page = init["fullUpdate"]["pageId"].as_str().context("pageId")?.to_owned();
        let auth = init["fullUpdate"]["authToken"].as_str().context("authToken")?.to_owned();
        let visitor = init["fullUpdate"]["visitor"]["id"].as_str().context("visitor")?.to_owned();
        let t0 = Instant::now();
        started_at.push(t0 - measuring);
        send(&http, &base, &page, &auth, &format!("new-{i}"), "new chat").await?;
        if let Ok(mut l) = latencies.lock() {
            l.push(t0.elapsed());
        }
        visitors.push(visitor);
    }
    let mut unassigned = 0;
    for v in &visitors {
        let id = beseda_core::ids::VisitorId::parse(v).context("visitor id")?;
        let chat = store.current_chat(&id, "default").await?.context("chat")?;
        if chat.operator_id.is_none_or(|o: OperatorId| o.0 <= 0) {
            unassigned += 1;
        }
    }
    if unassigned > 0 {
        bail!("{unassigned} measured chats were not assigned");
    }
    let (p50, p99) = percentiles(&latencies);
    print_slowest(&latencies, &started_at);
    println!();
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| new chat → assigned ({} operators, {} open chats), p50 / p99 | {} / {} |",
        args.routing_operators,
        args.routing_chats,
        ms(p50),
        ms(p99)
    );
    println!("| target p99 | 5 ms |");
    server.stop().await;
    Ok(())
}

/// The ten slowest requests with when they started: a tail that comes at a fixed period points
/// at a periodic job, one at the start at something left over from the set-up.
fn print_slowest(latencies: &Mutex<Vec<std::time::Duration>>, started_at: &[std::time::Duration]) {
    let Ok(latencies) = latencies.lock() else { return };
    let mut slowest: Vec<(std::time::Duration, std::time::Duration)> =
        latencies.iter().copied().zip(started_at.iter().copied()).collect();
    slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
    let list: Vec<String> =
        slowest.iter().take(10).map(|(took, at)| format!("{} at {:.2} s", ms(Some(*took)), at.as_secs_f64())).collect();
    println!("  slowest: {}", list.join(", "));
}
