//! A test bot written from bot-api.md, speaking the exact wire format, against a real Beseda
//! server: events it receives (headers and bodies asserted), calls it makes, failures that hand
//! the chat to humans, and rejected calls that change nothing.

use crate::common;

use axum::http::HeaderMap;
use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// How the mock bot answers webhooks.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Ok,
    Fail500,
    Slow,
}

struct Received {
    headers: HeaderMap,
    uri: String,
    body: Value,
}

struct MockBot {
    url: String,
    mode: Arc<Mutex<Mode>>,
    /// The body of successful answers.
    reply: Arc<Mutex<Value>>,
    rx: mpsc::UnboundedReceiver<Received>,
}

async fn mock_bot() -> MockBot {
    let (tx, rx) = mpsc::unbounded_channel();
    let mode = Arc::new(Mutex::new(Mode::Ok));
    let reply = Arc::new(Mutex::new(json!({"result": "ok"})));
    let (m, r) = (mode.clone(), reply.clone());
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
        let (tx, m, r) = (tx.clone(), m.clone(), r.clone());
        async move {
            let mode = *m.lock().expect("lock");
            let answer = r.lock().expect("lock").clone();
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let _ = tx.send(Received { headers, uri: uri.to_string(), body });
            match mode {
                Mode::Ok => (axum::http::StatusCode::OK, axum::Json(answer)),
                Mode::Fail500 => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"error": "boom"}))),
                Mode::Slow => {
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    (axum::http::StatusCode::OK, axum::Json(json!({"result": "ok"})))
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    MockBot { url: format!("http://metabot:s3cr%40t@{addr}/hook/v2?channel=42"), mode, reply, rx }
}

impl MockBot {
    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.rx.recv()).await.expect("an event in time").expect("open")
    }
}

fn bot_config() -> ServerConfig {
    ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        bot_timeout: Duration::from_millis(400),
        bot_retry_delays: vec![Duration::from_millis(50), Duration::from_millis(100)],
        ..ServerConfig::default()
    }
}

async fn server() -> TestServer {
    TestServer::start_with(bot_config()).await
}

/// Registers `op` as a bot through the admin API; returns its token.
async fn register_bot(admin: &Operator, op: &Operator, url: &str) -> String {
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/bots",
            Some(json!({"operatorId": op.id, "sortOrder": 10, "apiVersion": 2, "webhookUrl": url})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 40);
    token
}

