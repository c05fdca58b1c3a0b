//! The OpenAPI documents of the Bot API, the Stored Data API and the Custom Channel API against
//! real traffic: every answer of a real call, and every body Beseda POSTs to a local stand-in
//! bot, channel and chat event handler, is checked against the served document (answers with
//! `assert_conforms`, sent bodies against the document's component schemas).

use crate::common;

use beseda_core::state::OperatorRole;
use common::mock_http::MockHttp;
use common::openapi::assert_conforms;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

/// The document served at `path`; it must say it is OpenAPI 3.1.
async fn document(server: &TestServer, path: &str) -> Value {
    let resp = server.http.get(server.url(path)).send().await.expect("document");
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    let doc: Value = resp.json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{path}: {}", doc["openapi"]);
    doc
}

/// Panics unless `body` is an instance of the document's component schema `name`.
fn assert_schema(doc: &Value, name: &str, body: &Value) {
    assert!(doc["components"]["schemas"][name].is_object(), "the document has no schema {name}");
    let root = json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"]});
    let validator = jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"));
    let errors: Vec<String> = validator.iter_errors(body).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{name} does not describe the body:\n{}\nbody: {body}", errors.join("\n"));
}

/// POSTs `body` with `Authorization: Token …`; the status and JSON answer.
async fn post_token(server: &TestServer, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let resp = server
        .http
        .post(server.url(path))
        .header("authorization", format!("Token {token}"))
        .json(body)
        .send()
        .await
        .expect("post");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

fn fast_config() -> beseda_server::ServerConfig {
    beseda_server::ServerConfig {
        bot_timeout: Duration::from_millis(2000),
        bot_retry_delays: vec![Duration::from_millis(50)],
        ..beseda_server::ServerConfig::default()
    }
}

#[tokio::test]
async fn a_bot_receives_events_and_answers_as_documented() {
    let server = TestServer::start_with(fast_config()).await;
    let doc = document(&server, "/api/bot/v2/openapi.json").await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let stand_in = MockHttp::start().await;
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/bots",
            Some(json!({"operatorId": bot_op.id, "sortOrder": 10, "apiVersion": 2, "webhookUrl": stand_in.url("/bot"),
                "sendChatClosed": true, "sendChannel": true})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    bot_op.set_status("online").await;

    let v = server.visitor().await;
    v.send("v1", "Здравствуйте!").await;
    let events = stand_in.wait_until(10, |r| !r.is_empty()).await;
    let new_chat = events[0].json();
    assert_eq!(new_chat["event"], "new_chat");
    assert_schema(&doc, "BotEvent", &new_chat);
    let chat_id = new_chat["chat"]["id"].as_i64().expect("chat id");

    v.send("v2", "Где мой заказ?").await;
    let events = stand_in.wait_until(10, |r| r.len() >= 2).await;
    assert_eq!(events[1].json()["event"], "new_message");
    assert_schema(&doc, "BotEvent", &events[1].json());

    // The bot answers: a text, a keyboard, then a refused call and an unauthenticated one.
    let path = "/api/bot/v2/send_message";
    let text = json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "Сейчас проверю."}});
    let (code, answer) = post_token(&server, path, &token, &text).await;
    assert_eq!(code, 200, "{answer}");
    assert_conforms(&doc, "POST", path, code, &answer);
    let keyboard =
        json!({"chat_id": chat_id, "message": {"kind": "keyboard", "buttons": [[{"id": "a", "text": "Да"}]]}});
    let (code, answer) = post_token(&server, path, &token, &keyboard).await;
    assert_eq!(code, 200, "{answer}");
    assert_conforms(&doc, "POST", path, code, &answer);
    let (code, answer) = post_token(&server, path, &token, &json!({"chat_id": chat_id})).await;
    assert_eq!((code, answer["error"].as_str()), (400, Some("argument-missing")));
    assert_conforms(&doc, "POST", path, code, &answer);
    let (code, answer) = post_token(&server, path, "not-a-token", &text).await;
    assert_eq!(code, 401);
    assert_conforms(&doc, "POST", path, code, &answer);

    // The bot closes the chat; a second close is refused.
    let path = "/api/bot/v2/close_chat";
    let (code, answer) = post_token(&server, path, &token, &json!({"chat_id": chat_id})).await;
    assert_eq!(code, 200, "{answer}");
    assert_conforms(&doc, "POST", path, code, &answer);
    let (code, answer) = post_token(&server, path, &token, &json!({"chat_id": chat_id})).await;
    assert!(code >= 400, "{answer}");
    assert_conforms(&doc, "POST", path, code, &answer);
    let (code, answer) = post_token(&server, "/api/bot/v2/redirect_chat", &token, &json!({"chat_id": 999_999})).await;
    assert!(code >= 400, "{answer}");
    assert_conforms(&doc, "POST", "/api/bot/v2/redirect_chat", code, &answer);

    // A file link that is not signed is refused as documented.
    let path = "/api/bot/v2/file/010a56da72ee41e2a78d0509155de755?hash=00";
    let resp = server.http.get(server.url(path)).send().await.expect("file");
    let code = resp.status().as_u16();
    assert_eq!(code, 403);
    assert_conforms(&doc, "GET", "/api/bot/v2/file/{guid}", code, &resp.json().await.expect("json"));
    server.stop().await;
}

