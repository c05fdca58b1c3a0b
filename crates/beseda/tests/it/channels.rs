//! The Custom Channel API, visitor side: an external system posts its users' messages in.

use crate::common;

use beseda_core::model::Department;
use beseda_core::state::OperatorRole;
use common::*;
use serde_json::{json, Value};

async fn channel(admin: &Operator, body: Value) -> (String, String) {
    let (code, c) = admin.call(reqwest::Method::PUT, "/api/admin/v1/channels", Some(body)).await;
    assert_eq!(code, 200, "{c}");
    let key = c["key"].as_str().expect("key").to_owned();
    assert_eq!(key.len(), 16);
    (key, c["secret"].as_str().expect("secret").to_owned())
}

/// POSTs a body with the `Authorization: Token` form.
async fn post(server: &TestServer, key: &str, method: &str, secret: &str, body: &Value) -> (u16, Value) {
    let resp = server
        .http
        .post(server.url(&format!("/api/custom-channel/v1/{key}/{method}")))
        .header("authorization", format!("Token {secret}"))
        .json(body)
        .send()
        .await
        .expect("post");
    let code = resp.status().as_u16();
    (code, resp.json().await.expect("json"))
}

#[tokio::test]
async fn external_users_write_in_and_chats_continue() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let op = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    let (key, secret) = channel(&admin, json!({"title": "Telegram bridge"})).await;
    let first = json!({"chat": {"id": "tg-42"}, "visitor": {"id": "tg-user-123456", "fields": {"name": "Иван", "phone": "+79991234567"}},
                       "message": {"id": "ext-1001", "kind": "visitor", "text": "Здравствуйте"}});
    let (code, body) = post(&server, &key, "message", &secret, &first).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["result"], "ok");
    let chat_id = body["data"]["chat_id"].as_i64().expect("chat id");
    let message_id = body["data"]["message_id"].as_str().expect("message id").to_owned();
    // The same message id again creates nothing and answers the same.
    let (_, again) = post(&server, &key, "message", &secret, &first).await;
    assert_eq!(again["data"], json!({"chat_id": chat_id, "message_id": message_id}));
    // The next message continues the chat.
    let next = json!({"chat": {"id": "tg-42"}, "visitor": {"id": "tg-user-123456"}, "message": {"id": "ext-1002", "kind": "visitor", "text": "Где заказ?"}});
    let (_, body) = post(&server, &key, "message", &secret, &next).await;
    assert_eq!(body["data"]["chat_id"], json!(chat_id));
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat_id}")).await;
    let texts: Vec<&str> = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "visitor")
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["Здравствуйте", "Где заказ?"]);
    assert_eq!(detail["visitor"]["fields"]["name"], "Иван");
    assert_eq!(detail["visitor"]["fields"]["phone"], "+79991234567");
    assert_eq!(detail["chat"]["location"], json!(key));
    // Signed form of authentication (custom-channel.md §2).
    let raw = json!({"chat": {"id": "tg-42"}, "visitor": {"id": "tg-user-123456"}, "message": {"kind": "visitor", "text": "подписано"}}).to_string();
    let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
    let signature = beseda_server::channel::signature::sign(&secret, ts, &raw);
    let resp = server
        .http
        .post(server.url(&format!("/api/custom-channel/v1/{key}/message")))
        .header("x-beseda-timestamp", ts.to_string())
        .header("x-beseda-signature", signature)
        .header("content-type", "application/json")
        .body(raw.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 200);
    // A stale timestamp, a bad token, an unknown channel, malformed input.
    let stale = beseda_server::channel::signature::sign(&secret, ts - 600, &raw);
    let resp = server
        .http
        .post(server.url(&format!("/api/custom-channel/v1/{key}/message")))
        .header("x-beseda-timestamp", (ts - 600).to_string())
        .header("x-beseda-signature", stale)
        .body(raw)
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status().as_u16(), 401);
    let (code, body) = post(&server, &key, "message", "wrong", &next).await;
    assert_eq!((code, body["error"].as_str()), (401, Some("access-denied")));
    let (code, body) = post(&server, "nochannel0000000", "message", &secret, &next).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("channel-not-found")));
    let (code, body) = post(
        &server,
        &key,
        "message",
        &secret,
        &json!({"chat": {"id": "tg-7"}, "visitor": {"id": "u"}, "message": {"kind": "visitor"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (400, Some("argument-missing")));
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(waiting["chats"].as_array().map(Vec::len), Some(1), "a refused call creates no chat");
    let (code, body) = post(
        &server,
        &key,
        "message",
        &secret,
        &json!({"chat": {"id": 42}, "visitor": {"id": "u"}, "message": {"kind": "visitor", "text": "x"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")));
    // Close by the visitor; closing an unknown chat is a 404.
    let (code, closed) = post(&server, &key, "close_chat", &secret, &json!({"chat": {"id": "tg-42"}})).await;
    assert_eq!(code, 200, "{closed}");
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat_id}")).await;
    assert_eq!(detail["chat"]["state"], "closed_by_visitor", "{detail}");
    let (code, body) = post(&server, &key, "close_chat", &secret, &json!({"chat": {"id": "tg-999"}})).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("chat-not-found")));
    server.stop().await;
}

#[tokio::test]
async fn department_modes_and_chats_started_without_a_message() {
    let server = TestServer::start().await;
    for key in ["sales", "support"] {
        let d = Department {
            id: 0,
            key: key.into(),
            name: key.into(),
            locale_names: Default::default(),
            order: 1,
            logo: None,
        };
        server.store.upsert_department(&d).await.expect("department");
    }
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let op = server.operator("o@x.io", "O", OperatorRole::Operator).await;
    let (key, secret) =
        channel(&admin, json!({"title": "Shop app", "departmentMode": "obligatory", "allowedDepartments": ["sales"]}))
            .await;
    let start = |dep: Value| json!({"chat": {"id": "c-1"}, "visitor": {"id": "u-1"}, "department_key": dep, "location": {"address": "https://shop.example.com/cart"}});
    let (code, body) = post(&server, &key, "start_chat", &secret, &start(Value::Null)).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("department-required")));
    let (code, body) = post(&server, &key, "start_chat", &secret, &start(json!("support"))).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("department-not-allowed")));
    let (code, _) = post(&server, &key, "start_chat", &secret, &start(json!("sales"))).await;
    assert_eq!(code, 200);
    let (code, _) = post(&server, &key, "start_chat", &secret, &start(json!("sales"))).await;
    assert_eq!(code, 200, "starting an open chat again is a no-op");
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    let chats = waiting["chats"].as_array().expect("chats");
    assert_eq!(chats.len(), 1);
    assert_eq!(chats[0]["departmentKey"], "sales");
    // Not necessary: an unknown department is refused, none goes to the default.
    let (key2, secret2) = channel(&admin, json!({"title": "Widget bridge", "defaultDepartment": "support"})).await;
    let (code, body) = post(
        &server,
        &key2,
        "start_chat",
        &secret2,
        &json!({"chat": {"id": "c-2"}, "visitor": {"id": "u-2"}, "department_key": "nope"}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (404, Some("department-not-found")));
    let (code, _) = post(
        &server,
        &key2,
        "message",
        &secret2,
        &json!({"chat": {"id": "c-2"}, "visitor": {"id": "u-2"}, "message": {"kind": "visitor", "text": "hi"}}),
    )
    .await;
    assert_eq!(code, 200);
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert!(waiting["chats"].as_array().expect("chats").iter().any(|c| c["departmentKey"] == "support"));
    server.stop().await;
}