async fn bot_call(server: &TestServer, token: &str, method: &str, body: Value) -> (u16, Value) {
    let resp = server
        .http
        .post(server.url(&format!("/api/bot/v2/{method}")))
        .header("authorization", format!("Token {token}"))
        .json(&body)
        .send()
        .await
        .expect("bot call");
    let status = resp.status().as_u16();
    assert_eq!(resp.headers()["content-type"], "application/json");
    (status, resp.json().await.expect("json"))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn a_bot_talks_to_a_visitor_and_hands_over() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let human = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let token = register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;

    // new_chat with the messages the visitor already sent.
    let v = server.visitor().await;
    v.send("v1", "Здравствуйте!").await;
    let event = bot.next().await;
    let h = &event.headers;
    assert_eq!(h["content-type"], "application/json; charset=utf-8");
    assert_eq!(h["x-bot-api-version"], "2.0");
    assert_eq!(h["x-bot-api-dialect"], "Webim Standard");
    assert_eq!(h["x-webim-version"], "10.5.62");
    assert!(h["user-agent"].to_str().expect("ascii").starts_with("Beseda/"));
    assert_eq!(h["authorization"], "Basic bWV0YWJvdDpzM2NyQHQ=", "userinfo becomes Basic auth, percent-decoded");
    let event_id = h["x-beseda-event-id"].to_str().expect("ascii").to_owned();
    assert_eq!(event_id.len(), 32);
    assert_eq!(event.uri, "/hook/v2?channel=42", "the URL is used as entered, without the userinfo");
    let b = &event.body;
    assert_eq!(keys(b), ["chat", "event", "messages", "visitor"], "no extension keys unless asked");
    assert_eq!(b["event"], "new_chat");
    let chat_id = b["chat"]["id"].as_i64().expect("integer chat id");
    assert_eq!(keys(&b["chat"]), ["id"]);
    assert_eq!(keys(&b["visitor"]), ["fields", "id"]);
    assert_eq!(b["visitor"]["id"], v.visitor["id"]);
    assert_eq!(b["visitor"]["fields"]["name"], "Посетитель");
    assert_eq!(b["visitor"]["fields"]["display_name"], "Посетитель");
    let messages = b["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(keys(&messages[0]), ["id", "kind", "text"]);
    assert_eq!((messages[0]["kind"].as_str(), messages[0]["text"].as_str()), (Some("visitor"), Some("Здравствуйте!")));
    assert_eq!(chat_of(&v).await["state"], "chatting_with_robot");

    // new_message, one per visitor message.
    v.send("v2", "Где мой заказ?").await;
    let event = bot.next().await;
    assert_eq!(keys(&event.body), ["chat_id", "event", "message"]);
    assert_eq!(event.body["event"], "new_message");
    assert_eq!(event.body["chat_id"], json!(chat_id));
    assert_eq!(keys(&event.body["message"]), ["id", "kind", "text"]);
    assert_eq!(event.body["message"]["text"], "Где мой заказ?");
    assert_ne!(event.headers["x-beseda-event-id"].to_str().expect("ascii"), event_id);

    // The bot answers with text and a keyboard; the visitor sees both.
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "Сейчас проверю."}}),
    )
    .await;
    assert_eq!((code, body), (200, json!({"result": "ok"})));
    let keyboard = json!([[{"id": "say_hi", "text": "Say hi"}, {"id": "close_chat", "text": "Close chat"}], [{"id": "forward_to_queue", "text": "Forward to queue"}]]);
    let (code, _) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id.to_string(), "message": {"kind": "keyboard", "buttons": keyboard}}),
    )
    .await;
    assert_eq!(code, 200, "a decimal-string chat_id is accepted");
    let chat = chat_of(&v).await;
    let msgs = chat["messages"].as_array().expect("messages");
    let reply = msgs.iter().find(|m| m["kind"] == "operator").expect("operator message");
    assert_eq!((reply["text"].as_str(), reply["authorId"].as_i64()), (Some("Сейчас проверю."), Some(bot_op.id)));
    let kb = msgs.iter().find(|m| m["kind"] == "keyboard").expect("keyboard message");
    assert_eq!(kb["data"]["state"], "pending");
    // Beseda extension §7.8: a contact request, with the default text when the bot gives none.
    let (code, body) =
        bot_call(&server, &token, "send_message", json!({"chat_id": chat_id, "message": {"kind": "cont_req"}})).await;
    assert_eq!((code, body), (200, json!({"result": "ok"})));
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "cont_req", "text": 5}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    let chat = chat_of(&v).await;
    let asked = chat["messages"].as_array().expect("messages").iter().find(|m| m["kind"] == "cont_req").cloned();
    let asked = asked.expect("the visitor gets the contact request");
    assert_eq!(asked["authorId"].as_i64(), Some(bot_op.id));
    assert_eq!(asked["text"], "Пожалуйста, оставьте ваши контактные данные, чтобы мы могли с вами связаться.");
    v.ok("chat.cont_resp", &[("visitor-fields", r#"{"phone": "+7 999 123-45-67"}"#)]).await;
    // The bot's dialog is kept in the history like any other (seed 001): found by its operator
    // and by the bot's own words.
    let path = format!("/api/admin/v1/history?operator={}&q=%D0%BF%D1%80%D0%BE%D0%B2%D0%B5%D1%80%D1%8E", bot_op.id);
    let (code, found) = admin.get(&path).await;
    assert_eq!(code, 200, "{found}");
    let row = found["chats"].as_array().and_then(|c| c.iter().find(|c| c["id"] == json!(chat_id)).cloned());
    assert_eq!(row.expect("the bot's chat in the history")["operator"], "Помощник", "{found}");
    assert_eq!(kb["data"]["buttons"][1][0]["id"], "forward_to_queue");

    // A button press comes back as keyboard_response.
    let kb_id = kb["id"].as_str().expect("id").to_owned();
    v.ok("chat.keyboard_response", &[("request-message-id", &kb_id), ("button-id", "forward_to_queue")]).await;
    let event = bot.next().await;
    let m = &event.body["message"];
    assert_eq!(keys(m), ["data", "id", "kind"]);
    assert_eq!(m["kind"], "keyboard_response");
    assert_eq!(
        m["data"],
        json!({"button": {"id": "forward_to_queue", "text": "Forward to queue"}, "request": {"messageId": kb_id}})
    );

    // Rejected calls change nothing.
    let before = chat_of(&v).await["messages"].as_array().map(Vec::len);
    let (code, body) = bot_call(
        &server,
        "0".repeat(40).as_str(),
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "x"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (401, Some("access-denied")));
    assert!(body["desc"].is_string());
    let (code, body) =
        bot_call(&server, &token, "send_message", json!({"chat_id": chat_id, "message": {"kind": "sticker"}})).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")));
    let (code, body) = bot_call(&server, &token, "send_message", json!({"chat_id": chat_id})).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("argument-missing")));
    let (code, body) = bot_call(&server, &token, "send_message", json!({"chat_id": chat_id, "message": {"kind": "keyboard", "buttons": [[{"id": "a", "text": "A"}, {"id": "a", "text": "B"}]]}})).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")));
    let resp = server
        .http
        .post(server.url("/api/bot/v2/send_message"))
        .header("authorization", format!("Token {token}"))
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    let (code, body) = bot_call(&server, &token, "teleport", json!({"chat_id": chat_id})).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("unknown-method")));
    let resp = server
        .http
        .get(server.url("/api/bot/v2/send_message"))
        .header("authorization", format!("Token {token}"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 405);
    let (code, body) = bot_call(&server, &token, "close_chat", json!({"chat_id": 999_999})).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("chat-not-found")));
    let other_op = server.operator("other-bot@x.io", "Other", OperatorRole::Operator).await;
    let other_token = register_bot(&admin, &other_op, "").await;
    let (code, body) = bot_call(&server, &other_token, "close_chat", json!({"chat_id": chat_id})).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("access-denied")), "a foreign chat");
    assert_eq!(chat_of(&v).await["messages"].as_array().map(Vec::len), before, "nothing was written");
    assert_eq!(chat_of(&v).await["state"], "chatting_with_robot");

    // Redirect to an operator: the human gets it; the visitor is told who.
    human.set_status("online").await;
    let (code, _) =
        bot_call(&server, &token, "redirect_chat", json!({"chat_id": chat_id, "operator_id": human.id})).await;
    assert_eq!(code, 200);
    let chat = chat_of(&v).await;
    assert_eq!((chat["state"].as_str(), chat["operator"]["id"].as_i64()), (Some("chatting"), Some(human.id)));
    assert_eq!(
        chat["messages"].as_array().expect("messages").iter().find(|m| m["kind"] == "keyboard").expect("kb")["data"]
            ["state"],
        "completed",
        "an answered keyboard stays completed"
    );
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "x"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (403, Some("access-denied")), "the bot no longer holds it");

    // The operator returns it to the bot: new_chat again.
    let (code, _) =
        human.post(&format!("/api/operator/v1/chats/{chat_id}/redirect"), json!({"operatorId": bot_op.id})).await;
    assert_eq!(code, 200);
    let event = bot.next().await;
    assert_eq!(event.body["event"], "new_chat");
    assert_eq!(chat_of(&v).await["state"], "chatting_with_robot");

    // To a department, then to the queue, then close.
    let dep = beseda_core::model::Department {
        id: 0,
        key: "sales".into(),
        name: "Продажи".into(),
        locale_names: Default::default(),
        order: 1,
        logo: None,
    };
    server.store.upsert_department(&dep).await.expect("department");
    let (code, _) = bot_call(&server, &token, "redirect_chat", json!({"chat_id": chat_id, "dep_key": "sales"})).await;
    assert_eq!(code, 200, "a human serving all departments is online");
    let chat = chat_of(&v).await;
    assert_eq!((chat["state"].as_str(), chat["operator"].is_null()), (Some("queue"), true));
    let (code, body) = bot_call(&server, &token, "redirect_chat", json!({"chat_id": chat_id, "dep_key": "nope"})).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("access-denied")), "the bot let go of it");
    human.post(&format!("/api/operator/v1/chats/{chat_id}/redirect"), json!({"operatorId": bot_op.id})).await;
    let _ = bot.next().await;
    let (code, body) = bot_call(&server, &token, "redirect_chat", json!({"chat_id": chat_id, "dep_key": "nope"})).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("department-not-found")));
    let (code, _) = bot_call(&server, &token, "redirect_chat", json!({"chat_id": chat_id})).await;
    assert_eq!(code, 200);
    assert_eq!(chat_of(&v).await["state"], "queue");
    human.post(&format!("/api/operator/v1/chats/{chat_id}/redirect"), json!({"operatorId": bot_op.id})).await;
    let _ = bot.next().await;
    let (code, _) = bot_call(&server, &token, "close_chat", json!({"chat_id": chat_id})).await;
    assert_eq!(code, 200);
    assert_eq!(chat_of(&v).await["state"], "closed_by_operator");
    let (code, body) = bot_call(&server, &token, "close_chat", json!({"chat_id": chat_id})).await;
    assert_eq!((code, body["error"].as_str()), (409, Some("chat-closed")));
    server.stop().await;
}

