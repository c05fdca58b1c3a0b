//! Internal notes: staff add them to a chat through the operator API and see them in the
//! workspace and the history; no outbound path carries them — the visitor protocol (delta,
//! fullUpdate, history, search, WebSocket), bots, custom channels, messengers and the
//! visitor's e-mailed transcript. Each path is shown working (a reply after the note arrives)
//! and the note absent from everything it delivered.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use beseda_server::ServerConfig;
use common::canned;
use common::smtp_sink::SmtpSink;
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const NOTE: &str = "ЗАМЕТКА-ДЛЯ-СВОИХ: клиент VIP";
const REPLY: &str = "Ответ после заметки";

async fn note(op: &Operator, chat: i64, text: &str) -> (u16, Value) {
    op.post(&format!("/api/operator/v1/chats/{chat}/notes"), json!({"text": text})).await
}

#[tokio::test]
async fn notes_are_seen_by_staff_and_never_by_the_visitor() {
    notes_are_seen_by_staff_and_never_by_the_visitor_on().await;
}

async fn notes_are_seen_by_staff_and_never_by_the_visitor_on() {
    let server = TestServer::start().await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    let sup = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Где заказ?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    let since = v.delta(0, true).await["revision"].as_i64().expect("revision");
    let mut ws = v.ws(since).await;
    let cursor = server.store.last_operator_event().await.expect("cursor");
    let mut events = sup.events(cursor).await;

    // Operator, supervisor and admin each add one; the workspace stream carries it.
    for (who, text) in [(&anna, NOTE), (&sup, "заметка супервизора"), (&admin, "заметка админа")]
    {
        let (code, body) = note(who, chat, text).await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["messageId"].as_str().map(str::len), Some(32));
    }
    let added = wait_event(&mut events, |e| e.to_string().contains(NOTE)).await;
    assert!(added.to_string().contains("for_operator"), "{added}");
    // Refused: empty, too long (limits.rs), bad JSON, unknown chat; a refused note writes nothing.
    let before = server.store.chat(beseda_core::ids::ChatId(chat)).await.expect("chat").expect("chat").messages.len();
    for (body, status, error) in [
        (json!({"text": "   "}), 422, "message_empty"),
        (json!({"text": "x".repeat(10_001)}), 400, "wrong-argument-value"),
        (json!({"note": "x"}), 400, "invalid-json"),
    ] {
        let (code, answer) = anna.post(&format!("/api/operator/v1/chats/{chat}/notes"), body).await;
        assert_eq!((code, answer["error"].as_str()), (status, Some(error)), "{answer}");
    }
    let (code, answer) = note(&anna, 999_999, "x").await;
    assert_eq!((code, answer["error"].as_str()), (404, Some("chat-not-found")));
    // An operator who may not see the chat cannot annotate it.
    server.settings(|s| s.hide_others_chats = true).await;
    let (code, answer) = note(&boris, chat, "чужая").await;
    assert_eq!((code, answer["error"].as_str()), (403, Some("hidden-by-settings")));
    server.settings(|s| s.hide_others_chats = false).await;
    let after = server.store.chat(beseda_core::ids::ChatId(chat)).await.expect("chat").expect("chat").messages.len();
    assert_eq!(after, before);

    // Staff see every note with its author, in the chat and in the history (admin panel).
    let (_, detail) = sup.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let notes: Vec<(String, String, i64)> = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "for_operator")
        .map(|m| {
            (
                m["text"].as_str().unwrap_or_default().to_owned(),
                m["name"].as_str().unwrap_or_default().to_owned(),
                m["authorId"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            (NOTE.to_owned(), "Анна".to_owned(), anna.id),
            ("заметка супервизора".to_owned(), "Супервизор".to_owned(), sup.id),
            ("заметка админа".to_owned(), "Админ".to_owned(), admin.id),
        ]
    );

    // The visitor: a reply after the notes arrives; the notes never do, by any read.
    assert_eq!(anna.reply(chat, "r1", REPLY).await.0, 200);
    let mut frames = String::new();
    while !frames.contains(REPLY) {
        frames.push_str(&next_json(&mut ws, 10).await.to_string());
    }
    let reads = [
        frames,
        v.delta(since, true).await.to_string(),
        v.delta(0, true).await.to_string(),
        Visitor::init(&server, "default", Some(&v.session_id)).await.full.to_string(),
        v.history(&[("since", "0")]).await.to_string(),
        v.history(&[("before-ts", &(i64::MAX / 2).to_string())]).await.to_string(),
    ];
    for (i, read) in reads.iter().enumerate() {
        assert!(read.contains(REPLY) || i == 0 || read.contains("Где заказ?"), "read {i} works: {read}");
        assert!(
            !read.contains("ЗАМЕТКА") && !read.contains("заметка") && !read.contains("for_operator"),
            "read {i}: {read}"
        );
    }
    let resp = server
        .http
        .get(server.url("/l/v/m/search-messages"))
        .query(&[("page-id", v.page_id.as_str()), ("auth-token", v.auth_token.as_str()), ("query", "заметка")])
        .send()
        .await
        .expect("search");
    let found: Value = resp.json().await.expect("json");
    assert!(!found.to_string().contains("ЗАМЕТКА") && !found.to_string().contains("заметка"), "{found}");
    server.stop().await;
}

/// A bot holding the chat hears the visitor, never the staff's notes.
#[tokio::test]
async fn notes_never_reach_bots() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let bot = canned::service().await;
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/bots",
            Some(json!({"operatorId": bot_op.id, "sortOrder": 10, "apiVersion": 2, "webhookUrl": format!("{}/hook", bot.uri())})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    bot_op.set_status("online").await;
    let v = server.visitor().await;
    v.send("v1", "Здравствуйте").await;
    let chat = v.chat_id().await;
    canned::wait_until(&bot, 10, |r| r.iter().any(|x| canned::text(x).contains("new_chat"))).await;
    assert_eq!(note(&admin, chat, NOTE).await.0, 200);
    v.send("v2", "Второй вопрос").await;
    let got = canned::wait_until(&bot, 10, |r| r.iter().any(|x| canned::text(x).contains("Второй вопрос"))).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let all: Vec<String> = canned::received(&bot).await.iter().map(canned::text).collect();
    assert!(got.len() >= 2 && all.iter().all(|b| !b.contains("ЗАМЕТКА")), "{all:?}");
    server.stop().await;
}

/// A custom channel's platform gets the operator's answer, not the note written before it.
#[tokio::test]
async fn notes_never_reach_custom_channels() {
    let platform = canned::service().await;
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let (code, c) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/channels",
            Some(json!({"title": "Bridge", "callbackUrl": format!("{}/webhook", platform.uri())})),
        )
        .await;
    assert_eq!(code, 200, "{c}");
    let (key, secret) = (c["key"].as_str().expect("key"), c["secret"].as_str().expect("secret"));
    let resp = server
        .http
        .post(server.url(&format!("/api/custom-channel/v1/{key}/message")))
        .header("authorization", format!("Token {secret}"))
        .json(&json!({"chat": {"id": "ext-1"}, "visitor": {"id": "u1"}, "message": {"kind": "visitor", "text": "привет"}}))
        .send()
        .await
        .expect("post");
    let body: Value = resp.json().await.expect("json");
    let chat = body["data"]["chat_id"].as_i64().expect("chat");
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(note(&anna, chat, NOTE).await.0, 200);
    assert_eq!(anna.reply(chat, "r1", REPLY).await.0, 200);
    canned::wait_until(&platform, 10, |r| r.iter().any(|x| canned::text(x).contains(REPLY))).await;
    let all: Vec<String> = canned::received(&platform).await.iter().map(canned::text).collect();
    assert!(all.iter().all(|b| !b.contains("ЗАМЕТКА") && !b.contains("for_operator")), "{all:?}");
    server.stop().await;
}

