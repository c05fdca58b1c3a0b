//! Operators' chat lists stay true: every chat row (lists, one chat, `chat_updated`) carries the
//! visitor's given name and stable number, the preview of the newest visitor or operator message
//! (never an auto-message), the unread count and the waiting time; every message event carries
//! the chat's row and reaches exactly the operators who may see the chat; a redirect names who
//! made it. On SQLite, and on PostgreSQL in the PostgreSQL pass.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use beseda_server::ServerConfig;
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

async fn start() -> (TestServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let config = ServerConfig { longpoll_hold: Duration::from_secs(5), ..ServerConfig::default() };
    (TestServer::start_full(config, clock.clone()).await, clock)
}

async fn list(op: &Operator, name: &str) -> Vec<Value> {
    let (code, body) = op.get(&format!("/api/operator/v1/chats?list={name}")).await;
    assert_eq!(code, 200, "{body}");
    body["chats"].as_array().cloned().expect("chats")
}

fn row(list: &[Value], id: i64) -> Value {
    list.iter().find(|c| c["id"] == id).cloned().unwrap_or_else(|| panic!("chat {id} not in {list:?}"))
}

async fn detail(op: &Operator, id: i64) -> Value {
    let (code, body) = op.get(&format!("/api/operator/v1/chats/{id}")).await;
    assert_eq!(code, 200, "{body}");
    body
}

/// The `ts` of a chat's message with `text`, as `GET /chats/{id}` shows it.
async fn ts_of(op: &Operator, id: i64, text: &str) -> f64 {
    let d = detail(op, id).await;
    d["messages"].as_array().expect("messages").iter().find(|m| m["text"] == text).expect("the message")["ts"]
        .as_f64()
        .expect("ts")
}

async fn cursor(op: &Operator) -> i64 {
    op.get("/api/operator/v1/events").await.1["cursor"].as_i64().expect("cursor")
}

/// The chat row an event carries for chat `id`: a `chat_updated`, or a message event's `chat`.
fn row_of(e: &Value, id: i64) -> Option<&Value> {
    let message_event = e["type"].as_str().is_some_and(|t| t.starts_with("message_"));
    (e["chat"]["id"] == id && (e["type"] == "chat_updated" || message_event)).then(|| &e["chat"])
}

/// The next row of chat `id` from the event stream.
async fn updated(ws: &mut Ws, id: i64) -> Value {
    wait_event(ws, |e| row_of(e, id).is_some()).await["chat"].clone()
}