#[tokio::test]
async fn stored_data_reads_and_writes_as_documented() {
    let server = TestServer::start().await;
    let doc = document(&server, "/api/v2/openapi.json").await;
    assert_eq!(document(&server, "/api/v4/openapi.json").await, doc);
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let v = server.visitor().await;
    v.send("q1", "Здравствуйте").await;
    let chat = v.chat_id().await;
    let call = |method: reqwest::Method, path: String, user: (&'static str, &'static str), body: Option<Value>| {
        let mut req = server.http.request(method, server.url(&path)).basic_auth(user.0, Some(user.1));
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let resp = req.send().await.expect("send");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("json"))
        }
    };
    let admin = ("admin@x.io", "password123");
    for (path, template) in [
        ("/api/v2/operators".to_owned(), "/api/v2/operators"),
        ("/api/v2/departments".to_owned(), "/api/v2/departments"),
        ("/api/v2/categories".to_owned(), "/api/v2/categories"),
        (format!("/api/v2/chat?id={chat}"), "/api/v2/chat"),
        ("/api/v3/chat?id=999999".to_owned(), "/api/v3/chat"),
        ("/api/v2/chat".to_owned(), "/api/v2/chat"),
        ("/api/v4/chats?since=0".to_owned(), "/api/v4/chats"),
        ("/api/v2/chats?since=x".to_owned(), "/api/v2/chats"),
    ] {
        let (code, body) = call(reqwest::Method::GET, path.clone(), admin, None).await;
        assert_eq!(code, 200, "{path}: {body}");
        assert_conforms(&doc, "GET", template, code, &body);
    }
    let (_, page) = call(reqwest::Method::GET, "/api/v2/chats".into(), admin, None).await;
    assert!(page["chats"].as_array().is_some_and(|c| !c.is_empty()), "{page}");
    let path = "/api/v2/rt/provide_visitor_fields";
    let fields = json!({"token": "tok-12345678", "fields": {"id": "client-1", "display_name": "Иван"}});
    let (code, body) = call(reqwest::Method::POST, path.into(), admin, Some(fields)).await;
    assert_eq!((code, &body), (200, &json!({"result": "ok"})));
    assert_conforms(&doc, "POST", path, code, &body);
    let (code, body) = call(reqwest::Method::POST, path.into(), admin, Some(json!({"token": 5}))).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("wrong-argument-value")));
    assert_conforms(&doc, "POST", path, code, &body);
    // Refused: wrong password, and an operator who is not an administrator.
    let (code, body) = call(reqwest::Method::GET, "/api/v2/operators".into(), ("admin@x.io", "nope"), None).await;
    assert_eq!(code, 401);
    assert_conforms(&doc, "GET", "/api/v2/operators", code, &body);
    let (code, body) = call(reqwest::Method::GET, "/api/v2/operators".into(), ("op@x.io", "password123"), None).await;
    assert_eq!(code, 403);
    assert_conforms(&doc, "GET", "/api/v2/operators", code, &body);
    server.stop().await;
}

