//! Chat event handlers (chat-handlers.md): each event to its URLs with the exact headers and
//! body, retried durably while the receiver is down, given up and re-sent by hand, and
//! delivered after the server is killed.

use crate::common;

use base64::Engine;
use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use common::mock_http::{Answer, MockHttp, Recorded};
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "whsec_4f2a9c1e7b3d5a8c";

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().expect("object").keys().map(String::as_str).collect()
}

/// The calls of one event, by `X-Beseda-Event`.
fn of(requests: &[Recorded], event: &str) -> Vec<Recorded> {
    requests.iter().filter(|r| r.header("x-beseda-event") == Some(event)).cloned().collect()
}

/// Checks what every call carries: method, content type, agent, delivery id = event id,
/// signature over the raw body.
fn check_common(r: &Recorded, signed: bool) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(r.header("user-agent"), Some(concat!("Beseda/", env!("CARGO_PKG_VERSION"))));
    let body = r.json();
    assert_eq!(r.header("x-beseda-event"), body["event"].as_str());
    let id = body["event_id"].as_str().expect("event id");
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(r.header("x-beseda-delivery"), Some(id));
    let ts = body["ts"].as_str().expect("ts");
    assert!(ts.len() == 24 && ts.ends_with('Z'), "{ts}");
    if signed {
        let stamp = r.header("x-beseda-timestamp").expect("timestamp");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
        assert!(beseda_server::channel::signature::verify(
            SECRET,
            stamp,
            r.header("x-beseda-signature").expect("signature"),
            &r.body,
            now
        ));
    } else {
        assert!(r.header("x-beseda-signature").is_none() && r.header("x-beseda-timestamp").is_none());
    }
}