type Received = (axum::http::HeaderMap, String);

async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await.expect("an event").expect("open")
}

#[tokio::test]
async fn operators_answers_reach_the_platform_signed() {
    use tokio::sync::mpsc;
    let (tx, mut rx) = mpsc::unbounded_channel::<Received>();
    let platform = axum::Router::new().route(
        "/webhook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, platform).await;
    });
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let op = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    let (key, secret) =
        channel(&admin, json!({"title": "Bridge", "callbackUrl": format!("http://{addr}/webhook")})).await;
    let (_, body) = post(&server, &key, "message", &secret, &json!({"chat": {"id": "tg-42"}, "visitor": {"id": "tg-user-1"}, "message": {"kind": "visitor", "text": "привет"}})).await;
    let chat_id = body["data"]["chat_id"].as_i64().expect("chat");
    op.reply(chat_id, "r1", "Заказ в пути.").await;
    // Taking the chat (by answering) and its notice come before the answer.
    let mut events = Vec::new();
    while !events.iter().any(|e: &Value| e["message"]["kind"] == "operator") {
        let (headers, raw) = next(&mut rx).await;
        let ts = headers["x-beseda-timestamp"].to_str().expect("ascii");
        let sig = headers["x-beseda-signature"].to_str().expect("ascii");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
        assert!(
            beseda_server::channel::signature::verify(&secret, ts, sig, &raw, now),
            "signed with the channel secret"
        );
        assert_eq!(headers["x-beseda-delivery"].to_str().expect("ascii").len(), 32);
        events.push(serde_json::from_str(&raw).expect("json"));
    }
    let assigned = events.iter().find(|e| e["event"] == "chat_assigned").expect("chat_assigned");
    assert_eq!(assigned["operator"]["name"], "Анна");
    assert!(events.iter().any(|e| e["message"]["kind"] == "info"), "the 'operator joined' notice too");
    let answer = events.iter().find(|e| e["message"]["kind"] == "operator").expect("answer");
    assert_eq!(answer["chat"], json!({"id": "tg-42"}));
    assert_eq!(answer["visitor"], json!({"id": "tg-user-1"}));
    assert_eq!(answer["message"]["text"], "Заказ в пути.");
    assert_eq!(answer["message"]["operator"]["id"], json!(op.id));
    // A keyboard, then the close.
    op.post(
        &format!("/api/operator/v1/chats/{chat_id}/messages"),
        json!({"clientSideId": "k1", "keyboard": [[{"id": "y", "text": "Да"}]]}),
    )
    .await;
    let (_, raw) = next(&mut rx).await;
    let kb: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!((kb["message"]["kind"].as_str(), kb["message"]["text"].as_str()), (Some("keyboard"), Some("")));
    assert_eq!(kb["message"]["data"]["buttons"][0][0]["id"], "y");
    op.post(&format!("/api/operator/v1/chats/{chat_id}/close"), json!({})).await;
    let mut closed = None;
    for _ in 0..3 {
        let (_, raw) = next(&mut rx).await;
        let e: Value = serde_json::from_str(&raw).expect("json");
        if e["event"] == "chat_closed" {
            closed = Some(e);
            break;
        }
    }
    assert_eq!(closed.expect("chat_closed")["closed_by"], "operator");
    server.stop().await;
}