/// Telegram gets the answer through sendMessage, never the note.
#[tokio::test]
async fn notes_never_reach_messengers() {
    const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
    let tg = canned::service().await;
    let m = |method: &str| format!("/bot{TOKEN}/{method}");
    let me = r#"{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Сила","username":"sila_bot"}}"#;
    canned::answer(&tg, &m("getMe"), 200, me).await;
    canned::answer(&tg, &m("setWebhook"), 200, r#"{"ok":true,"result":true}"#).await;
    canned::answer(&tg, &m("sendMessage"), 200, r#"{"ok":true,"result":{"message_id":100}}"#).await;
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        api_urls: beseda_server::ApiUrls { telegram: tg.uri(), vk: format!("{}/vk", tg.uri()), ..Default::default() },
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let (code, c) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/channels",
            Some(json!({"title": "Telegram", "kind": "telegram", "config": {"botToken": TOKEN}})),
        )
        .await;
    assert_eq!(code, 200, "{c}");
    let (key, secret) = (c["key"].as_str().expect("key"), c["secret"].as_str().expect("secret"));
    let update = json!({"update_id": 1001, "message": {"message_id": 1, "from": {"id": 555, "is_bot": false, "first_name": "Иван"},
        "chat": {"id": 555, "type": "private"}, "date": 1_700_000_000, "text": "Где заказ?"}});
    let resp = server
        .http
        .post(server.url(&format!("/api/telegram/{key}/webhook")))
        .header("x-telegram-bot-api-secret-token", secret)
        .json(&update)
        .send()
        .await
        .expect("update");
    assert_eq!(resp.status().as_u16(), 200);
    let (_, waiting) = anna.get("/api/operator/v1/chats?list=waiting").await;
    let chat = waiting["chats"][0]["id"].as_i64().expect("a waiting chat");
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(note(&anna, chat, NOTE).await.0, 200);
    assert_eq!(anna.reply(chat, "r1", REPLY).await.0, 200);
    canned::wait_until(&tg, 10, |r| r.iter().any(|x| canned::text(x).contains(REPLY))).await;
    let all: Vec<String> = canned::received(&tg).await.iter().map(canned::text).collect();
    assert!(all.iter().all(|b| !b.contains("ЗАМЕТКА")), "{all:?}");
    server.stop().await;
}

/// The transcript e-mailed to the visitor leaves notes out.
#[tokio::test]
async fn notes_never_reach_the_visitors_transcript() {
    let sink = SmtpSink::start().await;
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        smtp_url: Some(sink.url().into()),
        mail_from: "noreply@beseda.test".into(),
        ..ServerConfig::default()
    };
    let server = TestServer::start_full(config, Arc::new(ManualClock::new())).await;
    server.settings(|s| s.email_left_messages = "support@sila.ru".into()).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q1", "Где заказ?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(note(&anna, chat, NOTE).await.0, 200);
    assert_eq!(anna.reply(chat, "a1", REPLY).await.0, 200);
    v.ok("chat.send_chat_history", &[("email", "me@example.com")]).await;
    server.state.mail_wake.notify_one();
    let mails = sink.wait_for(1, 10).await;
    let text = mails[0].text();
    assert!(text.contains(REPLY) && text.contains("Где заказ?"), "{text}");
    assert!(!text.contains("ЗАМЕТКА") && !text.contains("заметка"), "{text}");
    server.stop().await;
}

