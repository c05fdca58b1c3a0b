//! Bad input gets a clear error with a machine-readable code, and nothing is half written.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn wrong_credentials_ask_for_reinit() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let bad = Visitor { auth_token: "0".repeat(32), ..clone_visitor(&v) };
    let (status, body) = bad.action("chat.message", &[("client-side-id", "a"), ("message", "x")]).await;
    assert_eq!((status, body["error"].as_str()), (200, Some("reinit-required")));
    let d = bad.delta(1, true).await;
    assert_eq!(d["error"], "reinit-required");
    let unknown_page = Visitor { page_id: "f".repeat(32), ..clone_visitor(&v) };
    assert_eq!(unknown_page.delta(1, true).await["error"], "reinit-required");
    // Nothing was written by the refused action.
    assert!(v.delta(0, true).await["fullUpdate"]["chat"].is_null());
    server.stop().await;
}

fn clone_visitor(v: &Visitor) -> Visitor {
    Visitor {
        base: v.base.clone(),
        ws_base: v.ws_base.clone(),
        http: v.http.clone(),
        page_id: v.page_id.clone(),
        auth_token: v.auth_token.clone(),
        session_id: v.session_id.clone(),
        visitor: v.visitor.clone(),
        revision: v.revision,
        full: Value::Null,
    }
}