#[tokio::test]
async fn chat_event_handler_calls_match_the_documented_schema() {
    let server = TestServer::start().await;
    let doc = document(&server, "/api/v2/openapi.json").await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let stand_in = MockHttp::start().await;
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let mut settings = body["settings"].clone();
    settings["chat_events_handler_url"] = json!(stand_in.url("/all"));
    settings["operator_closes_finally"] = json!(true);
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings)).await;
    assert_eq!(code, 200, "{body}");
    let v = server.visitor().await;
    v.send("q1", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    anna.reply(chat, "r1", "Сейчас посмотрю.").await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await.0, 200);
    let calls = stand_in
        .wait_until(15, |r| {
            ["chat_started", "chat_assigned", "chat_closed"].iter().all(|e| r.iter().any(|c| c.json()["event"] == *e))
        })
        .await;
    for call in calls {
        assert_schema(&doc, "HandlerCall", &call.json());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_custom_channel_posts_in_and_gets_deliveries_as_documented() {
    let server = TestServer::start().await;
    let doc = document(&server, "/api/custom-channel/v1/openapi.json").await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let op = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    let stand_in = MockHttp::start().await;
    let (code, c) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/channels",
            Some(json!({"title": "Bridge", "callbackUrl": stand_in.url("/hook")})),
        )
        .await;
    assert_eq!(code, 200, "{c}");
    let (key, secret) = (c["key"].as_str().expect("key").to_owned(), c["secret"].as_str().expect("secret").to_owned());
    let path = format!("/api/custom-channel/v1/{key}/message");
    let template = "/api/custom-channel/v1/{key}/message";
    let first = json!({"chat": {"id": "tg-42"}, "visitor": {"id": "tg-user-1", "fields": {"name": "Иван"}},
        "message": {"id": "ext-1", "kind": "visitor", "text": "Здравствуйте"}});
    let (code, answer) = post_token(&server, &path, &secret, &first).await;
    assert_eq!(code, 200, "{answer}");
    assert_conforms(&doc, "POST", template, code, &answer);
    let chat = answer["data"]["chat_id"].as_i64().expect("chat id");
    // Refused: no text, a wrong secret.
    let (code, answer) = post_token(
        &server,
        &path,
        &secret,
        &json!({"chat": {"id": "tg-42"}, "visitor": {"id": "tg-user-1"}, "message": {"kind": "visitor"}}),
    )
    .await;
    assert_eq!(code, 400);
    assert_conforms(&doc, "POST", template, code, &answer);
    let (code, answer) = post_token(&server, &path, "wrong", &first).await;
    assert_eq!(code, 401);
    assert_conforms(&doc, "POST", template, code, &answer);

    // The operator answers; the stand-in gets the assignment and the answer.
    op.reply(chat, "r1", "Заказ в пути.").await;
    let delivered = stand_in.wait_until(10, |r| r.iter().any(|c| c.json()["message"]["kind"] == "operator")).await;
    for d in &delivered {
        assert_schema(&doc, "ChannelEvent", &d.json());
    }
    let path = format!("/api/custom-channel/v1/{key}/close_chat");
    let (code, answer) = post_token(&server, &path, &secret, &json!({"chat": {"id": "tg-42"}})).await;
    assert_eq!(code, 200, "{answer}");
    assert_conforms(&doc, "POST", "/api/custom-channel/v1/{key}/close_chat", code, &answer);
    let closed = stand_in.wait_until(10, |r| r.iter().any(|c| c.json()["event"] == "chat_closed")).await;
    for d in &closed {
        assert_schema(&doc, "ChannelEvent", &d.json());
    }
    server.stop().await;
}