/// Chat event handlers serve the organisation's own systems: the events of a chat carry no
/// message but `chat_closed`, whose transcript keeps a note apart as `for_operator` (as it
/// keeps bots' notes), never as a message of the conversation.
#[tokio::test]
async fn chat_event_handlers_get_notes_only_marked_as_notes() {
    let server = TestServer::start().await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let mock = canned::service().await;
    let url = format!("{}/all", mock.uri());
    server
        .settings(|s| {
            s.chat_events_handler_url = url;
            s.operator_closes_finally = true;
        })
        .await;
    let v = server.visitor().await;
    v.send("q1", "Где заказ?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(note(&anna, chat, NOTE).await.0, 200);
    assert_eq!(anna.reply(chat, "a1", REPLY).await.0, 200);
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await.0, 200);
    let calls = canned::wait_until(&mock, 10, |r| r.iter().any(|x| canned::text(x).contains("chat_closed"))).await;
    for call in &calls {
        let body = canned::json(call);
        if body["event"] != "chat_closed" {
            assert!(!canned::text(call).contains("ЗАМЕТКА"), "{}", canned::text(call));
            continue;
        }
        let messages = body["messages"].as_array().expect("messages");
        for m in messages.iter().filter(|m| m["text"].as_str().is_some_and(|t| t.contains("ЗАМЕТКА"))) {
            assert_eq!(m["kind"], "for_operator", "{m}");
        }
        assert!(messages.iter().any(|m| m["kind"] == "operator" && m["text"] == REPLY));
    }
    server.stop().await;
}