#[tokio::test]
async fn a_bot_side_channel_takes_chats_and_answers() {
    use tokio::sync::mpsc;
    let (tx, mut rx) = mpsc::unbounded_channel::<Received>();
    let answer = std::sync::Arc::new(std::sync::Mutex::new(json!({"result": "ok"})));
    let reply = answer.clone();
    let platform = axum::Router::new().route(
        "/jaicp",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let (tx, reply) = (tx.clone(), reply.clone());
            async move {
                let _ = tx.send((headers, body));
                axum::Json(reply.lock().expect("lock").clone())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, platform).await;
    });
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let human = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let bot_op = server.operator("jaicp@x.io", "JAICP", OperatorRole::Operator).await;
    let (key, secret) = channel(
        &admin,
        json!({"title": "JAICP", "side": "bot", "operatorId": bot_op.id, "callbackUrl": format!("http://{addr}/jaicp")}),
    )
    .await;
    // Messages written before the channel gets the chat are merged into one.
    human.set_status("online").await;
    let v = server.visitor().await;
    v.send("p1", "Здравствуйте!").await;
    v.send("p2", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    let csid = v.delta(0, true).await["fullUpdate"]["chat"]["clientSideId"].as_str().expect("csid").to_owned();
    bot_op.set_status("online").await;
    let (code, _) =
        human.post(&format!("/api/operator/v1/chats/{chat}/redirect"), json!({"operatorId": bot_op.id})).await;
    assert_eq!(code, 200);
    let (headers, raw) = next(&mut rx).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64;
    assert!(beseda_server::channel::signature::verify(
        &secret,
        headers["x-beseda-timestamp"].to_str().expect("ascii"),
        headers["x-beseda-signature"].to_str().expect("ascii"),
        &raw,
        now
    ));
    let start: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(
        start,
        json!({"chat": {"id": csid}, "message": {"text": "Здравствуйте!\nГде мой заказ?", "kind": "visitor", "data": null},
               "visitor": {"id": v.visitor["id"]}})
    );
    // The platform answers through the inbound API; a synchronous answer is posted too.
    *answer.lock().expect("lock") = json!({"messages": [{"kind": "operator", "text": "Синхронный ответ"}]});
    let (code, body) = post(
        &server,
        &key,
        "message",
        &secret,
        &json!({"chat": {"id": csid}, "message": {"kind": "operator", "text": "Проверяю заказ"}}),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    v.send("p3", "Спасибо").await;
    let (_, raw) = next(&mut rx).await;
    let later: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(later["message"], json!({"text": "Спасибо", "kind": "visitor", "data": null}));
    let mut texts = Vec::new();
    for _ in 0..50 {
        let chat = v.delta(0, true).await["fullUpdate"]["chat"].clone();
        texts = chat["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m["kind"] == "operator")
            .filter_map(|m| m["text"].as_str().map(str::to_owned))
            .collect();
        if texts.len() == 2 {
            break;
        }
        let at = v.delta(0, true).await["revision"].as_i64().expect("rev");
        let _ = v.delta(at, false).await;
    }
    assert_eq!(texts, ["Проверяю заказ", "Синхронный ответ"]);
    // A chat the channel does not hold, then the close.
    let (code, body) = post(&server, &key, "close_chat", &secret, &json!({"chat": {"id": "not-a-chat"}})).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("chat-not-found")));
    // System notices reach the channel too (the visitor closes, then reopens by writing).
    v.ok("chat.close", &[]).await;
    let mut notice = Value::Null;
    for _ in 0..5 {
        let (_, raw) = next(&mut rx).await;
        let e: Value = serde_json::from_str(&raw).expect("json");
        if e["message"]["kind"] == "info" {
            notice = e;
            break;
        }
    }
    assert_eq!(notice["message"]["text"], "Посетитель закрыл диалог");
    v.send("p4", "ещё вопрос").await;
    let (code, _) = post(&server, &key, "close_chat", &secret, &json!({"chat": {"id": csid}})).await;
    assert_eq!(code, 200);
    assert_eq!(v.delta(0, true).await["fullUpdate"]["chat"]["state"], "closed_by_operator");
    let (code, body) = post(
        &server,
        &key,
        "message",
        &secret,
        &json!({"chat": {"id": csid}, "message": {"kind": "operator", "text": "x"}}),
    )
    .await;
    assert_eq!((code, body["error"].as_str()), (409, Some("chat-closed")));
    // A chat started without messages reaches the channel as newChatStarted.
    let v2 = server.visitor().await;
    human.set_status("offline").await;
    v2.ok("chat.start", &[("force-start", "1")]).await;
    let mut started = Value::Null;
    for _ in 0..5 {
        let (_, raw) = next(&mut rx).await;
        let e: Value = serde_json::from_str(&raw).expect("json");
        if e["visitor"]["id"] == v2.visitor["id"] {
            started = e;
            break;
        }
    }
    assert_eq!(started["location"], json!({"address": null}));
    assert!(started.get("message").is_none());
    server.stop().await;
}