async fn every_event_reaches_its_handlers(server: TestServer) {
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна Петрова", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    anna.set_status("online").await;
    boris.set_status("online").await;
    let mock = MockHttp::start().await;
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let mut settings = body["settings"].clone();
    settings["chat_started_handler_url"] = json!("ftp://nowhere");
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings.clone())).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    let host = mock.addr;
    settings["chat_started_handler_url"] = json!(format!("http://crm:p%40ss@{host}/crm/start?webim_chat_start"));
    settings["chat_assigned_handler_url"] = json!(format!("http://{host}/hook?event=chat_assigned"));
    settings["chat_closed_handler_url"] = json!(format!("http://{host}/hook?event=chat_closed"));
    settings["chat_events_handler_url"] = json!(format!("http://{host}/all"));
    settings["chat_handlers_signing_secret"] = json!(SECRET);
    settings["operator_closes_finally"] = json!(true);
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings)).await;
    assert_eq!(code, 200, "{body}");

    let v = server.visitor().await;
    v.send("q1", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    let started = mock.wait_until(10, |r| of(r, "chat_started").len() == 2).await;
    let started = of(&started, "chat_started");
    let uris: Vec<&str> = started.iter().map(|r| r.uri.as_str()).collect();
    assert!(uris.contains(&"/crm/start?webim_chat_start") && uris.contains(&"/all?event=chat_started"), "{uris:?}");
    for r in &started {
        check_common(r, true);
        assert_eq!(r.header("x-beseda-attempt"), Some("1"));
    }
    // Userinfo became Basic auth (percent-decoded), only for its own URL.
    let crm = started.iter().find(|r| r.path() == "/crm/start").expect("crm call");
    let basic = base64::engine::general_purpose::STANDARD.encode("crm:p@ss");
    assert_eq!(crm.header("authorization"), Some(format!("Basic {basic}").as_str()));
    let all = started.iter().find(|r| r.path() == "/all").expect("all-events call");
    assert_eq!(all.header("authorization"), None);
    // One event, one id, the same body at both URLs.
    assert_eq!(crm.body, all.body);
    let b = crm.json();
    assert_eq!(keys(&b), ["chat", "event", "event_id", "ts", "visitor"]);
    assert_eq!(b["event"], "chat_started");
    assert_eq!((b["chat"]["id"].as_i64(), b["chat"]["state"].as_str()), (Some(chat), Some("queue")));
    assert_eq!(b["chat"]["first_question"], "Где мой заказ?");
    assert!(b["chat"]["operator_id"].is_null() && b["chat"].get("messages").is_none());
    assert_eq!(b["chat"]["channel"], json!({"type": "widget", "id": null}));
    assert_eq!(keys(&b["visitor"]), ["fields", "id", "provided_id"]);

    // Taken by Anna, then redirected to Boris: two chat_assigned, the second with the previous operator.
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    mock.wait_until(10, |r| of(r, "chat_assigned").len() == 2).await;
    let (code, body) =
        anna.post(&format!("/api/operator/v1/chats/{chat}/redirect"), json!({"operatorId": boris.id})).await;
    assert_eq!(code, 200, "{body}");
    let assigned = of(&mock.wait_until(10, |r| of(r, "chat_assigned").len() == 4).await, "chat_assigned");
    for r in &assigned {
        check_common(r, true);
        assert!(r.uri == "/hook?event=chat_assigned" || r.uri == "/all?event=chat_assigned", "{}", r.uri);
        assert_eq!(r.header("authorization"), None);
    }
    let bodies: Vec<Value> = assigned.iter().filter(|r| r.path() == "/hook").map(Recorded::json).collect();
    let (first, second) =
        if bodies[0].get("previous_operator").is_none() { (&bodies[0], &bodies[1]) } else { (&bodies[1], &bodies[0]) };
    assert_eq!(keys(first), ["chat", "event", "event_id", "operator", "ts", "visitor"]);
    assert_eq!(first["operator"], json!({"id": anna.id, "name": "Анна Петрова", "email": "anna@x.io", "robot": false}));
    assert_eq!(
        (first["chat"]["state"].as_str(), first["chat"]["operator_id"].as_i64()),
        (Some("chatting"), Some(anna.id))
    );
    assert_eq!(second["operator"]["id"].as_i64(), Some(boris.id));
    assert_eq!(second["previous_operator"]["id"].as_i64(), Some(anna.id));
    assert_ne!(first["event_id"], second["event_id"]);

    // Boris answers and closes: finally closed (the setting), so chat_closed with the whole chat.
    assert_eq!(boris.reply(chat, "a1", "Заказ в пути, будет завтра.").await.0, 200);
    assert_eq!(boris.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await.0, 200);
    let closed = of(&mock.wait_until(10, |r| of(r, "chat_closed").len() == 2).await, "chat_closed");
    for r in &closed {
        check_common(r, true);
    }
    let c = closed.iter().find(|r| r.uri == "/hook?event=chat_closed").expect("closed call").json();
    assert_eq!(keys(&c), ["chat", "closed_by", "event", "event_id", "messages", "operator", "ts", "visitor"]);
    assert_eq!((c["closed_by"].as_str(), c["operator"]["id"].as_i64()), (Some("operator"), Some(boris.id)));
    assert_eq!(c["chat"]["state"], "closed");
    assert!(c["chat"]["closed_at"].is_string());
    let texts: Vec<&str> =
        c["messages"].as_array().expect("messages").iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&"Где мой заказ?") && texts.contains(&"Заказ в пути, будет завтра."), "{texts:?}");
    // No more calls than these eight; all delivered as the admin list shows.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mock.requests().len(), 8);
    let (_, list) = admin.get("/api/admin/v1/webhooks?status=delivered").await;
    assert_eq!(list["deliveries"].as_array().map(Vec::len), Some(8), "{list}");
    server.stop().await;
}

#[tokio::test]
async fn every_event_reaches_its_handlers_signed_and_authenticated() {
    every_event_reaches_its_handlers(TestServer::start().await).await;
}

/// Advances the manual clock by `step` and gives the delivery loop time to act.
async fn advance(server: &TestServer, clock: &ManualClock, step: Duration) {
    clock.advance(step);
    server.state.webhook_wake.notify_one();
    tokio::time::sleep(Duration::from_millis(250)).await;
}