/// Sends `method path` with `body` as it is (and `Authorization: Token …` when given); the
/// status and JSON answer.
async fn raw(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: String,
) -> (u16, Value) {
    let mut req = server.http.request(method, server.url(path)).header("content-type", "application/json").body(body);
    if let Some(t) = token {
        req = req.header("authorization", format!("Token {t}"));
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON answer"))
}

/// Every refusal of the Bot API and the Custom Channel API, whether a handler or the HTTP layer
/// makes it (a body too large, a wrong method, an unknown address), has Webim's documented body
/// `{"error", "desc"}`. A refusal of a method the document does not list is checked against the
/// call's documented error body (its `default` answer).
#[tokio::test]
async fn bot_and_channel_refusals_have_the_documented_body() {
    use reqwest::Method;
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let (code, bot) =
        admin.call(Method::PUT, "/api/admin/v1/bots", Some(json!({"operatorId": bot_op.id, "apiVersion": 2}))).await;
    assert_eq!(code, 200, "{bot}");
    let token = bot["token"].as_str().expect("token");
    let (code, channel) = admin.call(Method::PUT, "/api/admin/v1/channels", Some(json!({"title": "Мост"}))).await;
    assert_eq!(code, 200, "{channel}");
    let (key, secret) = (channel["key"].as_str().expect("key"), channel["secret"].as_str().expect("secret"));
    let too_large = format!("{{\"text\": \"{}\"}}", "a".repeat(300 * 1024));

    let doc = document(&server, "/api/bot/v2/openapi.json").await;
    let send = "/api/bot/v2/send_message";
    for (method, path, token, body, status, error) in [
        (Method::POST, send, Some(token), "{not json".to_owned(), 400, "wrong-argument-value"),
        (Method::POST, send, Some(token), "[1]".to_owned(), 400, "wrong-argument-value"),
        (Method::POST, send, None, "{}".to_owned(), 401, "access-denied"),
        (Method::POST, send, Some("0123456789abcdef0123456789abcdef01234567"), "{}".to_owned(), 401, "access-denied"),
        (Method::POST, send, Some(token), too_large.clone(), 413, "request-too-large"),
        (Method::GET, send, Some(token), String::new(), 405, "method-not-allowed"),
        (Method::POST, "/api/bot/v2/send_message/x", Some(token), "{}".to_owned(), 404, "unknown-method"),
    ] {
        let (code, answer) = raw(&server, method.clone(), path, token, body).await;
        assert_eq!((code, answer["error"].as_str()), (status, Some(error)), "{method} {path}: {answer}");
        assert!(answer["desc"].is_string(), "{method} {path}: {answer}");
        assert_conforms(&doc, "POST", send, code, &answer);
    }

    let doc = document(&server, "/api/custom-channel/v1/openapi.json").await;
    let template = "/api/custom-channel/v1/{key}/message";
    let message = format!("/api/custom-channel/v1/{key}/message");
    for (method, path, token, body, status, error) in [
        (Method::POST, message.as_str(), Some(secret), "{not json".to_owned(), 400, "wrong-argument-value"),
        (Method::POST, message.as_str(), None, "{}".to_owned(), 401, "access-denied"),
        (Method::POST, message.as_str(), Some("wrong"), "{}".to_owned(), 401, "access-denied"),
        (Method::POST, "/api/custom-channel/v1/nope/message", Some(secret), "{}".to_owned(), 404, "channel-not-found"),
        (Method::POST, message.as_str(), Some(secret), too_large.clone(), 413, "request-too-large"),
        (Method::GET, message.as_str(), Some(secret), String::new(), 405, "method-not-allowed"),
        (Method::POST, "/api/custom-channel/v1/message", Some(secret), "{}".to_owned(), 404, "unknown-method"),
    ] {
        let (code, answer) = raw(&server, method.clone(), path, token, body).await;
        assert_eq!((code, answer["error"].as_str()), (status, Some(error)), "{method} {path}: {answer}");
        assert!(answer["desc"].is_string(), "{method} {path}: {answer}");
        assert_conforms(&doc, "POST", template, code, &answer);
    }
    server.stop().await;
}