#[tokio::test]
async fn platforms_post_visitor_files_by_url() {
    let files = axum::Router::new().route(
        "/receipt.pdf",
        axum::routing::get(|| async { ([("content-type", "application/pdf")], b"%PDF-1.4 receipt".to_vec()) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, files).await;
    });
    let config = beseda_server::ServerConfig {
        bot_files_allow_private_addresses: true,
        longpoll_hold: std::time::Duration::from_secs(5),
        ..beseda_server::ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let op = server.operator("o@x.io", "O", OperatorRole::Operator).await;
    let (key, secret) = channel(&admin, json!({"title": "Bridge"})).await;
    let body = json!({"chat": {"id": "f-1"}, "visitor": {"id": "u-f"},
        "message": {"id": "file-1", "kind": "file_visitor", "data": {"url": format!("http://{addr}/receipt.pdf"), "name": "чек.pdf"}}});
    let (code, reply) = post(&server, &key, "message", &secret, &body).await;
    assert_eq!(code, 200, "{reply}");
    let chat_id = reply["data"]["chat_id"].as_i64().expect("chat");
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat_id}")).await;
    let file = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["kind"] == "file_visitor")
        .expect("file")
        .clone();
    let desc: Value = serde_json::from_str(file["text"].as_str().expect("text")).expect("descriptor");
    assert_eq!((desc["filename"].as_str(), desc["content_type"].as_str()), (Some("чек.pdf"), Some("application/pdf")));
    // A URL that cannot be fetched posts nothing and starts no chat.
    let bad = json!({"chat": {"id": "f-2"}, "visitor": {"id": "u-g"},
        "message": {"kind": "file_visitor", "data": {"url": format!("http://{addr}/missing.pdf")}}});
    let (code, reply) = post(&server, &key, "message", &secret, &bad).await;
    assert_eq!((code, reply["error"].as_str()), (422, Some("file-download-failed")));
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(waiting["chats"].as_array().map(Vec::len), Some(1));
    server.stop().await;
}

