//! The workspace-list case: many chats waiting, one operator loading the «waiting for answer»
//! list over HTTP, as the workspace does when it opens or reconnects. The baseline, measured in
//! the same run, is the round trip of the smallest authenticated request (`GET /me`), so the
//! figure shows what the list itself costs.

use crate::{fixture, ms, percentiles, Args};
use anyhow::{bail, Result};
use serde_json::Value;
use std::sync::Mutex;
use std::time::Instant;

pub async fn run(args: &Args, dir: &std::path::Path) -> Result<()> {
    let store = crate::open_store(args, &dir.join("lists")).await?;
    println!("Beseda workspace-list benchmark — backend {}, {} waiting chats", store.backend(), args.list_chats);
    let setup = Instant::now();
    for i in 0..args.list_chats {
        fixture::chat(store.as_ref(), &format!("w-{i}"), &format!("Question {i}")).await?;
    }
    fixture::operator(store.as_ref(), "list@bench.local", &fixture::password_hash().await?).await?;
    println!("  setup: {:.1} s", setup.elapsed().as_secs_f64());

    let server = crate::Server::start(store.clone()).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    let token = fixture::token(&http, &base, "list@bench.local", false).await?;
    let time = |path: &'static str| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let latencies = Mutex::new(Vec::new());
            let mut size = 0;
            for _ in 0..args.list_samples {
                let t0 = Instant::now();
                let body = http
                    .get(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await?
                    .error_for_status()?
                    .bytes()
                    .await?;
                if let Ok(mut l) = latencies.lock() {
                    l.push(t0.elapsed());
                }
                size = body.len();
                if path.contains("chats") {
                    let list: Value = serde_json::from_slice(&body)?;
                    let n = list["chats"].as_array().map_or(0, Vec::len);
                    if n != args.list_chats {
                        bail!("the list holds {n} chats, not {}", args.list_chats);
                    }
                }
            }
            anyhow::Ok((percentiles(&latencies), size))
        }
    };
    let ((base_p50, base_p99), _) = time("/api/operator/v1/me").await?;
    let ((p50, p99), size) = time("/api/operator/v1/chats?list=waiting").await?;
    println!();
    println!("| figure | value |");
    println!("|---|---|");
    println!(
        "| waiting list of {} chats ({} KB), p50 / p99 | {} / {} |",
        args.list_chats,
        size / 1024,
        ms(p50),
        ms(p99)
    );
    println!("| baseline: GET /me, p50 / p99 | {} / {} |", ms(base_p50), ms(base_p99));
    server.stop().await;
    Ok(())
}
