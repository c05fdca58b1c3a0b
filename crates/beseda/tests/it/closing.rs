//! Every chat ends (chat-handlers.md §2): with the default settings a chat closes finally an
//! hour after the operator closed it and a day after its last activity; the end of a
//! placement's conversation closes its chat; a chat whose visitor has not read the operator's
//! last message waits for that up to three days. Each final close reaches the `chat_closed`
//! handler exactly once.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use common::mock_http::{MockHttp, Recorded};
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

struct Setup {
    server: TestServer,
    clock: Arc<ManualClock>,
    admin: Operator,
    anna: Operator,
    mock: MockHttp,
}

/// A server on a manual clock with an administrator, an online operator and a `chat_closed`
/// handler; every other setting is the default.
async fn setup() -> Setup {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let mock = MockHttp::start().await;
    let url = mock.url("/closed");
    server.settings(|s| s.chat_closed_handler_url = url).await;
    Setup { server, clock, admin, anna, mock }
}

/// The `chat_closed` calls received for `chat`.
fn closed_calls(requests: &[Recorded], chat: i64) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r.header("x-beseda-event") == Some("chat_closed"))
        .map(Recorded::json)
        .filter(|b| b["chat"]["id"] == chat)
        .collect()
}

async fn state(op: &Operator, chat: i64) -> String {
    let (code, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    detail["chat"]["state"].as_str().unwrap_or_default().to_owned()
}

async fn close(op: &Operator, chat: i64) {
    let (code, body) = op.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await;
    assert_eq!(code, 200, "{body}");
}

async fn reply(op: &Operator, chat: i64, csid: &str) {
    let (code, body) = op.reply(chat, csid, "Ответ оператора").await;
    assert_eq!(code, 200, "{body}");
}

/// Moves the clock and runs a scheduler pass, as the background scheduler would.
async fn pass(s: &Setup, step: u64) {
    s.clock.advance(Duration::from_secs(step));
    s.server.tick().await;
}

/// A new visitor who asks a question: the visitor and the chat.
async fn asking(s: &Setup, csid: &str) -> (Visitor, i64) {
    let v = s.server.visitor().await;
    v.send(csid, "Вопрос").await;
    let chat = v.chat_id().await;
    (v, chat)
}

/// Waits for `chat`'s `chat_closed` call and checks it is the only one, closed by timeout.
async fn closed_once(mock: &MockHttp, chat: i64) {
    let seen = mock.wait_until(10, |r| !closed_calls(r, chat).is_empty()).await;
    let calls = closed_calls(&seen, chat);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!((calls[0]["closed_by"].as_str(), calls[0]["chat"]["state"].as_str()), (Some("timeout"), Some("closed")));
}

#[tokio::test]
async fn with_the_default_settings_every_chat_closes_finally_exactly_once() {
    let s = setup().await;
    // The admin panel shows the defaults of the spec.
    let (code, doc) = s.admin.get("/api/admin/v1/settings").await;
    assert_eq!(code, 200, "{doc}");
    assert_eq!(doc["settings"]["auto_close_timeout_secs"], 86_400);
    assert_eq!(doc["settings"]["closed_by_operator_timeout_secs"], 3600);

    // Answered, read, closed by the operator.
    let (va, a) = asking(&s, "a").await;
    reply(&s.anna, a, "ra").await;
    va.ok("chat.read_by_visitor", &[]).await;
    close(&s.anna, a).await;
    // Abandoned while waiting: nobody answered.
    let (_vb, b) = asking(&s, "b").await;
    // Answered and read, then the visitor left (closed the chat); the operator never closed it.
    let (vc, c) = asking(&s, "c").await;
    reply(&s.anna, c, "rc").await;
    vc.ok("chat.read_by_visitor", &[]).await;
    vc.ok("chat.close", &[]).await;
    // Answered and closed by the operator, the answer never read.
    let (_vd, d) = asking(&s, "d").await;
    reply(&s.anna, d, "rd").await;
    close(&s.anna, d).await;
    assert_eq!(state(&s.anna, a).await, "closed_by_operator");
    assert_eq!(state(&s.anna, b).await, "queue");
    assert_eq!(state(&s.anna, c).await, "closed_by_visitor");
    assert_eq!(state(&s.anna, d).await, "closed_by_operator");

    // An hour after the operator's close.
    pass(&s, HOUR - 60).await;
    assert_eq!(state(&s.anna, a).await, "closed_by_operator");
    pass(&s, 61).await;
    assert_eq!(state(&s.anna, a).await, "closed");
    closed_once(&s.mock, a).await;
    assert_eq!(state(&s.anna, b).await, "queue");
    assert_eq!(state(&s.anna, d).await, "closed_by_operator", "waits for the visitor to read the answer");

    // A day after the last activity.
    pass(&s, DAY - HOUR).await;
    assert_eq!(state(&s.anna, b).await, "closed");
    assert_eq!(state(&s.anna, c).await, "closed");
    closed_once(&s.mock, b).await;
    closed_once(&s.mock, c).await;
    assert_eq!(state(&s.anna, d).await, "closed_by_operator", "still waits for the visitor to read");

    // Three days after the unread answer.
    pass(&s, 2 * DAY - 120).await;
    assert_eq!(state(&s.anna, d).await, "closed_by_operator");
    pass(&s, 120).await;
    assert_eq!(state(&s.anna, d).await, "closed");
    closed_once(&s.mock, d).await;

    // Nothing closes twice.
    pass(&s, 7 * DAY).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = s.mock.requests();
    for chat in [a, b, c, d] {
        assert_eq!(closed_calls(&all, chat).len(), 1, "chat {chat}");
    }
    assert_eq!(all.len(), 4, "{all:#?}");
    s.server.stop().await;
}

#[tokio::test]
async fn an_unread_operator_message_keeps_the_chat_open_until_the_visitor_reads_it() {
    let s = setup().await;
    let (v, chat) = asking(&s, "q").await;
    reply(&s.anna, chat, "r").await;
    close(&s.anna, chat).await;
    // Past the closed-by-operator timeout (1 h) and the inactivity timeout (1 day): the answer
    // is unread, so the chat stays open.
    pass(&s, 2 * HOUR).await;
    assert_eq!(state(&s.anna, chat).await, "closed_by_operator");
    pass(&s, DAY).await;
    assert_eq!(state(&s.anna, chat).await, "closed_by_operator");
    assert!(closed_calls(&s.mock.requests(), chat).is_empty());
    // The visitor comes back: the chat is still there, with the answer, unread.
    let back = Visitor::init(&s.server, "default", Some(&v.session_id)).await;
    assert_eq!(back.full["chat"]["id"].as_i64(), Some(chat), "{}", back.full);
    assert_eq!(back.full["chat"]["readByVisitor"], false, "{}", back.full["chat"]);
    assert!(back.full["chat"]["messages"].as_array().expect("messages").iter().any(|m| m["text"] == "Ответ оператора"));
    // Reading it ends the wait: the chat closes at the next scheduler pass.
    back.ok("chat.read_by_visitor", &[]).await;
    s.server.tick().await;
    assert_eq!(state(&s.anna, chat).await, "closed");
    closed_once(&s.mock, chat).await;
    s.server.stop().await;
}

#[tokio::test]
async fn the_end_of_a_conversation_closes_its_chat() {
    let s = setup().await;
    let (code, body) = s
        .admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/placements/shop",
            Some(json!({"title": "Shop", "conversationTimeoutHours": 2})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let v = Visitor::init(&s.server, "shop", None).await;
    v.send("q", "Есть доставка?").await;
    let chat = v.chat_id().await;
    reply(&s.anna, chat, "r").await;
    v.ok("chat.read_by_visitor", &[]).await;
    pass(&s, 2 * HOUR - 60).await;
    assert_eq!(state(&s.anna, chat).await, "chatting");
    pass(&s, 61).await;
    assert_eq!(state(&s.anna, chat).await, "closed", "the conversation is over: the chat is closed, not only hidden");
    closed_once(&s.mock, chat).await;
    s.server.stop().await;
}

#[tokio::test]
async fn a_saved_zero_stays_and_the_24_hour_conversation_still_ends_the_chat() {
    let s = setup().await;
    // An installation that chose 0 for both timeouts keeps its choice.
    let patch = json!({"auto_close_timeout_secs": 0, "closed_by_operator_timeout_secs": 0});
    let (code, body) = s.admin.call(reqwest::Method::PATCH, "/api/admin/v1/settings", Some(patch)).await;
    assert_eq!(code, 200, "{body}");
    let (_, doc) = s.admin.get("/api/admin/v1/settings").await;
    assert_eq!(doc["settings"]["auto_close_timeout_secs"], 0);
    assert_eq!(doc["settings"]["closed_by_operator_timeout_secs"], 0);
    let (v, chat) = asking(&s, "q").await;
    reply(&s.anna, chat, "r").await;
    v.ok("chat.read_by_visitor", &[]).await;
    close(&s.anna, chat).await;
    // No close an hour after the operator's (0 = wait for the visitor) ...
    pass(&s, 23 * HOUR).await;
    assert_eq!(state(&s.anna, chat).await, "closed_by_operator");
    // ... but the placement's 24-hour conversation ends, and its chat with it.
    pass(&s, HOUR + 60).await;
    assert_eq!(state(&s.anna, chat).await, "closed");
    closed_once(&s.mock, chat).await;
    s.server.stop().await;
}
