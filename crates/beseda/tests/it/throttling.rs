//! Rate limits (docs/deployment.md, "Rate limits"): login throttling on every way to
//! authenticate, the `Secure` session cookie, and per-address visitor limits. Client addresses
//! are told with `X-Forwarded-For` from the loopback, configured as a trusted proxy.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use beseda_server::throttle::Limits;
use beseda_server::ServerConfig;
use common::{TestServer, Visitor};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

fn config(limits: Limits) -> ServerConfig {
    ServerConfig { trusted_proxies: vec![[127, 0, 0, 1].into()], limits, ..ServerConfig::default() }
}

/// An HTTP client whose requests come from `ip` (as the trusted proxy tells).
fn from(ip: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", ip.parse().expect("header"));
    reqwest::Client::builder().default_headers(headers).build().expect("client")
}

async fn start(limits: Limits) -> (TestServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    (TestServer::start_full(config(limits), clock.clone()).await, clock)
}

/// `POST path` with e-mail and password: status, `Retry-After`, body.
async fn log_in(server: &TestServer, client: &reqwest::Client, path: &str, email: &str, password: &str) -> Answer {
    let resp = client.post(server.url(path)).json(&json!({"email": email, "password": password})).send().await;
    Answer::of(resp.expect("login")).await
}

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    set_cookie: Option<String>,
    body: Value,
}

impl Answer {
    async fn of(resp: reqwest::Response) -> Self {
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let retry_after = header("retry-after").and_then(|v| v.parse().ok());
        let set_cookie = header("set-cookie");
        Self { status: resp.status().as_u16(), retry_after, set_cookie, body: resp.json().await.unwrap_or(Value::Null) }
    }

    fn refused(&self) -> bool {
        self.status == 429 && self.body["error"] == "too-many-attempts" && self.retry_after.is_some_and(|s| s >= 1)
    }
}

