//! Just AI's JAICP connected as its "Webim (Custom Channel API)" inbound channel (seed 000),
//! played by a local stand-in that does what JAICP's public documentation says the channel does:
//! it holds only the administrator's e-mail and password (the "Access token" field stays
//! empty), receives the chat start with the messages written before it merged into one, or the
//! start without messages (`newChatStarted`: `chat.id`, `location.address`, `visitor.id`),
//! answers with the bot's messages and the Webim channel's actions (`redirect_to_department`,
//! `redirect_to_operator`, `close_chat` with a category), and collects the dialog logs after the
//! hand-off to an agent with the administrator's credentials. What could not be confirmed from
//! public documentation is listed in docs/protocol/custom-channel.md ("Just AI JAICP").

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::mpsc;

/// The administrator's e-mail and password entered in JAICP (the harness gives every account this password).
const ADMIN: (&str, &str) = ("admin@x.io", "password123");

/// The bot script's answer to what the channel posted: nothing for `newChatStarted` (the seed:
/// replies are not used in that state), a hand-off when asked for an agent, a close with a
/// category on thanks, an echo otherwise.
fn script(event: &Value) -> Value {
    let Some(text) = event.pointer("/message/text").and_then(Value::as_str) else { return json!({}) };
    if text.contains("оператор") {
        json!({"messages": [{"kind": "operator", "text": "Перевожу на оператора"}],
               "actions": [{"type": "redirect_to_department", "department_key": "operatory"}]})
    } else if text.contains("Спасибо") {
        json!({"messages": [{"kind": "operator", "text": "Всего доброго!"}],
               "actions": [{"type": "close_chat", "category": "Доставка", "sub_category": "Сроки"}]})
    } else {
        json!({"messages": [{"kind": "operator", "text": format!("Бот: {text}")}]})
    }
}