#[tokio::test]
async fn undeliverable_answers_are_marked_for_operators() {
    let platform =
        axum::Router::new().route("/hook", axum::routing::post(|| async { axum::http::StatusCode::BAD_REQUEST }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, platform).await;
    });
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let op = server.operator("o@x.io", "O", OperatorRole::Operator).await;
    op.set_status("online").await;
    let (key, secret) = channel(&admin, json!({"title": "Bridge", "callbackUrl": format!("http://{addr}/hook")})).await;
    let (_, body) = post(
        &server,
        &key,
        "message",
        &secret,
        &json!({"chat": {"id": "x-1"}, "visitor": {"id": "u-x"}, "message": {"kind": "visitor", "text": "hi"}}),
    )
    .await;
    let chat_id = body["data"]["chat_id"].as_i64().expect("chat");
    let mut stream = op.events(0).await;
    let (_, sent) = op.reply(chat_id, "r-x", "ответ").await;
    let message_id = sent["messageId"].as_str().expect("id").to_owned();
    // A 400 from the platform is final: operators are told at once.
    let event =
        wait_event(&mut stream, |e| e["type"] == "message_not_delivered" && e["messageId"] == json!(message_id)).await;
    assert!(event["reason"].as_str().expect("reason").contains("HTTP 400"));
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat_id}")).await;
    assert!(detail["undeliveredMessageIds"].as_array().expect("list").iter().any(|m| m == &json!(message_id)));
    server.stop().await;
}