/// Waits (by long-polling the visitor, not sleeping) until the chat leaves the bot.
async fn wait_for_queue(v: &Visitor) -> Value {
    for _ in 0..50 {
        let chat = chat_of(v).await;
        if chat["state"] == "queue" {
            return chat;
        }
        let at = v.delta(0, true).await["revision"].as_i64().expect("revision");
        let _ = v.delta(at, false).await;
    }
    panic!("the chat never reached the queue");
}

async fn failing_bot_hands_over(mode: Option<Mode>) {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let url = match mode {
        Some(m) => {
            *bot.mode.lock().expect("lock") = m;
            bot.url.clone()
        }
        // Connection refused: a port nobody listens on.
        None => format!("http://127.0.0.1:{}/hook", free_port()),
    };
    register_bot(&admin, &bot_op, &url).await;
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("f1", "есть кто живой?").await;
    let chat = wait_for_queue(&v).await;
    assert!(chat["operator"].is_null());
    let infos: Vec<&str> = chat["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "info")
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(infos.contains(&"Бот временно недоступен, подключаем оператора."), "{infos:?}");
    if mode.is_some() {
        // Three attempts: the first and two retries.
        for _ in 0..3 {
            assert_eq!(bot.next().await.body["event"], "new_chat");
        }
    }
    // Operators see why.
    let human = server.operator("h@x.io", "H", OperatorRole::Operator).await;
    let (_, detail) = human.get(&format!("/api/operator/v1/chats/{}", chat["id"])).await;
    let note =
        detail["messages"].as_array().expect("messages").iter().find(|m| m["kind"] == "for_operator").expect("note");
    assert!(note["text"].as_str().expect("text").contains("3 attempts"), "{note}");
    server.stop().await;
}

#[tokio::test]
async fn a_dead_bot_hands_the_chat_to_humans() {
    failing_bot_hands_over(None).await;
}

#[tokio::test]
async fn a_failing_bot_hands_the_chat_to_humans() {
    failing_bot_hands_over(Some(Mode::Fail500)).await;
}

#[tokio::test]
async fn a_slow_bot_hands_the_chat_to_humans() {
    failing_bot_hands_over(Some(Mode::Slow)).await;
}

/// Waits until the bot's reply deadline (30 s) is a timer: the delivery is recorded right after
/// the webhook answers.
async fn reply_deadline_set(server: &TestServer, clock: &beseda_core::time::ManualClock) {
    use beseda_core::time::Clock;
    for _ in 0..100 {
        let due = server.store.next_timer_due().await.expect("due");
        if due.is_some_and(|d| d <= clock.now() + 60 * 1_000_000) {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_bot_that_does_not_reply_in_time_loses_the_chat() {
    let clock = Arc::new(beseda_core::time::ManualClock::new());
    let config = ServerConfig { longpoll_hold: Duration::from_secs(5), ..ServerConfig::default() };
    let server = TestServer::start_full(config, clock.clone()).await;
    // No busy message: the timers due soon are the bot's reply deadlines (the inactivity close
    // is a day away).
    server.settings(|s| s.first_answer_timeout_secs = 0).await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/bots",
            Some(json!({"operatorId": bot_op.id, "webhookUrl": bot.url, "replyTimeoutSecs": 30, "sendChannel": true})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    bot_op.set_status("online").await;
    // A bot that answers in time keeps the chat.
    let v = server.visitor().await;
    v.send("r1", "привет").await;
    let first = bot.next().await.body;
    // The channel extension, asked for by this bot.
    assert_eq!(
        first["channel"],
        json!({"type": "widget", "id": null, "location": "default", "user_id": null, "user_name": null})
    );
    let chat_id = first["chat"]["id"].as_i64().expect("chat id");
    // Delivery is recorded right after the webhook answers; wait for it through the store.
    reply_deadline_set(&server, &clock).await;
    clock.advance(Duration::from_secs(20));
    let (code, _) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "Здравствуйте"}}),
    )
    .await;
    assert_eq!(code, 200);
    clock.advance(Duration::from_secs(20));
    server.tick().await;
    assert_eq!(chat_of(&v).await["state"], "chatting_with_robot");
    // The next message goes unanswered past the reply timeout: humans get the chat.
    v.send("r2", "алло?").await;
    let _ = bot.next().await;
    reply_deadline_set(&server, &clock).await;
    clock.advance(Duration::from_secs(31));
    server.tick().await;
    let chat = chat_of(&v).await;
    assert_eq!(chat["state"], "queue");
    assert!(chat["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .any(|m| m["text"] == "Бот временно недоступен, подключаем оператора."));
    server.stop().await;
}

#[tokio::test]
async fn api_1_0_bots_answer_in_the_webhook_response() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Sample bot", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    *bot.reply.lock().expect("lock") = json!({"has_answer": true, "messages": [
        {"kind": "operator", "text": "Hi! I am External API 1.0 sample bot. What should I do?"},
        {"kind": "keyboard", "buttons": [[{"id": "say_hi", "text": "Say hi"}, {"id": "say_bye", "text": "Say bye"}],
                                         [{"id": "forward_to_queue", "text": "Forward to queue"}]]}
    ]});
    let (code, _) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/bots",
            Some(json!({"operatorId": bot_op.id, "apiVersion": 1, "webhookUrl": bot.url})),
        )
        .await;
    assert_eq!(code, 200);
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("a1", "Hello").await;
    let event = bot.next().await;
    assert_eq!(event.headers["x-bot-api-version"], "1.0");
    let chat_id = v.chat_id().await;
    assert_eq!(
        event.body,
        json!({"event": "new_chat", "chat": {"id": format!("00000000-0000-0000-0000-{chat_id:012x}")},
            "visitor": {"id": v.visitor["id"]}, "messages": [{"kind": "visitor", "text": "Hello"}]})
    );
    // has_answer: true — the messages reach the visitor, in order.
    let mut chat = chat_of(&v).await;
    for _ in 0..50 {
        if chat["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["kind"] == "keyboard")) {
            break;
        }
        let at = v.delta(0, true).await["revision"].as_i64().expect("revision");
        let _ = v.delta(at, false).await;
        chat = chat_of(&v).await;
    }
    let kinds: Vec<&str> =
        chat["messages"].as_array().expect("messages").iter().filter_map(|m| m["kind"].as_str()).collect();
    let op_at = kinds.iter().position(|k| *k == "operator").expect("operator message");
    let kb_at = kinds.iter().position(|k| *k == "keyboard").expect("keyboard");
    assert!(op_at < kb_at, "{kinds:?}");
    // A button press is sent in API 1.0's shape; has_answer: false sends the chat to the queue.
    *bot.reply.lock().expect("lock") = json!({"has_answer": false});
    let kb =
        chat["messages"].as_array().expect("messages").iter().find(|m| m["kind"] == "keyboard").expect("kb").clone();
    v.ok(
        "chat.keyboard_response",
        &[("request-message-id", kb["id"].as_str().expect("id")), ("button-id", "forward_to_queue")],
    )
    .await;
    let event = bot.next().await;
    assert_eq!(
        event.body,
        json!({"event": "new_message", "chat": {"id": format!("00000000-0000-0000-0000-{chat_id:012x}")},
            "kind": "keyboard_response", "response": {"button": {"id": "forward_to_queue", "text": "Forward to queue"}}})
    );
    let chat = wait_for_queue(&v).await;
    assert!(chat["operator"].is_null());
    server.stop().await;
}