#[tokio::test]
async fn a_receiver_down_for_ten_minutes_gets_every_event_afterwards() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let mock = MockHttp::start().await;
    mock.answer_all(503);
    let url = mock.url("/all");
    server.settings(|s| s.chat_events_handler_url = url).await;
    let mut chats = Vec::new();
    for i in 0..3 {
        let v = server.visitor().await;
        v.send("q", &format!("Вопрос {i}")).await;
        chats.push(v.chat_id().await);
    }
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{}/take", chats[0]), json!({})).await.0, 200);
    // First attempts fail at once.
    mock.wait_until(10, |r| r.len() >= 4).await;
    // Down for ten minutes of the server's clock.
    for _ in 0..20 {
        advance(&server, &clock, Duration::from_secs(30)).await;
    }
    let during = mock.requests();
    assert!(during.iter().all(|r| r.answered == 503));
    // 0, 10, 40, 100 and 400 s: five attempts each in the first ten minutes.
    assert_eq!(during.len(), 4 * 5, "{:?}", during.iter().map(|r| r.header("x-beseda-attempt")).collect::<Vec<_>>());
    mock.answer_all(200);
    for _ in 0..30 {
        advance(&server, &clock, Duration::from_secs(60)).await;
        if mock.requests().iter().filter(|r| r.answered == 200).count() == 4 {
            break;
        }
    }
    let all = mock.requests();
    let mut ids: Vec<&str> = all.iter().filter_map(|r| r.header("x-beseda-delivery")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4, "four events");
    for id in ids {
        let attempts: Vec<&Recorded> = all.iter().filter(|r| r.header("x-beseda-delivery") == Some(id)).collect();
        assert_eq!(attempts.iter().filter(|r| r.answered == 200).count(), 1, "delivered once: {id}");
        // Same id and body on every attempt, numbered 1, 2, 3, …
        assert!(attempts.iter().all(|r| r.body == attempts[0].body && r.json()["event_id"] == id));
        let numbers: Vec<String> =
            attempts.iter().map(|r| r.header("x-beseda-attempt").unwrap_or("").to_owned()).collect();
        let expected: Vec<String> = (1..=attempts.len()).map(|n| n.to_string()).collect();
        assert_eq!(numbers, expected);
        assert_eq!(attempts.last().map(|r| r.answered), Some(200));
    }
    let events: Vec<Value> = all.iter().filter(|r| r.answered == 200).map(|r| r.json()["event"].clone()).collect();
    assert_eq!(events.iter().filter(|e| *e == "chat_started").count(), 3);
    assert_eq!(events.iter().filter(|e| *e == "chat_assigned").count(), 1);
    server.stop().await;
}

