//! The idle-visitors case: how many visitors with an open WebSocket one `beseda serve` process
//! holds, and its memory per connection. The server runs as its own process (the release
//! binary next to this one) so the two processes share the machine's open-file limit; the
//! load generator spreads its connections over several 127.0.0.x source addresses. The
//! baseline, measured in the same run, is the same server's memory after the visitors were
//! created and each loaded its state once over HTTP, before their sockets opened.

use crate::fixture::{self, Serve};
use crate::Args;
use anyhow::{bail, Context, Result};
use futures_util::StreamExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Resident memory of process `pid`, bytes.
fn rss(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmRSS")?;
    Ok(kb * 1024)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

pub async fn run(args: &Args, dir: &std::path::Path) -> Result<()> {
    let n = args.idle;
    let per_address = n.div_ceil(args.idle_addresses.max(1));
    let server =
        Serve::start(&dir.join("idle"), &[("BESEDA_MAX_CONNECTIONS_PER_IP", (per_address + 10).to_string())]).await?;
    let pid = server.pid();
    let base = server.base.clone();
    let port: u16 = base.rsplit(':').next().and_then(|p| p.parse().ok()).context("port")?;
    let http = reqwest::Client::new();
    println!(
        "Beseda idle-visitors benchmark — {n} visitors over {} source addresses, server pid {pid}",
        args.idle_addresses
    );
    let started = rss(pid)?;

    // The visitors: one init each (a visitor, a visit session and a page in the database).
    let setup = Instant::now();
    let mut pages = Vec::with_capacity(n);
    let mut inits = futures_util::stream::iter(0..n)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            async move { fixture::visitor(&http, &base, &format!("idle-{i}")).await }
        })
        .buffer_unordered(16);
    while let Some(page) = inits.next().await {
        pages.push(page?);
    }
    println!("  {n} visitors created in {:.1} s", setup.elapsed().as_secs_f64());
    // Each visitor loads its state once over HTTP, so the database's page cache is as warm
    // for the baseline as it will be with the sockets open.
    let mut reads = futures_util::stream::iter(pages.iter())
        .map(|(page, auth)| {
            let url = format!("{base}/l/v/m/delta?page-id={page}&auth-token={auth}&since=0&respond-immediately=1");
            let http = http.clone();
            async move { anyhow::Ok(http.get(url).send().await?.error_for_status()?.bytes().await?.len()) }
        })
        .buffer_unordered(16);
    while let Some(read) = reads.next().await {
        read?;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss(pid)?;

    // Their sockets, each reading its frames (and so answering pings) in a small task.
    let opened = Instant::now();
    let greeted = Arc::new(AtomicUsize::new(0));
    let mut sockets = Vec::with_capacity(n);
    for (i, (page, auth)) in pages.iter().enumerate() {
        let source = std::net::Ipv4Addr::new(127, 0, 0, 1 + (i % args.idle_addresses.max(1)) as u8);
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind((source, 0).into())?;
        let stream = socket.connect(([127, 0, 0, 1], port).into()).await.with_context(|| format!("socket {i}"))?;
        let url = format!("ws://127.0.0.1:{port}/l/v/m/ws?page-id={page}&auth-token={auth}&since=0");
        let (ws, _) = tokio_tungstenite::client_async(url, stream).await.with_context(|| format!("socket {i}"))?;
        let greeted = greeted.clone();
        sockets.push(tokio::spawn(async move {
            let (_, mut read) = ws.split();
            let mut first = true;
            while let Some(Ok(_)) = read.next().await {
                if first {
                    first = false;
                    greeted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while greeted.load(Ordering::Relaxed) < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open_secs = opened.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss(pid)?;
    let live = sockets.iter().filter(|t| !t.is_finished()).count();
    let got = greeted.load(Ordering::Relaxed);
    let per = after.saturating_sub(before) / n.max(1) as u64;
    println!();
    println!("| figure | value |");
    println!("|---|---|");
    println!("| open WebSockets held (each got its first frame) | {live} of {n} ({got} greeted), opened in {open_secs:.1} s |");
    println!(
        "| server RSS: started / visitors created (baseline) / sockets open | {} / {} / {} |",
        mb(started),
        mb(before),
        mb(after)
    );
    println!("| RSS per open socket | {:.1} KB |", per as f64 / 1024.0);
    println!("| target | {n} sockets within 300 MB |");
    for s in &sockets {
        s.abort();
    }
    if live < n || got < n {
        bail!("only {live} of {n} sockets stayed open ({got} greeted)");
    }
    Ok(())
}