/// Uploads a PDF as the visitor, with extra request headers.
async fn upload(server: &TestServer, v: &Visitor, content: &[u8], headers: &[(&str, &str)]) {
    let form = reqwest::multipart::Form::new()
        .text("page-id", v.page_id.clone())
        .text("auth-token", v.auth_token.clone())
        .text("client-side-id", "file-1")
        .part(
            "webim_upload_file",
            reqwest::multipart::Part::bytes(content.to_vec())
                .file_name("чек.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let mut req = server.http.post(server.url("/l/v/m/upload")).multipart(form);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("upload");
    assert_eq!(resp.status().as_u16(), 200);
}

/// File links carry the configured origin only: forwarded headers, even from a trusted proxy
/// and for an allowed host, never change what bots get.
#[tokio::test]
async fn file_links_never_follow_forwarded_headers() {
    let proxy = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "chat.example.test")];
    let config = ServerConfig {
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        allowed_hosts: vec!["chat.example.test".into()],
        ..bot_config()
    };
    let server = TestServer::start_with(config).await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("f0", "сейчас пришлю чек").await;
    let _ = bot.next().await;
    upload(&server, &v, b"%PDF-1.4", &proxy).await;
    let event = bot.next().await;
    let url = event.body["message"]["data"]["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&server.url("/api/bot/v2/file/")), "{url}");
    server.stop().await;
}

#[tokio::test]
async fn bots_get_visitor_files_as_signed_links() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("f0", "сейчас пришлю чек").await;
    let _ = bot.next().await;
    let content = b"%PDF-1.4 receipt".to_vec();
    upload(&server, &v, &content, &[]).await;
    let event = bot.next().await;
    let m = &event.body["message"];
    assert_eq!(keys(m), ["data", "id", "kind"]);
    assert_eq!(m["kind"], "file_visitor");
    assert_eq!(keys(&m["data"]), ["media_type", "name", "size", "url"]);
    assert_eq!(
        (m["data"]["name"].as_str(), m["data"]["media_type"].as_str()),
        (Some("чек.pdf"), Some("application/pdf"))
    );
    assert_eq!(m["data"]["size"], json!(content.len()));
    let url = m["data"]["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&server.url("/api/bot/v2/file/")), "{url}");
    let got = server.http.get(&url).send().await.expect("download");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert!(got.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment; filename*=UTF-8''"));
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), content);
    let (base, _) = url.split_once("hash=").expect("hash");
    let forged = server.http.get(format!("{base}hash={}", "0".repeat(64))).send().await.expect("download");
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(forged.json::<Value>().await.expect("json")["error"], "access-denied");
    server.stop().await;
}