#[tokio::test]
async fn unknown_action_and_bad_arguments() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let (status, body) = v.action("chat.teleport_me", &[]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unknown-method")));
    let (status, body) = v.action("chat.message", &[("client-side-id", "e1"), ("message", "   ")]).await;
    assert_eq!((status, body["error"].as_str()), (200, Some("message_empty")));
    let long = "я".repeat(10_001);
    let (status, body) = v.action("chat.message", &[("client-side-id", "e2"), ("message", &long)]).await;
    assert_eq!((status, body["error"].as_str()), (200, Some("max-message-length-exceeded")));
    let (status, body) = v.action("chat.start", &[("department-key", "nope"), ("force-start", "1")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")));
    let (status, body) =
        v.action("chat.message", &[("client-side-id", "e3"), ("message", "x"), ("data", "{not json")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")));
    let (status, body) = v.action("chat.send_chat_history", &[]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")));
    let (status, body) = v.action("chat.keyboard_response", &[("request-message-id", "x")]).await;
    assert_eq!((status, body["error"].as_str()), (200, Some("button-id-not-set")));
    // None of the refused actions created a chat or a message.
    let full = v.delta(0, true).await;
    assert!(full["fullUpdate"]["chat"].is_null(), "{full}");
    assert_eq!(full["fullUpdate"]["historyRevision"], json!(0));
    // Missing action / unknown location.
    let resp = server
        .http
        .post(server.url("/l/v/m/action"))
        .form(&[("page-id", v.page_id.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "argument-missing");
    let resp = server
        .http
        .get(server.url("/l/v/m/init?event=init&since=0&location=nowhere&device-id=d&platform=web&title=t"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "wrong-argument-value");
    server.stop().await;
}

#[tokio::test]
async fn oversized_and_malformed_bodies() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let huge = format!(
        "page-id={}&auth-token={}&action=chat.message&client-side-id=h&message={}",
        v.page_id,
        v.auth_token,
        "a".repeat(300 * 1024)
    );
    let resp = server
        .http
        .post(server.url("/l/v/m/action"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "request-too-large");
    let resp = server
        .http
        .post(server.url("/l/v/m/action"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("page-id=%zz&action=chat.close")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "wrong-argument-value");
    // The operator API: malformed JSON, unknown status, missing auth.
    let op = server.operator("o@example.com", "O", OperatorRole::Operator).await;
    let resp = server
        .http
        .put(server.url("/api/operator/v1/status"))
        .bearer_auth(&op.token)
        .header("content-type", "application/json")
        .body("{\"status\":")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "invalid-json");
    let (code, body) =
        op.call(reqwest::Method::PUT, "/api/operator/v1/status", Some(json!({"status": "dancing"}))).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")));
    let resp = server.http.get(server.url("/api/operator/v1/chats")).send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 401);
    // An empty operator message is refused and the chat gets nothing.
    v.send("m", "hello").await;
    let chat = v.chat_id().await;
    let (code, body) = op.reply(chat, "x", "").await;
    assert_eq!((code, body["error"].as_str()), (422, Some("message_empty")));
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert!(detail["messages"].as_array().expect("messages").iter().all(|m| m["kind"] != "operator"));
    assert!(detail["chat"]["operatorId"].is_null(), "a refused reply does not take the chat");
    server.stop().await;
}

/// A NUL character in any field is refused alike on both databases (PostgreSQL cannot store it
/// in text), in a form action and in an upload's fields, and nothing is written.
#[tokio::test]
async fn a_nul_character_is_refused_and_nothing_is_written() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    v.send("m1", "hello").await;
    let body = format!(
        "page-id={}&auth-token={}&action=chat.message&client-side-id=m2&message=a%00b",
        v.page_id, v.auth_token
    );
    let resp = server
        .http
        .post(server.url("/l/v/m/action"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "wrong-argument-value");
    let form = reqwest::multipart::Form::new()
        .text("page-id", v.page_id.clone())
        .text("auth-token", v.auth_token.clone())
        .text("client-side-id", "RIFF\0\0\0\0WEBP")
        .part("webim_upload_file", reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt"));
    let resp = server.http.post(server.url("/l/v/m/upload")).multipart(form).send().await.expect("send");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "wrong-argument-value");
    let chat = v.chat_id().await;
    let op = server.operator("n@example.com", "N", OperatorRole::Admin).await;
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let visitor_messages: Vec<_> = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "visitor" || m["kind"] == "file_visitor")
        .collect();
    assert_eq!(visitor_messages.len(), 1, "only the first message was written: {detail}");
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_department_is_refused_even_before_the_first_message() {
    let server = TestServer::start().await;
    server.settings(|s| s.chat_start_after_message = true).await;
    let v = server.visitor().await;
    let (code, body) = v.action("chat.start", &[("department-key", "no-such-department")]).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    server.stop().await;
}

/// Every rejection of the operator and admin APIs is JSON with a code, including those made
/// before a handler runs: a path or query value of the wrong type, a wrong method, an
/// oversized body.
#[tokio::test]
async fn every_operator_api_rejection_is_json_with_a_code() {
    let server = TestServer::start().await;
    let admin = server.operator("a@example.com", "A", OperatorRole::Admin).await;
    for (method, path, code, error) in [
        ("GET", "/api/operator/v1/chats/abc", 400, "wrong-argument-value"),
        ("POST", "/api/operator/v1/chats/1.5/take", 400, "wrong-argument-value"),
        ("GET", "/api/operator/v1/chats/99999999999999999999999", 400, "wrong-argument-value"),
        ("GET", "/api/operator/v1/events?cursor=abc", 400, "wrong-argument-value"),
        ("GET", "/api/admin/v1/history?operator=anna", 400, "wrong-argument-value"),
        ("GET", "/api/admin/v1/webhooks?status=nonsense", 400, "invalid-status"),
        ("GET", "/api/admin/v1/stats?group=bogus", 400, "wrong-argument-value"),
        ("GET", "/api/admin/v1/stats?operator=abc", 400, "wrong-argument-value"),
        ("GET", "/api/admin/v1/history?format=xml", 400, "wrong-argument-value"),
        ("GET", "/api/admin/v1/stats?from=2000-01-01&to=2026-12-01", 400, "wrong-argument-value"),
        ("PUT", "/api/admin/v1/operators/x", 400, "wrong-argument-value"),
        ("POST", "/api/admin/v1/operators/x/deactivate", 400, "wrong-argument-value"),
        ("DELETE", "/api/operator/v1/me", 405, "method-not-allowed"),
        ("PATCH", "/api/operator/v1/chats/1", 405, "method-not-allowed"),
        ("GET", "/api/operator/v1/no-such-thing", 404, "unknown-method"),
        ("GET", "/api/operator/v1/events/ws", 400, "bad-request"),
    ] {
        let resp = server
            .http
            .request(method.parse().expect("method"), server.url(path))
            .bearer_auth(&admin.token)
            .send()
            .await
            .expect("send");
        let status = resp.status().as_u16();
        let kind = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let text = resp.text().await.expect("body");
        assert!(kind.starts_with("application/json"), "{method} {path}: {kind} {text}");
        let body: Value = serde_json::from_str(&text).expect("json");
        assert_eq!((status, body["error"].as_str()), (code, Some(error)), "{method} {path}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{method} {path}: {body}");
        // Worded for people, not in Rust's terms.
        assert!(!message.contains("i64") && !message.contains("deserialize"), "{method} {path}: {body}");
    }
    let resp = server
        .http
        .put(server.url("/api/admin/v1/settings"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{}\"}}", "a".repeat(300 * 1024)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "request-too-large");
    server.stop().await;
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token() {
    let server = TestServer::start().await;
    let _ = server.operator("csrf@example.com", "C", OperatorRole::Operator).await;
    let resp = server
        .http
        .post(server.url("/api/operator/v1/login"))
        .json(&json!({"email": "csrf@example.com", "password": "password123"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 200);
    let cookie = resp.headers().get("set-cookie").expect("cookie").to_str().expect("ascii").to_owned();
    assert!(cookie.contains("HttpOnly"));
    let session = cookie.split(';').next().expect("pair").to_owned();
    let body: Value = resp.json().await.expect("json");
    let csrf = body["csrfToken"].as_str().expect("csrf").to_owned();
    let put = |with_csrf: bool| {
        let mut req = server
            .http
            .put(server.url("/api/operator/v1/status"))
            .header("cookie", session.clone())
            .json(&json!({"status": "online"}));
        if with_csrf {
            req = req.header("x-csrf-token", csrf.clone());
        }
        req.send()
    };
    let refused = put(false).await.expect("send");
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(refused.json::<Value>().await.expect("json")["error"], "csrf-token-invalid");
    assert_eq!(put(true).await.expect("send").status().as_u16(), 200);
    let me =
        server.http.get(server.url("/api/operator/v1/me")).header("cookie", session.clone()).send().await.expect("me");
    assert_eq!(me.json::<Value>().await.expect("json")["operator"]["status"], "online");
    let wrong = server
        .http
        .post(server.url("/api/operator/v1/login"))
        .json(&json!({"email": "csrf@example.com", "password": "nope"}))
        .send()
        .await
        .expect("login");
    assert_eq!(wrong.status().as_u16(), 401);
    server.stop().await;
}

#[tokio::test]
async fn keyboard_buttons_round_trip() {
    let server = TestServer::start().await;
    let op = server.operator("k@example.com", "K", OperatorRole::Operator).await;
    op.set_status("online").await;
    let v = server.visitor().await;
    v.send("k1", "menu please").await;
    let chat = v.chat_id().await;
    let (code, sent) = op
        .post(
            &format!("/api/operator/v1/chats/{chat}/messages"),
            json!({"clientSideId": "kb", "keyboard": [[{"id": "1", "text": "Да"}, {"id": "2", "text": "Нет"}]]}),
        )
        .await;
    assert_eq!(code, 200, "{sent}");
    let keyboard_id = sent["messageId"].as_str().expect("id").to_owned();
    let (_, bad) =
        v.action("chat.keyboard_response", &[("request-message-id", &keyboard_id), ("button-id", "9")]).await;
    assert_eq!(bad["error"], "cannot-create-response");
    v.ok("chat.keyboard_response", &[("request-message-id", &keyboard_id), ("button-id", "1")]).await;
    let (_, again) =
        v.action("chat.keyboard_response", &[("request-message-id", &keyboard_id), ("button-id", "2")]).await;
    assert_eq!(again["error"], "cannot-create-response", "a completed keyboard takes no second answer");
    let full = v.delta(0, true).await;
    let messages = full["fullUpdate"]["chat"]["messages"].as_array().expect("messages").clone();
    let kb = messages.iter().find(|m| m["kind"] == "keyboard").expect("keyboard");
    assert_eq!(kb["data"]["state"], "completed");
    assert_eq!(kb["data"]["buttons"][0][0]["config"]["state"], "showing_selected");
    let resp = messages.iter().find(|m| m["kind"] == "keyboard_response").expect("response");
    assert_eq!(resp["text"], "Да");
    assert_eq!(kb["data"]["response"]["messageId"], resp["id"]);
    assert_eq!(resp["data"]["request"]["messageId"], json!(keyboard_id));
    server.stop().await;
}

#[tokio::test]
async fn files_upload_download_and_limits() {
    use hmac::{Hmac, Mac};
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&64u32.to_be_bytes());
    png.extend_from_slice(&48u32.to_be_bytes());
    png.extend_from_slice(&[0u8; 64]);
    let upload = |name: &'static str, ctype: &'static str, bytes: Vec<u8>, csid: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("page-id", v.page_id.clone())
            .text("auth-token", v.auth_token.clone())
            .text("chat-mode", "online")
            .text("client-side-id", csid)
            .part(
                "webim_upload_file",
                reqwest::multipart::Part::bytes(bytes).file_name(name).mime_str(ctype).expect("mime"),
            );
        server.http.post(server.url("/l/v/m/upload")).multipart(form).send()
    };
    let resp = upload("photo.png", "image/png", png.clone(), "f1").await.expect("upload");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.expect("json");
    let desc = &body["data"];
    assert_eq!(desc["filename"], "photo.png");
    assert_eq!(desc["content_type"], "image/png");
    assert_eq!(desc["image"]["size"]["width"], json!(64));
    let guid = desc["guid"].as_str().expect("guid").to_owned();
    // The upload posted a file message.
    let full = v.delta(0, true).await;
    let msg = full["fullUpdate"]["chat"]["messages"][0].clone();
    assert_eq!(msg["kind"], "file_visitor");
    let text_desc: Value = serde_json::from_str(msg["text"].as_str().expect("text")).expect("descriptor JSON in text");
    assert_eq!(text_desc["guid"], json!(guid));
    assert_eq!(msg["data"]["file"]["state"], "ready");
    // Signed download.
    let expires =
        (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() + 300).to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(v.auth_token.as_bytes()).expect("key");
    mac.update(format!("{guid}{expires}").as_bytes());
    let hash = hex::encode(mac.finalize().into_bytes());
    let url =
        server.url(&format!("/l/v/m/download/{guid}/photo.png?page-id={}&expires={expires}&hash={hash}", v.page_id));
    let got = server.http.get(&url).send().await.expect("download");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    assert!(got.headers()["content-disposition"].to_str().expect("ascii").starts_with("inline"));
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), png);
    let forged = server.http.get(url.replace(&hash, &"0".repeat(64))).send().await.expect("download");
    assert_eq!(forged.status().as_u16(), 403);
    assert_eq!(forged.json::<Value>().await.expect("json")["error"], "unauthorized");
    // Limits.
    let resp = upload("empty.txt", "text/plain", Vec::new(), "f2").await.expect("upload");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "file_size_too_small");
    let resp = upload("tool.exe", "application/octet-stream", vec![1, 2, 3], "f3").await.expect("upload");
    assert_eq!(resp.status().as_u16(), 415);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "not_allowed_file_type");
    let resp = upload("fake.png", "image/png", b"GIF89a....".to_vec(), "f4").await.expect("upload");
    assert_eq!(resp.status().as_u16(), 415);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "not_matching_magic_numbers");
    let resp = upload("big.txt", "text/plain", vec![b'a'; 10 * 1024 * 1024 + 1], "f5").await.expect("upload");
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "max_file_size_exceeded");
    // Refused uploads left no messages behind.
    let full = v.delta(0, true).await;
    assert_eq!(full["fullUpdate"]["chat"]["messages"].as_array().expect("messages").len(), 1);
    // Withdraw the unread upload.
    let resp: Value = server
        .http
        .get(server.url(&format!("/l/v/file-delete?guid={guid}&page-id={}&auth-token={}", v.page_id, v.auth_token)))
        .send()
        .await
        .expect("delete")
        .json()
        .await
        .expect("json");
    assert_eq!(resp["result"], "ok");
    let full = v.delta(0, true).await;
    assert_eq!(full["fullUpdate"]["chat"]["messages"].as_array().expect("messages").len(), 0);
    server.stop().await;
}

#[tokio::test]
async fn chat_history_requests_are_recorded_and_limited() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let (_, none) = v.action("chat.send_chat_history", &[("email", "me@example.com")]).await;
    assert_eq!(none["error"], "no-chat");
    v.send("h1", "hello").await;
    for _ in 0..5 {
        v.ok("chat.send_chat_history", &[("email", "me@example.com")]).await;
    }
    let (_, sixth) = v.action("chat.send_chat_history", &[("email", "me@example.com")]).await;
    assert_eq!(sixth["error"], "chat-history-sent-too-many-times");
    let (status, bad) = v.action("chat.send_chat_history", &[("email", "not-an-email")]).await;
    assert_eq!((status, bad["error"].as_str()), (400, Some("wrong-argument-value")));
    let visitor_id = beseda_core::ids::VisitorId::parse(v.visitor["id"].as_str().expect("id")).expect("hex");
    let recorded = server.store.outbox("mail.chat_history", visitor_id.as_str()).await.expect("outbox");
    assert_eq!(recorded.len(), 5);
    assert_eq!(recorded[0].payload["email"], "me@example.com");
    server.stop().await;
}

#[tokio::test]
async fn edits_deletes_and_quotes() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    v.send("e1", "typo").await;
    v.send("e1", "fixed").await;
    let full = v.delta(0, true).await;
    let m = &full["fullUpdate"]["chat"]["messages"][0];
    assert_eq!((m["text"].as_str(), m["edited"].as_bool()), (Some("fixed"), Some(true)));
    let id = m["id"].as_str().expect("id").to_owned();
    let quote = json!({"ref": {"msgId": id, "msgChannelSideId": null, "chatId": null}}).to_string();
    v.ok("chat.message", &[("client-side-id", "e2"), ("message", "replying"), ("quote", &quote)]).await;
    let missing = json!({"ref": {"msgId": "0123456789abcdef0123456789abcdef"}}).to_string();
    let (status, body) =
        v.action("chat.message", &[("client-side-id", "e3"), ("message", "x"), ("quote", &missing)]).await;
    assert_eq!(
        (status, body["result"].as_str(), body["data"]["error"].as_str()),
        (200, Some("ok"), Some("quoted-message-not-found"))
    );
    v.ok("chat.delete_message", &[("client-side-id", "e1")]).await;
    let full = v.delta(0, true).await;
    let msgs = full["fullUpdate"]["chat"]["messages"].as_array().expect("messages");
    assert_eq!(msgs.len(), 1, "deleted and refused messages are not shown: {msgs:?}");
    assert_eq!(msgs[0]["quote"]["state"], "filled");
    assert_eq!(msgs[0]["quote"]["message"]["text"], "fixed");
    let (_, gone) = v.action("chat.delete_message", &[("client-side-id", "e1")]).await;
    assert_eq!(gone["error"], "message_not_found");
    // History `since` reports the deletion.
    let h = v.history(&[("since", "0")]).await;
    let all = h["data"]["messages"].as_array().expect("messages");
    assert!(all.iter().any(|m| m["deleted"] == json!(true)));
    assert!(h["data"]["revision"].is_string());
    server.stop().await;
}
