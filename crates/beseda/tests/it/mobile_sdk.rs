//! The mobile SDKs' extras (visitor-api.md §12.1, §14.2, §15.3): light mode's token and badge
//! count, `chat.clear_history`, `geo_response`, action-request acknowledgements,
//! `hint_question`, and `thumb=ios` thumbnails — through HTTP as an app sends them.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use common::*;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// `POST /l/v/m/auth` with the query the iOS SDK builds; status and body.
async fn light_auth(server: &TestServer, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut q = vec![("device-id", "phone-1"), ("location", "mobile"), ("platform", "ios"), ("app-version", "1.0")];
    q.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    q.extend(extra.iter().copied());
    let resp = server.http.post(server.url("/l/v/m/auth")).query(&q).send().await.expect("auth");
    (resp.status().as_u16(), resp.json().await.expect("auth json"))
}

/// `GET /l/v/m/info` with `Authorization: <authorization>` (none when `None`).
async fn light_info(server: &TestServer, authorization: Option<&str>) -> (u16, Value) {
    let mut req = server.http.get(server.url("/l/v/m/info"));
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    let resp = req.send().await.expect("info");
    (resp.status().as_u16(), resp.json().await.expect("info json"))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// An operator online who takes the chat the visitor's first message starts.
async fn chat_with_operator(server: &TestServer, v: &Visitor) -> (Operator, i64) {
    let op = server.operator("anna@example.com", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    v.send("q1", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    let (code, body) = op.post(&format!("/api/operator/v1/chats/{chat}/take"), serde_json::json!({})).await;
    assert_eq!(code, 200, "{body}");
    (op, chat)
}

#[tokio::test]
async fn light_mode_token_polls_the_unread_count_and_inits_its_visitor() {
    let server = TestServer::start().await;
    let (status, auth) = light_auth(&server, &[]).await;
    assert_eq!(status, 200, "{auth}");
    let token = auth["authToken"].as_str().expect("authToken").to_owned();
    let visitor: Value = serde_json::from_str(auth["visitor"].as_str().expect("visitor as JSON text")).expect("json");
    let visitor_id = visitor["id"].as_str().expect("visitor id").to_owned();

    let (status, info) = light_info(&server, Some(&bearer(&token))).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info, serde_json::json!({"unreadMessagesCount": 0, "historyLastChangeTs": null}));

    // The same token and no query: a normal init for that visitor.
    let resp =
        server.http.get(server.url("/l/v/m/init")).header("Authorization", bearer(&token)).send().await.expect("init");
    assert_eq!(resp.status().as_u16(), 200);
    let v = Visitor::from_init(&server, resp.json().await.expect("init json"));
    assert_eq!(v.visitor["id"], visitor_id.as_str());

    let (op, chat) = chat_with_operator(&server, &v).await;
    for (csid, text) in [("r1", "Добрый день"), ("r2", "Заказ в пути")] {
        let (status, body) = op.reply(chat, csid, text).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, info) = light_info(&server, Some(&bearer(&token))).await;
    assert_eq!(info["unreadMessagesCount"], 2, "{info}");
    let changed = info["historyLastChangeTs"].as_f64().expect("a float once there are messages");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs_f64();
    assert!((now - changed).abs() < 60.0, "{changed} is about now");

    v.ok("chat.read_by_visitor", &[]).await;
    let (_, info) = light_info(&server, Some(&bearer(&token))).await;
    assert_eq!(info["unreadMessagesCount"], 0, "{info}");

    // The app sends the visitor back: the same visitor, a new token; both tokens work.
    let visitor_text = auth["visitor"].as_str().expect("visitor").to_owned();
    let (status, again) = light_auth(&server, &[("visitor", visitor_text.as_str())]).await;
    assert_eq!(status, 200, "{again}");
    let again_visitor: Value = serde_json::from_str(again["visitor"].as_str().expect("visitor")).expect("json");
    assert_eq!(again_visitor["id"], visitor_id.as_str());
    assert_ne!(again["authToken"], auth["authToken"]);
    let (status, _) = light_info(&server, Some(&bearer(again["authToken"].as_str().expect("token")))).await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn light_mode_refusals_use_the_protocol_codes() {
    let server = TestServer::start().await;
    for authorization in [None, Some("Bearer 0123456789abcdef"), Some("Basic abc"), Some("Bearer ")] {
        let (status, body) = light_info(&server, authorization).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("unauthorized")), "{authorization:?}: {body}");
    }
    let long = bearer(&"a".repeat(5000));
    let (status, body) = light_info(&server, Some(&long)).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("unauthorized")), "{body}");

    let (status, body) = light_auth(&server, &[("location", "")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")), "{body}");
    let (status, body) = light_auth(&server, &[("location", "nowhere")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    // Signed fields while identification is off cannot be verified.
    let (status, body) = light_auth(&server, &[("provided_visitor", r#"{"fields": {"id": "1"}, "hash": "x"}"#)]).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("wrong-provided-visitor-hash-value")), "{body}");
    let (status, body) = light_auth(&server, &[("provided_auth_token", "never-registered")]).await;
    assert_eq!((status, body["error"].as_str()), (200, Some("provided-auth-token-not-found")), "{body}");
    // An init with an unknown bearer token and no query is refused, not anonymous.
    let resp = server
        .http
        .get(server.url("/l/v/m/init"))
        .header("Authorization", "Bearer 0123456789abcdef")
        .send()
        .await
        .expect("init");
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(resp.json::<Value>().await.expect("json")["error"], "unauthorized");
    server.stop().await;
}

#[tokio::test]
async fn light_tokens_last_thirty_days() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let (_, auth) = light_auth(&server, &[]).await;
    let token = bearer(auth["authToken"].as_str().expect("token"));
    clock.advance(Duration::from_secs(30 * 24 * 3600 - 60));
    assert_eq!(light_info(&server, Some(&token)).await.0, 200, "valid just before 30 days");
    clock.advance(Duration::from_secs(120));
    let (status, body) = light_info(&server, Some(&token)).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("unauthorized")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn clear_history_leaves_only_the_current_chat_in_history() {
    let server = TestServer::start().await;
    let v = Visitor::init(&server, "mobile", None).await;
    let (op, first) = chat_with_operator(&server, &v).await;
    op.reply(first, "r1", "Добрый день").await;
    // The operator closes, then the visitor: the chat is finally closed.
    op.post(&format!("/api/operator/v1/chats/{first}/close"), serde_json::json!({})).await;
    v.ok("chat.close", &[]).await;
    v.send("q2", "Ещё вопрос").await;
    let second = v.chat_id().await;
    assert_ne!(first, second, "a new chat");
    let before = v.history(&[]).await;
    let chats: Vec<&str> =
        before["data"]["messages"].as_array().expect("messages").iter().filter_map(|m| m["chatId"].as_str()).collect();
    assert!(chats.contains(&first.to_string().as_str()), "{before}");

    v.ok("chat.clear_history", &[]).await;
    v.ok("chat.clear_history", &[]).await; // again: nothing more to hide
    let after = v.history(&[]).await;
    let messages = after["data"]["messages"].as_array().expect("messages");
    assert!(!messages.is_empty(), "{after}");
    assert!(messages.iter().all(|m| m["chatId"] == second.to_string().as_str()), "{after}");
    assert_eq!(after["data"]["hasMore"], false);
    // The operator still has the whole chat.
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{first}")).await;
    assert!(detail["messages"].as_array().expect("messages").iter().any(|m| m["text"] == "Добрый день"));
    server.stop().await;
}

#[tokio::test]
async fn geo_response_shows_operators_the_location_and_refuses_bad_coordinates() {
    let server = TestServer::start().await;
    let v = Visitor::init(&server, "mobile", None).await;
    // No chat yet: kept on the visit session.
    v.ok("geo_response", &[("latitude", "55.7558"), ("longitude", "37.6173")]).await;
    let (op, chat) = chat_with_operator(&server, &v).await;
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let location = &detail["visitorContext"]["location"];
    assert_eq!(
        (location["latitude"].as_f64(), location["longitude"].as_f64()),
        (Some(55.7558), Some(37.6173)),
        "{detail}"
    );
    assert!(location["ts"].as_f64().is_some(), "{location}");
    v.ok("geo_response", &[("latitude", "59.9386"), ("longitude", "30.3141")]).await;
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(detail["visitorContext"]["location"]["latitude"], 59.9386, "the latest location");
    let notes: Vec<&Value> =
        detail["messages"].as_array().expect("messages").iter().filter(|m| m["kind"] == "for_operator").collect();
    assert_eq!(notes.len(), 1, "{detail}");
    assert_eq!(notes[0]["data"]["geo"], serde_json::json!({"latitude": 59.9386, "longitude": 30.3141}));
    assert!(notes[0]["text"].as_str().expect("text").contains("59.938600, 30.314100"), "{}", notes[0]);
    // The visitor never sees the note.
    let full = v.delta(0, true).await;
    assert!(!full.to_string().contains("59.9386"), "{full}");
    assert!(!v.history(&[]).await.to_string().contains("59.9386"));

    for (lat, lon) in [("91", "0"), ("0", "-180.5"), ("abc", "1"), ("NaN", "1"), ("1", "inf"), ("1e400", "1")] {
        let (status, body) = v.action("geo_response", &[("latitude", lat), ("longitude", lon)]).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (200, Some("invalid-coordinates-received")),
            "{lat},{lon}: {body}"
        );
    }
    let (status, body) = v.action("geo_response", &[("latitude", "1")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")), "{body}");
    let (status, body) = v.action("geo_response", &[("latitude", &"1".repeat(65)), ("longitude", "1")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn action_request_acknowledgements_need_an_action_request_of_the_visitor() {
    let server = TestServer::start().await;
    let v = Visitor::init(&server, "mobile", None).await;
    v.send("mine", "Привет").await;
    let (status, body) = v.action("chat.action_request.call_sentry_action_request", &[]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")), "{body}");
    // Not an action request: the visitor's own message, or nothing at all.
    for id in ["mine", "0123456789abcdef0123456789abcdef"] {
        let (status, body) =
            v.action("chat.action_request.call_sentry_action_request", &[("client-side-id", id)]).await;
        assert_eq!((status, body["error"].as_str()), (200, Some("message_not_found")), "{id}: {body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn hint_questions_are_marked_for_operators() {
    let server = TestServer::start().await;
    let v = Visitor::init(&server, "mobile", None).await;
    // The first message starts the chat and is itself the hint question.
    v.ok("chat.message", &[("client-side-id", "h1"), ("message", "Как оформить возврат?"), ("hint_question", "true")])
        .await;
    v.ok("chat.message", &[("client-side-id", "h2"), ("message", "Спасибо"), ("hint_question", "0")]).await;
    let (status, body) =
        v.action("chat.message", &[("client-side-id", "h3"), ("message", "?"), ("hint_question", "maybe")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");

    let chat = v.chat_id().await;
    let op = server.operator("admin@example.com", "Админ", OperatorRole::Admin).await;
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let by_text = |text: &str| -> Value {
        detail["messages"].as_array().expect("messages").iter().find(|m| m["text"] == text).cloned().expect(text)
    };
    assert_eq!(by_text("Как оформить возврат?")["hintQuestion"], true, "{detail}");
    assert!(by_text("Спасибо").get("hintQuestion").is_none(), "{detail}");
    assert!(!detail.to_string().contains("\"?\""), "the refused message was not written");
    server.stop().await;
}

async fn upload(server: &TestServer, v: &Visitor, name: &str, mime: &str, bytes: Vec<u8>) -> String {
    upload_file(server, v, name, mime, bytes).await
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("png");
    out.into_inner()
}

async fn fetch(server: &TestServer, url: &str) -> (u16, String, Vec<u8>) {
    let resp = server.http.get(url).send().await.expect("download");
    let status = resp.status().as_u16();
    let kind = resp.headers().get("content-type").and_then(|c| c.to_str().ok()).unwrap_or("").to_owned();
    (status, kind, resp.bytes().await.expect("bytes").to_vec())
}

#[tokio::test]
async fn ios_thumbnails_are_jpegs_of_at_most_300_pixels() {
    let server = TestServer::start().await;
    let v = Visitor::init(&server, "mobile", None).await;
    let original = png(700, 501);
    let guid = upload(&server, &v, "photo.png", "image/png", original.clone()).await;
    let url = v.download_url(&guid, "photo.png");

    let (status, kind, bytes) = fetch(&server, &format!("{url}&thumb=ios")).await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    let thumb = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("a JPEG");
    assert_eq!((thumb.width(), thumb.height()), (300, 215));
    let (_, kind, bytes) = fetch(&server, &url).await;
    assert_eq!((kind.as_str(), bytes == original), ("image/png", true), "without thumb: the original");

    // A small image keeps its size; a non-image is served as it is.
    let guid = upload(&server, &v, "icon.png", "image/png", png(64, 32)).await;
    let (_, kind, bytes) = fetch(&server, &format!("{}&thumb=ios", v.download_url(&guid, "icon.png"))).await;
    assert_eq!(kind, "image/jpeg");
    let small = image::load_from_memory(&bytes).expect("jpeg");
    assert_eq!((small.width(), small.height()), (64, 32));
    let guid = upload(&server, &v, "notes.txt", "text/plain", b"just text".to_vec()).await;
    let (_, _, bytes) = fetch(&server, &format!("{}&thumb=ios", v.download_url(&guid, "notes.txt"))).await;
    assert_eq!(bytes, b"just text");
    // The link is still checked first.
    let (status, _, _) = fetch(&server, &format!("{}&thumb=ios", url.replace("hash=", "hash=0"))).await;
    assert_eq!(status, 403);
    server.stop().await;
}

#[tokio::test]
async fn light_mode_answers_are_what_the_openapi_document_promises() {
    let server = TestServer::start().await;
    let resp = server.http.get(server.url("/l/v/openapi.json")).send().await.expect("openapi");
    let doc: Value = resp.json().await.expect("openapi json");
    let (status, auth) = light_auth(&server, &[]).await;
    common::openapi::assert_conforms(&doc, "POST", "/l/v/m/auth", status, &auth);
    let token = bearer(auth["authToken"].as_str().expect("token"));
    let (status, info) = light_info(&server, Some(&token)).await;
    common::openapi::assert_conforms(&doc, "GET", "/l/v/m/info", status, &info);
    let (status, refused) = light_info(&server, None).await;
    common::openapi::assert_conforms(&doc, "GET", "/l/v/m/info", status, &refused);
    server.stop().await;
}