#[tokio::test]
async fn a_bot_failing_five_times_in_a_minute_is_skipped() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    register_bot(&admin, &bot_op, &format!("http://127.0.0.1:{}/dead", free_port())).await;
    bot_op.set_status("online").await;
    for i in 0..5 {
        let v = server.visitor().await;
        v.send(&format!("b{i}"), "hello").await;
        assert_eq!(chat_of(&v).await["operator"]["id"], json!(bot_op.id), "the bot is still tried");
        wait_for_queue(&v).await;
    }
    // The sixth chat skips the failing bot: straight to the queue, no "bot unavailable".
    let v = server.visitor().await;
    v.send("b6", "hello").await;
    let chat = chat_of(&v).await;
    assert_eq!(chat["state"], "queue");
    assert!(chat["messages"].as_array().expect("messages").iter().all(|m| m["kind"] != "info"));
    server.stop().await;
}

#[tokio::test]
async fn bots_may_send_markdown_and_link_buttons() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let token = register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("m1", "заказ?").await;
    let chat_id = bot.next().await.body["chat"]["id"].as_i64().expect("chat");
    let md = "**Готово.** Заказ [№ 123](https://shop.example.com/o/123)";
    let (code, _) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "operator", "text": md, "markdown": true}}),
    )
    .await;
    assert_eq!(code, 200);
    let (code, _) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "keyboard", "buttons": [[{"id": "site", "text": "Открыть каталог", "config": {"type": "url", "link": "https://shop.example.com/catalog"}}]]}}),
    )
    .await;
    assert_eq!(code, 200);
    let chat = chat_of(&v).await;
    let msgs = chat["messages"].as_array().expect("messages");
    let text = msgs.iter().find(|m| m["kind"] == "operator").expect("operator message");
    assert_eq!(text["text"], "Готово. Заказ № 123 (https://shop.example.com/o/123)");
    assert_eq!(text["data"]["markdown"], md);
    let kb = msgs.iter().find(|m| m["kind"] == "keyboard").expect("keyboard");
    assert_eq!(
        kb["data"]["buttons"][0][0],
        json!({"id": "site", "text": "Открыть каталог", "config": {"active": true, "state": "showing", "link": "https://shop.example.com/catalog"}, "params": {"type": "url"}})
    );
    // Without the flag the text is sent as is.
    let (code, _) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "**plain**"}}),
    )
    .await;
    assert_eq!(code, 200);
    let chat = chat_of(&v).await;
    assert!(chat["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .any(|m| m["text"] == "**plain**" && m["data"].is_null()));
    server.stop().await;
}

#[tokio::test]
async fn bots_that_ask_are_told_of_returns_and_closes() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let human = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/bots",
            Some(json!({"operatorId": bot_op.id, "webhookUrl": bot.url, "sendChatClosed": true, "sendChatReturnedToBot": true})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    bot_op.set_status("online").await;
    human.set_status("online").await;
    let v = server.visitor().await;
    v.send("c1", "где заказ?").await;
    let chat_id = bot.next().await.body["chat"]["id"].as_i64().expect("chat");
    bot_call(&server, &token, "redirect_chat", json!({"chat_id": chat_id, "operator_id": human.id})).await;
    human.reply(chat_id, "h1", "Заказ найден, передаю обратно боту.").await;
    v.send("c2", "Спасибо").await;
    let (code, _) =
        human.post(&format!("/api/operator/v1/chats/{chat_id}/redirect"), json!({"operatorId": bot_op.id})).await;
    assert_eq!(code, 200);
    let event = bot.next().await;
    assert_eq!(keys(&event.body), ["chat_id", "event", "messages", "operator"]);
    assert_eq!(event.body["event"], "chat_returned_to_bot");
    assert_eq!(event.body["operator"], json!({"id": human.id, "name": "Анна"}));
    let texts: Vec<(&str, &str)> = event.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| (m["kind"].as_str().unwrap_or_default(), m["text"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(texts, [("operator", "Заказ найден, передаю обратно боту."), ("visitor", "Спасибо")]);
    // A note for operators only, with contact data for the visitor's profile.
    let (code, _) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "for_operator", "text": "Клиент подтвердил номер", "visitor_fields": {"phone": "+79991234567"}}}),
    )
    .await;
    assert_eq!(code, 200);
    let (_, detail) = human.get(&format!("/api/operator/v1/chats/{chat_id}")).await;
    let note = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["kind"] == "for_operator")
        .expect("note")
        .clone();
    assert_eq!((note["text"].as_str(), note["authorId"].as_i64()), (Some("Клиент подтвердил номер"), Some(bot_op.id)));
    let full = v.delta(0, true).await;
    assert!(full["fullUpdate"]["chat"]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .all(|m| m["kind"] != "for_operator"));
    assert_eq!(full["fullUpdate"]["visitor"]["fields"]["phone"], "+79991234567");
    // The visitor closes: the bot still holds the chat and is told.
    v.ok("chat.close", &[]).await;
    let event = bot.next().await;
    assert_eq!(
        event.body,
        json!({"event": "chat_closed", "chat_id": chat_id, "closed_by": "visitor", "with_bot": true})
    );
    server.stop().await;
}