/// JAICP's endpoint: every request Beseda sends is passed on, answered by the script.
async fn endpoint() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel::<Value>();
    let app = axum::Router::new().route(
        "/chatapi/webim/endpoint",
        axum::routing::post(move |body: String| {
            let tx = tx.clone();
            async move {
                let event: Value = serde_json::from_str(&body).expect("JSON from Beseda");
                let answer = script(&event);
                let _ = tx.send(event);
                axum::Json(answer)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/chatapi/webim/endpoint", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(15), rx.recv()).await.expect("a request to the endpoint").expect("open")
}

/// The texts of the chat's messages of `kind`, as the visitor sees them.
async fn texts(v: &Visitor, kind: &str) -> Vec<String> {
    let chat = chat_of(v).await;
    let messages = chat["messages"].as_array().cloned().unwrap_or_default();
    messages.iter().filter(|m| m["kind"] == kind).filter_map(|m| m["text"].as_str().map(str::to_owned)).collect()
}

async fn until(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if ok().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// A Stored Data API call with Basic credentials, as the platform collects logs.
async fn stored(server: &TestServer, path: &str, (email, password): (&str, &str)) -> (u16, Value) {
    let resp = server.http.get(server.url(path)).basic_auth(email, Some(password)).send().await.expect("get");
    (resp.status().as_u16(), resp.json().await.expect("json"))
}

#[tokio::test]
async fn jaicp_webim_channel_works_unchanged() {
    let server = TestServer::start().await;
    let admin = server.operator(ADMIN.0, "Администратор", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let bot = server.operator("jaicp@x.io", "JAICP", OperatorRole::Operator).await;
    server.settings(|s| s.categories = vec!["Доставка".into(), " Сроки".into()]).await;
    let (code, body) = admin
        .call(Method::PUT, "/api/admin/v1/departments/operatory", Some(json!({"name": "Операторы", "order": 1})))
        .await;
    assert_eq!(code, 200, "{body}");
    let profile = json!({"departmentKeys": ["operatory"], "languages": ["ru"], "maxChats": null});
    let (code, body) =
        admin.call(Method::PUT, &format!("/api/admin/v1/operators/{}/profile", anna.id), Some(profile)).await;
    assert_eq!(code, 200, "{body}");
    // The administrator gives Beseda the channel's Endpoint API; the bot side is routed like a bot.
    let (url, mut rx) = endpoint().await;
    let channel = json!({"title": "JAICP", "side": "bot", "operatorId": bot.id, "callbackUrl": url});
    let (code, body) = admin.call(Method::PUT, "/api/admin/v1/channels", Some(channel)).await;
    assert_eq!(code, 200, "{body}");
    let key = body["key"].as_str().expect("key").to_owned();

    // With messages: what the visitor wrote before the bot got the chat arrives merged into one.
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("p1", "Здравствуйте!").await;
    v.send("p2", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    let csid = chat_of(&v).await["clientSideId"].as_str().expect("csid").to_owned();
    bot.set_status("online").await;
    let (code, _) = anna.post(&format!("/api/operator/v1/chats/{chat}/redirect"), json!({"operatorId": bot.id})).await;
    assert_eq!(code, 200);
    let start = next(&mut rx).await;
    assert_eq!(
        start,
        json!({"chat": {"id": csid}, "message": {"text": "Здравствуйте!\nГде мой заказ?", "kind": "visitor", "data": null},
               "visitor": {"id": v.visitor["id"]}})
    );
    until("the bot's answer", async || texts(&v, "operator").await == ["Бот: Здравствуйте!\nГде мой заказ?"]).await;

    // The bot hands the chat to the agents' department (an action of its answer).
    v.send("p3", "Позовите оператора").await;
    assert_eq!(next(&mut rx).await["message"]["text"], "Позовите оператора");
    until("the hand-off to the agents' queue", async || chat_of(&v).await["state"] == "queue").await;
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(detail["chat"]["departmentKey"], "operatory", "{detail}");
    let (code, _) = anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    assert_eq!(code, 200);
    let (code, _) = anna
        .post(
            &format!("/api/operator/v1/chats/{chat}/messages"),
            json!({"clientSideId": "a1", "text": "Анна на связи, проверяю заказ."}),
        )
        .await;
    assert_eq!(code, 200);

    // Dialog logs after the hand-off, with the administrator's e-mail and password, by the chat
    // id the channel was given (and in the change feed).
    let (code, log) = stored(&server, &format!("/api/v2/chat?id={csid}"), ADMIN).await;
    assert_eq!(code, 200, "{log}");
    let said: Vec<&str> =
        log["chat"]["messages"].as_array().expect("messages").iter().filter_map(|m| m["message"].as_str()).collect();
    for text in [
        "Здравствуйте!",
        "Бот: Здравствуйте!\nГде мой заказ?",
        "Позовите оператора",
        "Перевожу на оператора",
        "Анна на связи, проверяю заказ.",
    ] {
        assert!(said.contains(&text), "{text} in {said:?}");
    }
    let (_, feed) = stored(&server, "/api/v2/chats?since=0", ADMIN).await;
    assert!(feed["chats"].as_array().expect("chats").iter().any(|c| c["client_side_id"] == json!(csid)), "{feed}");
    assert_eq!(stored(&server, "/api/v2/chat?id=1", (ADMIN.0, "wrong")).await.0, 401);
    assert_eq!(stored(&server, "/api/v2/chat?id=1", ("anna@x.io", "password123")).await.0, 403);

    // Without messages: newChatStarted, with the page the visitor is on; no reply is posted.
    anna.set_status("offline").await;
    let (status, init) =
        Visitor::init_raw(&server, "default", None, &[("page-url", "https://shop.example/cart".into())]).await;
    assert_eq!(status, 200, "{init}");
    let v2 = Visitor::from_init(&server, init);
    v2.ok("chat.start", &[("force-start", "1")]).await;
    let started = next(&mut rx).await;
    let csid2 = chat_of(&v2).await["clientSideId"].as_str().expect("csid").to_owned();
    assert_eq!(
        started,
        json!({"chat": {"id": csid2}, "location": {"address": "https://shop.example/cart"}, "visitor": {"id": v2.visitor["id"]}})
    );
    // The platform writes through the channel API with the same credentials (no token needed).
    let post = |auth: (&'static str, &'static str), body: Value| {
        let (http, url) = (server.http.clone(), server.url(&format!("/api/custom-channel/v1/{key}/message")));
        async move {
            let resp = http.post(url).basic_auth(auth.0, Some(auth.1)).json(&body).send().await.expect("post");
            (resp.status().as_u16(), resp.json::<Value>().await.expect("json"))
        }
    };
    let hello = json!({"chat": {"id": csid2}, "message": {"kind": "operator", "text": "Чем помочь?"}});
    let (code, body) = post(ADMIN, hello.clone()).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    let (code, body) = post((ADMIN.0, "wrong"), hello.clone()).await;
    assert_eq!((code, body["error"].as_str()), (401, Some("access-denied")), "{body}");
    let (code, body) = post(("anna@x.io", "password123"), hello).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("access-denied")), "{body}");
    until("the bot's greeting", async || texts(&v2, "operator").await == ["Чем помочь?"]).await;
    // The bot closes the chat with a category (an action of its answer).
    v2.send("q1", "Спасибо, всё понятно").await;
    assert_eq!(next(&mut rx).await["message"]["text"], "Спасибо, всё понятно");
    until("the close", async || chat_of(&v2).await["state"] == "closed_by_operator").await;
    let (_, log) = stored(&server, &format!("/api/v2/chat?id={csid2}"), ADMIN).await;
    assert_eq!(
        (log["chat"]["category"].clone(), log["chat"]["subcategory"].clone()),
        (json!("Доставка"), json!("Сроки")),
        "{log}"
    );
    server.stop().await;
}