async fn scenario(server: TestServer, clock: Arc<ManualClock>) {
    server
        .settings(|s| {
            s.greeting_message = "Добро пожаловать!".into();
            s.busy_message = "Все заняты".into();
            s.first_answer_timeout_secs = 60;
        })
        .await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    anna.set_status("online").await;
    boris.set_status("online").await;

    // Two unnamed visitors and one who gave her name.
    let v1 = server.visitor().await;
    v1.send("a1", "первый вопрос").await;
    let c1 = v1.chat_id().await;
    let v2 = server.visitor().await;
    v2.send("b1", "  а   у меня\nдругой  ").await;
    let c2 = v2.chat_id().await;
    let v3 = server.visitor().await;
    let long = "длинно ".repeat(40);
    v3.ok("chat.start", &[("first-question", &long), ("visitor-fields", r#"{"name":"Ольга"}"#)]).await;
    let c3 = v3.chat_id().await;

    let waiting = list(&anna, "waiting").await;
    let (r1, r2, r3) = (row(&waiting, c1), row(&waiting, c2), row(&waiting, c3));
    assert!(r1["visitorGivenName"].is_null() && r2["visitorGivenName"].is_null(), "{r1} {r2}");
    let (n1, n2) = (r1["visitorNumber"].as_i64().expect("number"), r2["visitorNumber"].as_i64().expect("number"));
    assert!(n1 > 0 && n2 > 0 && n1 != n2, "unnamed visitors get distinct numbers: {n1} {n2}");
    assert_eq!(r3["visitorGivenName"], "Ольга", "{r3}");
    assert_eq!(r3["visitorName"], "Ольга");
    // The greeting is no preview; the visitor's question is.
    assert_eq!(r1["preview"]["text"], "первый вопрос");
    assert_eq!(r1["preview"]["from"], "visitor");
    assert_eq!(r1["preview"]["kind"], "visitor");
    assert_eq!(r2["preview"]["text"], "а у меня другой", "one line, spaces collapsed");
    let cut = r3["preview"]["text"].as_str().expect("text");
    assert!(cut.chars().count() <= 141 && cut.chars().count() > 130, "cut to 140 characters and an ellipsis: {cut}");
    assert!(cut.ends_with("длинно…"), "{cut}");
    assert_eq!(r1["unreadCount"], 1);
    let asked = ts_of(&anna, c1, "первый вопрос").await;
    assert_eq!(r1["waitingSinceTs"].as_f64(), Some(asked));
    assert_eq!(r1["preview"]["ts"].as_f64(), Some(asked));
    assert!(r1.get("departmentKey").is_some() && r1.get("language").is_some() && r1.get("priority").is_some());
    // The same row in one chat's answer.
    let d1 = detail(&anna, c1).await["chat"].clone();
    for key in ["visitorNumber", "preview", "unreadCount", "waitingSinceTs"] {
        assert_eq!(d1[key], r1[key], "{key}");
    }
    // The visitor's number is stable.
    v1.send("a2", "второй").await;
    clock.advance(Duration::from_secs(1));
    assert_eq!(row(&list(&anna, "waiting").await, c1)["visitorNumber"], n1);

    // A message yields a chat_updated from which the row is current.
    let mut a_ws = anna.events(cursor(&anna).await).await;
    let mut b_ws = boris.events(cursor(&boris).await).await;
    v1.send("a3", "третий").await;
    let e = updated(&mut a_ws, c1).await;
    assert_eq!((e["preview"]["text"].as_str(), e["unreadCount"].as_i64()), (Some("третий"), Some(3)), "{e}");
    assert_eq!(e["waitingSinceTs"].as_f64(), Some(asked), "waiting since the oldest unanswered message");
    assert_eq!(e["visitorNumber"], n1);
    let e = updated(&mut b_ws, c1).await;
    assert_eq!(e["unreadCount"], 3, "a waiting chat is every operator's to see");

    // The busy auto-message is no preview and changes no count.
    clock.advance(Duration::from_secs(61));
    server.tick().await;
    let busy = detail(&anna, c1).await;
    assert!(busy["messages"].as_array().expect("messages").iter().any(|m| m["kind"] == "operator_busy"), "{busy}");
    assert_eq!(busy["chat"]["preview"]["text"], "третий");
    assert_eq!(busy["chat"]["unreadCount"], 3);

    // Anna takes the chat and answers: no longer waiting, still unread until she reads.
    let (code, _) = anna.post(&format!("/api/operator/v1/chats/{c1}/take"), json!({})).await;
    assert_eq!(code, 200);
    let (code, body) = anna.reply(c1, "r1", "Здравствуйте!").await;
    assert_eq!(code, 200, "{body}");
    let e = wait_event(&mut a_ws, |e| row_of(e, c1).is_some_and(|r| r["preview"]["text"] == "Здравствуйте!")).await
        ["chat"]
        .clone();
    assert_eq!(e["preview"]["from"], "operator");
    assert_eq!(e["preview"]["name"], "Анна");
    assert!(e["waitingSinceTs"].is_null(), "answered: {e}");
    assert_eq!(e["unreadCount"], 3);
    let (code, _) = anna.post(&format!("/api/operator/v1/chats/{c1}/read"), json!({})).await;
    assert_eq!(code, 200);
    let e = wait_event(&mut a_ws, |e| {
        e["type"] == "chat_updated" && e["chat"]["id"] == c1 && e["chat"]["unreadCount"] == 0
    })
    .await;
    assert!(e["chat"]["waitingSinceTs"].is_null());
    // The next visitor message waits from its own time.
    clock.advance(Duration::from_secs(5));
    v1.send("a4", "спасибо, а ещё?").await;
    let e = updated(&mut a_ws, c1).await;
    let again = ts_of(&anna, c1, "спасибо, а ещё?").await;
    assert_eq!((e["unreadCount"].as_i64(), e["waitingSinceTs"].as_f64()), (Some(1), Some(again)), "{e}");
    let mine = row(&list(&anna, "mine").await, c1);
    assert_eq!((mine["unreadCount"].as_i64(), mine["waitingSinceTs"].as_f64()), (Some(1), Some(again)));
    assert_eq!(mine["preview"]["text"], "спасибо, а ещё?");

    // A deleted message leaves the preview to the one before.
    server.settings(|s| s.visitor_message_deleting = true).await;
    v1.ok("chat.delete_message", &[("client-side-id", "a4")]).await;
    let e = wait_event(&mut a_ws, |e| e["type"] == "message_deleted" && e["chatId"] == c1).await["chat"].clone();
    assert_eq!(e["preview"]["text"], "Здравствуйте!");
    assert_eq!(e["unreadCount"], 0);
    assert!(e["waitingSinceTs"].is_null());

    // With colleagues' chats hidden, Boris learns nothing of Anna's chat.
    server.settings(|s| s.hide_others_chats = true).await;
    let mut b_ws = boris.events(cursor(&boris).await).await;
    v1.send("a5", "секрет").await;
    v2.send("b2", "ещё вопрос").await;
    loop {
        let e = next_json(&mut b_ws, 10).await;
        if row_of(&e, c2).is_some_and(|r| r["preview"]["text"] == "ещё вопрос") {
            break;
        }
        assert!(e["chatId"] != c1 && e["chat"]["id"] != c1, "Boris gets nothing of c1: {e}");
    }
    server.settings(|s| s.hide_others_chats = false).await;

    // A redirect says who made it, so the new holder's workspace can alert them.
    let mut b_ws = boris.events(cursor(&boris).await).await;
    let (code, body) =
        anna.post(&format!("/api/operator/v1/chats/{c1}/redirect"), json!({"operatorId": boris.id})).await;
    assert_eq!(code, 200, "{body}");
    let e = wait_event(&mut b_ws, |e| e["type"] == "chat_assigned" && e["chatId"] == c1).await;
    assert_eq!((e["operatorId"].as_i64(), e["byOperatorId"].as_i64()), (Some(boris.id), Some(anna.id)), "{e}");
    let (code, _) = boris.post(&format!("/api/operator/v1/chats/{c2}/take"), json!({})).await;
    assert_eq!(code, 200);
    let e = wait_event(&mut b_ws, |e| e["type"] == "chat_assigned" && e["chatId"] == c2).await;
    assert!(e["byOperatorId"].is_null(), "a take is no redirect: {e}");
    let row1 = row(&list(&boris, "mine").await, c1);
    assert_eq!(row1["preview"]["text"], "секрет");
    assert_eq!(row1["unreadCount"], 1);
    server.stop().await;
}

#[tokio::test]
async fn list_rows_and_their_events() {
    let (server, clock) = start().await;
    scenario(server, clock).await;
}