#[tokio::test]
async fn bots_send_files_by_url() {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        bot_files_allow_private_addresses: true,
        ..ServerConfig::default()
    };
    let open = TestServer::start_with(config).await;
    let admin = open.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = open.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let token = register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;
    // A file server: /price.pdf, a redirect to it, and something too big.
    let pdf = b"%PDF-1.4 price list".to_vec();
    let served = pdf.clone();
    let files = axum::Router::new()
        .route(
            "/price.pdf",
            axum::routing::get(move || {
                let b = served.clone();
                async move { ([("content-type", "application/pdf")], b) }
            }),
        )
        .route("/go", axum::routing::get(|| async { (axum::http::StatusCode::FOUND, [("location", "/price.pdf")]) }))
        .route("/big.bin", axum::routing::get(|| async { vec![0u8; 11 * 1024 * 1024] }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let files_addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, files).await;
    });
    let v = open.visitor().await;
    v.send("p1", "прайс?").await;
    let chat_id = bot.next().await.body["chat"]["id"].as_i64().expect("chat");
    let (code, body) = bot_call(
        &open,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "file_operator", "data": {"url": format!("http://{files_addr}/go")}}}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let chat = chat_of(&v).await;
    let file_msg = chat["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["kind"] == "file_operator")
        .expect("file")
        .clone();
    let desc: Value = serde_json::from_str(file_msg["text"].as_str().expect("text")).expect("descriptor");
    assert_eq!(
        (desc["filename"].as_str(), desc["content_type"].as_str(), desc["size"].as_i64()),
        (Some("price.pdf"), Some("application/pdf"), Some(pdf.len() as i64))
    );
    assert_eq!(file_msg["authorId"], json!(bot_op.id));
    // Too big for the upload limit, and a URL that is not http(s).
    let (code, body) = bot_call(
        &open,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "file_operator", "data": {"url": format!("http://{files_addr}/big.bin")}}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (413, Some("max-file-size-exceeded")));
    let (code, _) = bot_call(
        &open,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "file_operator", "data": {"url": "ftp://x/y"}}}),
    )
    .await;
    assert_eq!(code, 400);
    let (code, body) = bot_call(
        &open,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "file_operator", "data": {}}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (400, Some("argument-missing")));
    let files_now = chat_of(&v).await["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "file_operator")
        .count();
    assert_eq!(files_now, 1, "failed downloads post nothing");
    open.stop().await;

    // By default private and loopback addresses are refused.
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let token = register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("p2", "прайс?").await;
    let chat_id = bot.next().await.body["chat"]["id"].as_i64().expect("chat");
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "file_operator", "data": {"url": format!("http://{files_addr}/price.pdf")}}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (422, Some("file-download-failed")));
    server.stop().await;
}