#[tokio::test]
async fn refused_calls_fail_retries_end_dead_and_admins_resend() {
    let clock = Arc::new(ManualClock::new());
    let config = beseda_server::ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        webhook_retry_delays: vec![Duration::from_secs(10), Duration::from_secs(10)],
        ..Default::default()
    };
    let server = TestServer::start_full(config, clock.clone()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let mock = MockHttp::start().await;
    // Started: 429 with Retry-After 120. Assigned: 410 (not retried). Closed: 500 always.
    mock.answer_with(
        "/started",
        Answer { status: 429, headers: vec![("retry-after".into(), "120".into())], body: "{}".into() },
    );
    mock.answer("/assigned", 410, "{}");
    mock.answer("/closed", 500, "{}");
    let (started, assigned, closed) = (mock.url("/started"), mock.url("/assigned"), mock.url("/closed"));
    server
        .settings(|s| {
            s.chat_started_handler_url = started;
            s.chat_assigned_handler_url = assigned;
            s.chat_closed_handler_url = closed;
            s.operator_closes_finally = true;
        })
        .await;
    let v = server.visitor().await;
    v.send("q", "Вопрос").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await.0, 200);
    mock.wait_until(10, |r| r.len() == 3).await;
    // 110 s later: the 429 is not retried yet (Retry-After 120 s wins over 10 s); the 500 is.
    advance(&server, &clock, Duration::from_secs(11)).await;
    advance(&server, &clock, Duration::from_secs(99)).await;
    // Delivery runs in the background: wait for the retries rather than a fixed time.
    mock.wait_until(10, |r| r.iter().filter(|x| x.path() == "/closed").count() >= 3).await;
    let paths = |r: &[Recorded]| r.iter().map(|x| x.path().to_owned()).collect::<Vec<_>>();
    let now = mock.requests();
    assert_eq!(now.iter().filter(|r| r.path() == "/started").count(), 1, "{:?}", paths(&now));
    assert_eq!(now.iter().filter(|r| r.path() == "/closed").count(), 3, "two retries, then dead");
    assert_eq!(now.iter().filter(|r| r.path() == "/assigned").count(), 1, "4xx is final");
    mock.answer("/started", 200, "{}");
    advance(&server, &clock, Duration::from_secs(15)).await;
    mock.wait_until(5, |r| r.iter().filter(|x| x.path() == "/started").count() == 2).await;

    let (_, failed) = admin.get("/api/admin/v1/webhooks?status=failed").await;
    let failed = failed["deliveries"].as_array().expect("list").clone();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0]["event"].as_str(), failed[0]["last_status"].as_i64()), (Some("chat_assigned"), Some(410)));
    assert_eq!(failed[0]["attempts"].as_i64(), Some(1));
    let (_, dead) = admin.get("/api/admin/v1/webhooks?status=dead").await;
    let dead = dead["deliveries"].as_array().expect("list").clone();
    assert_eq!((dead.len(), dead[0]["last_error"].as_str()), (1, Some("HTTP 500")));
    let (code, body) = admin.get("/api/admin/v1/webhooks?status=lost").await;
    assert_eq!((code, body["error"].as_str()), (400, Some("invalid-status")));
    // An operator may not see or re-send calls.
    assert_eq!(anna.get("/api/admin/v1/webhooks").await.0, 403);

    // Re-sent by hand: same id and body, the next attempt number.
    mock.answer("/assigned", 200, "{}");
    let id = failed[0]["id"].as_i64().expect("id");
    assert_eq!(anna.post(&format!("/api/admin/v1/webhooks/{id}/resend"), json!({})).await.0, 403);
    let (code, body) = admin.post(&format!("/api/admin/v1/webhooks/{id}/resend"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    let calls = mock.wait_until(5, |r| r.iter().filter(|x| x.path() == "/assigned").count() == 2).await;
    let again: Vec<&Recorded> = calls.iter().filter(|r| r.path() == "/assigned").collect();
    assert_eq!(again[0].body, again[1].body);
    assert_eq!(again[0].header("x-beseda-delivery"), again[1].header("x-beseda-delivery"));
    assert_eq!((again[1].header("x-beseda-attempt"), again[1].answered), (Some("2"), 200));
    let (code, _) = admin.post("/api/admin/v1/webhooks/999999/resend", json!({})).await;
    assert_eq!(code, 404);
    server.stop().await;
}

#[tokio::test]
async fn events_left_undelivered_by_a_killed_server_go_out_after_restart() {
    let installation = Installation::new().await;
    let receiver_port = free_port();
    {
        let store = installation.store().await;
        store.migrate().await.expect("migrate");
        let mut s = store.settings().await.expect("settings");
        s.chat_started_handler_url = format!("http://127.0.0.1:{receiver_port}/hook");
        store.save_settings(&s).await.expect("save");
    }
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let spawn = || installation.serve(port, false, &[("BESEDA_WEBHOOK_RETRY_DELAYS_SECS", "1,1,1,1,1,1,1,1,1,1")]);
    let mut server = spawn();
    wait_ready(&addr).await;
    let http = reqwest::Client::new();
    let (page, token, _, _) = raw_init(&http, &addr, "").await;
    let form = [
        ("page-id", page.as_str()),
        ("auth-token", token.as_str()),
        ("action", "chat.message"),
        ("client-side-id", "c1"),
        ("message", "Есть кто?"),
    ];
    let ack: Value = http
        .post(format!("http://{addr}/l/v/m/action"))
        .form(&form)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(ack["result"], "ok");
    // The receiver is not there yet; the first attempt fails; then the server is killed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill().expect("SIGKILL");
    let _ = server.wait();

    let receiver =
        MockHttp::start_on(tokio::net::TcpListener::bind(("127.0.0.1", receiver_port)).await.expect("bind")).await;
    let mut server = spawn();
    wait_ready(&addr).await;
    // Normally within a second or two; a call claimed at the moment of the kill waits out its 60 s lease.
    let got = receiver.wait_until(75, |r| !r.is_empty()).await;
    assert_eq!(got[0].json()["event"], "chat_started");
    assert_eq!(got[0].json()["chat"]["first_question"], "Есть кто?");
    server.kill().expect("kill");
    let _ = server.wait();
}

/// «Начало чата» when the first question is required: not at `chat.start`, which only asks for
/// it, but once the question makes the chat; and for an offline request (nobody online) too.
#[tokio::test]
async fn chat_started_waits_for_a_required_first_question_and_comes_for_offline_requests() {
    let server = TestServer::start().await;
    let mock = MockHttp::start().await;
    mock.answer("/started", 200, "{}");
    let started = mock.url("/started");
    server
        .settings(|s| {
            s.chat_started_handler_url = started;
            s.first_question_obligatory = true;
        })
        .await;
    let v = server.visitor().await;
    v.ok("chat.start", &[]).await;
    // Nothing started yet: the widget asks for the question.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    v.send("q", "Вопрос без операторов в сети").await;
    let chat = v.chat_id().await;
    let got = mock.wait_until(10, |r| !r.is_empty()).await;
    assert_eq!(got.len(), 1, "one chat_started: {got:?}");
    let body = got[0].json();
    assert_eq!(body["event"], "chat_started");
    assert_eq!(body["chat"]["id"], json!(chat), "{body}");
    server.stop().await;
}
