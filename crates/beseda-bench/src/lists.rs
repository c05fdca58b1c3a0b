//! The workspace-list case: many chats waiting, one operator loading the «waiting for answer»
//! list over HTTP, as the workspace does when it opens or reconnects. The baseline, measured in
//! the same run, is the round trip of the smallest authenticated request (`GET /me`), so the
//! figure shows what the list itself costs.

use crate::{ms, percentiles, Args};
use anyhow::{bail, Context, Result};
use beseda_core::state::OperatorRole;
use beseda_store::{InitVisit, NewOperator, VisitorMessage};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Instant;

pub async fn run(args: &Args, dir: &std::path::Path) -> Result<()> {
    let store = crate::open_store(args, &dir.join("lists")).await?;
    println!("Beseda workspace-list benchmark — backend {}, {} waiting chats", store.backend(), args.list_chats);
    let setup = Instant::now();
    for i in 0..args.list_chats {
        let visit = store
            .init_visit(&InitVisit {
                location: "default".into(),
                session_ttl_micros: 86_400_000_000,
                ..Default::default()
            })
            .await?;
        let msg =
            VisitorMessage { client_side_id: format!("w-{i}"), text: format!("Question {i}"), ..Default::default() };
        store.visitor_message(&visit.page.ctx(), &msg).await?;
    }
    let hash = beseda_server::auth::hash_password("bench-password".into()).await.map_err(anyhow::Error::msg)?;
    store
        .create_operator(&NewOperator {
            email: "list@bench.local".into(),
            name: "Operator".into(),
            role: OperatorRole::Operator,
            password_hash: hash,
            languages: vec!["ru".into()],
            department_keys: vec![],
            max_chats: None,
        })
        .await?;
    println!("  setup: {:.1} s", setup.elapsed().as_secs_f64());

    let server = crate::Server::start(store.clone()).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/operator/v1/tokens"))
        .json(&json!({"email": "list@bench.local", "password": "bench-password"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("token")?.to_owned();
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