#[tokio::test]
async fn bots_write_to_a_visit_session() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let token = register_bot(&admin, &bot_op, &bot.url).await;
    let v = server.visitor().await;
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"visit_session_id": v.session_id, "message": {"kind": "operator", "text": "This is a message from create action", "markdown": true},
               "conversation": {"timeout_hours": 48}}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["result"], "ok");
    let chat_id = body["chat_id"].as_i64().expect("chat id");
    let chat = chat_of(&v).await;
    assert_eq!((chat["id"].as_i64(), chat["state"].as_str()), (Some(chat_id), Some("chatting_with_robot")));
    assert!(chat["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .any(|m| m["text"] == "This is a message from create action"));
    // The bot gets no new_chat for a chat it started; the visitor's reply is its first event.
    v.send("s1", "ответ").await;
    let event = bot.next().await;
    assert_eq!(event.body["event"], "new_message");
    assert_eq!(event.body["chat_id"], json!(chat_id));
    // Again to the same session: the same chat.
    let (_, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"visit_session_id": v.session_id, "message": {"kind": "operator", "text": "ещё"}}),
    )
    .await;
    assert_eq!(body["chat_id"], json!(chat_id));
    // Errors.
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"visit_session_id": "0".repeat(32), "message": {"kind": "operator", "text": "x"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (404, Some("session-not-found")));
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"visit_session_id": v.session_id, "chat_id": chat_id, "message": {"kind": "operator", "text": "x"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")));
    let (code, _) = bot_call(&server, &token, "send_message", json!({"visit_session_id": v.session_id, "message": {"kind": "operator", "text": "x"}, "conversation": {"timeout_hours": 721}})).await;
    assert_eq!(code, 400);
    let human = server.operator("h@x.io", "H", OperatorRole::Operator).await;
    human.set_status("online").await;
    human.post(&format!("/api/operator/v1/chats/{chat_id}/take"), json!({})).await;
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"visit_session_id": v.session_id, "message": {"kind": "operator", "text": "x"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (403, Some("access-denied")), "a human holds the chat now");
    server.stop().await;
}