#[tokio::test]
async fn password_guessing_locks_the_account_out_from_that_address_only() {
    let (server, clock) = start(Limits::default()).await;
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    server.operator("boss@x.io", "Начальник", OperatorRole::Admin).await;
    let (attacker, other) = (from("203.0.113.7"), from("198.51.100.2"));
    let login = "/api/operator/v1/login";

    let mut first_refusal = None;
    for i in 0..100 {
        let a = log_in(&server, &attacker, login, "admin@x.io", &format!("guess{i}")).await;
        match first_refusal {
            None if a.status == 401 => assert_eq!(a.body["error"], "invalid-credentials"),
            None => {
                assert!(a.refused(), "attempt {i}: {} {}", a.status, a.body);
                assert!(a.retry_after.is_some_and(|s| s <= 15 * 60), "{:?}", a.retry_after);
                first_refusal = Some(i);
            }
            Some(_) => assert!(a.refused(), "attempt {i} after the lockout: {} {}", a.status, a.body),
        }
    }
    assert_eq!(first_refusal, Some(5), "five failures lock the account out from this address");

    // The right password is refused too, on every door, from the attacker's address …
    assert!(log_in(&server, &attacker, login, "admin@x.io", "password123").await.refused());
    assert!(log_in(&server, &attacker, "/api/operator/v1/tokens", "Admin@X.io", "password123").await.refused());
    let stored = attacker.get(server.url("/api/v2/operators")).basic_auth("admin@x.io", Some("password123"));
    assert!(Answer::of(stored.send().await.expect("stored")).await.refused());

    // … but not from another address, nor for another account from the same address.
    assert_eq!(log_in(&server, &other, login, "admin@x.io", "password123").await.status, 200);
    assert_eq!(log_in(&server, &attacker, login, "boss@x.io", "password123").await.status, 200);

    // After the lockout the right password works again.
    clock.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(log_in(&server, &attacker, login, "admin@x.io", "password123").await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn many_accounts_from_one_address_are_slowed_down() {
    let (server, clock) = start(Limits::default()).await;
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let attacker = from("203.0.113.8");
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses
            .push(log_in(&server, &attacker, "/api/operator/v1/tokens", &format!("u{i}@x.io"), "guess").await.status);
    }
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(refused >= 15, "a burst of wrong e-mails from one address is refused: {statuses:?}");
    let a = log_in(&server, &attacker, "/api/operator/v1/tokens", "admin@x.io", "password123").await;
    assert!(a.refused() && a.retry_after.is_some_and(|s| s <= 6), "the address waits seconds: {:?}", a.retry_after);
    clock.advance(Duration::from_secs(6));
    assert_eq!(log_in(&server, &attacker, "/api/operator/v1/tokens", "admin@x.io", "password123").await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn wrong_bot_tokens_from_an_address_are_refused() {
    let (server, clock) = start(Limits::default()).await;
    let call = |client: &reqwest::Client| {
        client
            .post(server.url("/api/bot/v2/send_message"))
            .header("authorization", "Token 0123456789abcdef")
            .json(&json!({"chat_id": 1, "message": {"kind": "operator", "text": "hi"}}))
            .send()
    };
    let attacker = from("203.0.113.9");
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(Answer::of(call(&attacker).await.expect("bot call")).await);
    }
    assert!(statuses[..10].iter().all(|a| a.status == 401 && a.body["error"] == "access-denied"));
    let refused = statuses.iter().filter(|a| a.refused()).count();
    assert!(refused >= 25, "{:?}", statuses.iter().map(|a| a.status).collect::<Vec<_>>());
    let other = Answer::of(call(&from("198.51.100.3")).await.expect("bot call")).await;
    assert_eq!(other.status, 401, "another address is not refused");
    clock.advance(Duration::from_secs(60));
    assert_eq!(Answer::of(call(&attacker).await.expect("bot call")).await.status, 401);
    server.stop().await;
}

#[tokio::test]
async fn the_session_cookie_is_secure_on_an_https_origin() {
    let (server, _) = start(Limits::default()).await;
    server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let plain = log_in(&server, &server.http, "/api/operator/v1/login", "op@x.io", "password123").await;
    let cookie = plain.set_cookie.expect("cookie");
    assert!(cookie.contains("HttpOnly") && !cookie.contains("Secure"), "{cookie}");
    server.stop().await;

    // Behind a TLS proxy: the configured public origin is https.
    let config = ServerConfig { public_origin: "https://chat.example.com".into(), ..config(Limits::default()) };
    let server = TestServer::start_full(config, Arc::new(ManualClock::new())).await;
    server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let resp = server
        .http
        .post(server.url("/api/operator/v1/login"))
        .json(&json!({"email": "op@x.io", "password": "password123"}))
        .send()
        .await
        .expect("login");
    let secure = Answer::of(resp).await;
    let cookie = secure.set_cookie.expect("cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    let token = cookie.split(';').next().expect("pair").to_owned();
    let csrf = secure.body["csrfToken"].as_str().expect("csrf").to_owned();
    let resp = server
        .http
        .post(server.url("/api/operator/v1/logout"))
        .header("cookie", token)
        .header("x-csrf-token", csrf)
        .send()
        .await
        .expect("logout");
    let out = Answer::of(resp).await;
    assert_eq!(out.status, 200, "{}", out.body);
    assert!(out.set_cookie.is_some_and(|c| c.contains("Max-Age=0") && c.contains("; Secure")));
    server.stop().await;
}

#[tokio::test]
async fn a_burst_of_new_chats_from_one_address_is_mostly_refused() {
    let (mut server, _) = start(Limits::default()).await;
    server.http = from("203.0.113.10");
    let (mut started, mut refused) = (0, 0);
    for _ in 0..300 {
        let (status, body) = Visitor::init_raw(&server, "default", None, &[]).await;
        if status == 429 {
            assert_eq!(body["error"], "too-many-requests");
            refused += 1;
            continue;
        }
        let visitor = Visitor::from_init(&server, body);
        let (status, body) = visitor.action("chat.start", &[]).await;
        match status {
            200 => started += 1,
            429 if body["error"] == "too-many-requests" => refused += 1,
            _ => panic!("{status} {body}"),
        }
    }
    assert!(started <= 30 && refused >= 270, "started {started}, refused {refused}");

    // Another address is not affected.
    server.http = from("198.51.100.4");
    let visitor = server.visitor().await;
    visitor.ok("chat.start", &[]).await;
    visitor.send("m1", "Здравствуйте").await;
    server.stop().await;
}

#[tokio::test]
async fn visitor_messages_are_limited_per_address() {
    let limits = Limits { visitor_messages_per_minute: 5, ..Limits::default() };
    let (mut server, clock) = start(limits).await;
    server.http = from("203.0.113.11");
    let visitor = server.visitor().await;
    visitor.ok("chat.start", &[]).await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let (status, _) =
            visitor.action("chat.message", &[("client-side-id", &format!("c{i}")), ("message", "x")]).await;
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    clock.advance(Duration::from_secs(12));
    assert_eq!(visitor.action("chat.message", &[("client-side-id", "later"), ("message", "x")]).await.0, 200);
    server.stop().await;
}

#[tokio::test]
async fn changing_addresses_within_an_ipv6_64_does_not_help() {
    let (server, _) = start(Limits::default()).await;
    let mut statuses = Vec::new();
    for i in 0..20 {
        let client = from(&format!("2001:db8:1:2::{i:x}"));
        statuses.push(log_in(&server, &client, "/api/operator/v1/tokens", &format!("u{i}@x.io"), "guess").await.status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[11..].iter().all(|s| *s == 429), "{statuses:?}");
    let neighbour = from("2001:db8:1:3::1");
    assert_eq!(log_in(&server, &neighbour, "/api/operator/v1/tokens", "u@x.io", "guess").await.status, 401);
    server.stop().await;
}