#[tokio::test]
async fn bots_are_limited_to_fifty_calls_a_second() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let token = register_bot(&admin, &bot_op, "").await;
    let calls = (0..60).map(|_| {
        server
            .http
            .post(server.url("/api/bot/v2/close_chat"))
            .header("authorization", format!("Token {token}"))
            .json(&json!({"chat_id": 999_999}))
            .send()
    });
    let responses = futures_util::future::join_all(calls).await;
    let limited: Vec<_> =
        responses.into_iter().map(|r| r.expect("response")).filter(|r| r.status().as_u16() == 429).collect();
    assert!(!limited.is_empty(), "the 51st call within a second is refused");
    assert!(limited[0].headers().contains_key("retry-after"));
    server.stop().await;
}

/// An SVG a bot sends (stored as `image/svg+xml`) reaches the visitor as a sandboxed download,
/// never as an inline document.
#[tokio::test]
async fn svg_files_from_bots_are_served_as_sandboxed_attachments() {
    let config = ServerConfig { bot_files_allow_private_addresses: true, ..bot_config() };
    let server = TestServer::start_with(config).await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let token = register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;
    let svg = "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
    let files = axum::Router::new()
        .route("/logo.svg", axum::routing::get(move || async move { ([("content-type", "image/svg+xml")], svg) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let files_addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, files).await;
    });
    let v = server.visitor().await;
    v.send("s1", "логотип?").await;
    let chat_id = bot.next().await.body["chat"]["id"].as_i64().expect("chat");
    let message = json!({"kind": "file_operator", "data": {"url": format!("http://{files_addr}/logo.svg")}});
    let (code, body) = bot_call(&server, &token, "send_message", json!({"chat_id": chat_id, "message": message})).await;
    assert_eq!(code, 200, "{body}");
    let chat = chat_of(&v).await;
    let messages = chat["messages"].as_array().expect("messages");
    let file_msg = messages.iter().find(|m| m["kind"] == "file_operator").expect("file");
    let desc: Value = serde_json::from_str(file_msg["text"].as_str().expect("text")).expect("descriptor");
    assert_eq!(desc["content_type"], "image/svg+xml");
    let got = server.http.get(v.download_url(desc["guid"].as_str().expect("guid"), "logo.svg")).send().await;
    let got = got.expect("download");
    assert_eq!(got.status().as_u16(), 200);
    let h = got.headers();
    assert!(h["content-disposition"].to_str().expect("ascii").starts_with("attachment"), "{h:?}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["content-security-policy"].to_str().expect("ascii").starts_with("sandbox"), "{h:?}");
    server.stop().await;
}

/// Bot texts and visitor fields longer than the limits are refused before anything is posted.
#[tokio::test]
async fn oversized_bot_texts_and_fields_are_refused() {
    let server = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let mut bot = mock_bot().await;
    let token = register_bot(&admin, &bot_op, &bot.url).await;
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("l1", "привет").await;
    let chat_id = bot.next().await.body["chat"]["id"].as_i64().expect("chat");
    let before = chat_of(&v).await["messages"].as_array().expect("messages").len();
    let long = "x".repeat(10_001);
    for message in [
        json!({"kind": "operator", "text": long}),
        json!({"kind": "for_operator", "text": long}),
        json!({"kind": "for_operator", "text": "note", "visitor_fields": {"name": "n".repeat(20_000)}}),
    ] {
        let (code, body) =
            bot_call(&server, &token, "send_message", json!({"chat_id": chat_id, "message": message})).await;
        assert!((400..500).contains(&code), "{code} {body}");
    }
    assert_eq!(chat_of(&v).await["messages"].as_array().expect("messages").len(), before, "nothing posted");
    let (code, body) = bot_call(
        &server,
        &token,
        "send_message",
        json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "x".repeat(10_000)}}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    server.stop().await;
}
