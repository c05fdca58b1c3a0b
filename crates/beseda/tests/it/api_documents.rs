//! The operator and admin APIs answer what their OpenAPI documents promise: real requests
//! through the server, each answer (successes and refusals) checked against the served
//! document with `common::openapi::assert_conforms`, and the event stream's frames too.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::{ApiUrls, ServerConfig};
use common::mock_http::MockHttp;
use common::openapi::assert_conforms;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

const OPERATOR_DOC: &str = "/api/operator/v1/openapi.json";
const ADMIN_DOC: &str = "/api/admin/v1/openapi.json";
const TELEGRAM_TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";

/// Sends `method path` as `who` and checks the answer against `doc`; `template` is the
/// document's path; answers the status and body.
async fn checked(
    doc: &Value,
    who: &Operator,
    method: Method,
    template: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, answer) = who.call(method.clone(), path, body).await;
    assert_conforms(doc, method.as_str(), template, status, &answer);
    (status, answer)
}

#[tokio::test]
async fn operator_api_answers_match_the_document() {
    let server = TestServer::start().await;
    let doc = get_json(&server.http, &server.url(OPERATOR_DOC)).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    server.settings(|s| s.categories = vec!["Доставка".into()]).await;
    let mut events = anna.events(0).await;

    // Login and the account.
    let resp = server
        .http
        .post(server.url("/api/operator/v1/login"))
        .json(&json!({"email": "anna@x.io", "password": "password123"}))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 200);
    assert_conforms(&doc, "POST", "/api/operator/v1/login", 200, &resp.json().await.expect("json"));
    let resp = server
        .http
        .post(server.url("/api/operator/v1/tokens"))
        .json(&json!({"email": "anna@x.io", "password": "wrong-password"}))
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status().as_u16(), 401);
    assert_conforms(&doc, "POST", "/api/operator/v1/tokens", 401, &resp.json().await.expect("json"));
    checked(&doc, &anna, Method::GET, "/api/operator/v1/me", "/api/operator/v1/me", None).await;
    let (status, _) = checked(
        &doc,
        &anna,
        Method::PUT,
        "/api/operator/v1/status",
        "/api/operator/v1/status",
        Some(json!({"status": "online"})),
    )
    .await;
    assert_eq!(status, 200);
    checked(&doc, &anna, Method::GET, "/api/operator/v1/directory", "/api/operator/v1/directory", None).await;

    // A visitor writes; the chat in the lists, taken by a reply, with a note, read, closed.
    let v = server.visitor().await;
    v.send("q1", "Здравствуйте, вопрос о доставке").await;
    let chat = v.chat_id().await;
    let (_, list) =
        checked(&doc, &anna, Method::GET, "/api/operator/v1/chats", "/api/operator/v1/chats?list=waiting", None).await;
    assert!(list["chats"].as_array().expect("chats").iter().any(|c| c["id"] == chat), "{list}");
    checked(&doc, &anna, Method::GET, "/api/operator/v1/visitors", "/api/operator/v1/visitors", None).await;
    let (status, sent) = checked(
        &doc,
        &anna,
        Method::POST,
        "/api/operator/v1/chats/{id}/messages",
        &format!("/api/operator/v1/chats/{chat}/messages"),
        Some(json!({"clientSideId": "r1", "text": "Добрый день!", "keyboard": [[{"id": "a", "text": "Да"}]]})),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    let chat_path = |tail: &str| format!("/api/operator/v1/chats/{chat}{tail}");
    for (tail, body) in [
        ("/typing", json!({"typing": true})),
        ("/notes", json!({"text": "постоянный клиент"})),
        ("/read", json!({})),
        ("/category", json!({"category": "Доставка"})),
    ] {
        let (status, answer) = checked(
            &doc,
            &anna,
            Method::POST,
            &format!("/api/operator/v1/chats/{{id}}{tail}"),
            &chat_path(tail),
            Some(body),
        )
        .await;
        assert_eq!(status, 200, "{tail}: {answer}");
    }
    let (status, detail) = checked(&doc, &anna, Method::GET, "/api/operator/v1/chats/{id}", &chat_path(""), None).await;
    assert_eq!(status, 200);
    assert!(detail["messages"].as_array().is_some_and(|m| m.len() >= 2), "{detail}");
    // Refusals: a wrong argument, a chat that is not there, another operator's chat.
    let (status, _) = checked(
        &doc,
        &anna,
        Method::POST,
        "/api/operator/v1/chats/{id}/messages",
        &chat_path("/messages"),
        Some(json!({"clientSideId": "", "text": "x"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) =
        checked(&doc, &anna, Method::GET, "/api/operator/v1/chats/{id}", "/api/operator/v1/chats/999999", None).await;
    assert_eq!(status, 404);
    let (status, _) =
        checked(&doc, &boris, Method::POST, "/api/operator/v1/chats/{id}/take", &chat_path("/take"), None).await;
    assert!((400..500).contains(&status), "{status}");
    let (status, _) =
        checked(&doc, &anna, Method::POST, "/api/operator/v1/chats/{id}/close", &chat_path("/close"), None).await;
    assert_eq!(status, 200);
    let (status, history) =
        checked(&doc, &anna, Method::GET, "/api/operator/v1/history", "/api/operator/v1/history", None).await;
    assert_eq!(status, 200, "{history}");

    // Templates of one's own.
    let (status, saved) = checked(
        &doc,
        &anna,
        Method::PUT,
        "/api/operator/v1/templates",
        "/api/operator/v1/templates",
        Some(json!({"lang": "ru", "title": "Привет", "text": "Здравствуйте!"})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    checked(&doc, &anna, Method::GET, "/api/operator/v1/templates", "/api/operator/v1/templates", None).await;
    let id = saved["template"]["id"].as_i64().expect("id");
    checked(
        &doc,
        &anna,
        Method::DELETE,
        "/api/operator/v1/templates/{id}",
        &format!("/api/operator/v1/templates/{id}"),
        None,
    )
    .await;
    checked(&doc, &anna, Method::POST, "/api/operator/v1/2fa/setup", "/api/operator/v1/2fa/setup", None).await;

    // The stored events, read and pushed.
    let (_, page) =
        checked(&doc, &anna, Method::GET, "/api/operator/v1/events", "/api/operator/v1/events?cursor=0", None).await;
    let kinds: Vec<&str> =
        page["events"].as_array().expect("events").iter().filter_map(|e| e["type"].as_str()).collect();
    for kind in ["chat_updated", "message_added", "chat_assigned", "operator_status"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    for _ in 0..kinds.len() {
        let frame = next_json(&mut events, 5).await;
        assert_conforms(&doc, "GET", "/api/operator/v1/events/ws", 101, &frame);
    }
    server.stop().await;
}

#[tokio::test]
async fn admin_api_answers_match_the_document() {
    let server = TestServer::start().await;
    let doc = get_json(&server.http, &server.url(ADMIN_DOC)).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let operator = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;

    // Settings: read, written back whole, patched; an operator is refused.
    let (status, settings) =
        checked(&doc, &admin, Method::GET, "/api/admin/v1/settings", "/api/admin/v1/settings", None).await;
    assert_eq!(status, 200);
    let (status, answer) = checked(
        &doc,
        &admin,
        Method::PUT,
        "/api/admin/v1/settings",
        "/api/admin/v1/settings",
        Some(settings["settings"].clone()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) = checked(
        &doc,
        &admin,
        Method::PATCH,
        "/api/admin/v1/settings",
        "/api/admin/v1/settings",
        Some(json!({"name": "Магазин"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = checked(
        &doc,
        &admin,
        Method::PATCH,
        "/api/admin/v1/settings",
        "/api/admin/v1/settings",
        Some(json!({"no_such_setting": 1})),
    )
    .await;
    assert_eq!(status, 422);
    // A value of the wrong type names its setting.
    for bad in [json!({"offline_queue_limit": -1}), json!({"offline_queue_limit": "5"})] {
        let (status, answer) = admin.call(Method::PATCH, "/api/admin/v1/settings", Some(bad.clone())).await;
        assert_eq!((status, answer["error"].as_str()), (422, Some("invalid-setting")), "{bad}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|d| d.starts_with("offline_queue_limit:")), "{answer}");
    }
    let (status, _) =
        checked(&doc, &operator, Method::GET, "/api/admin/v1/settings", "/api/admin/v1/settings", None).await;
    assert_eq!(status, 403);

    // Departments and operators.
    let (status, _) = checked(
        &doc,
        &admin,
        Method::PUT,
        "/api/admin/v1/departments/{key}",
        "/api/admin/v1/departments/sales",
        Some(json!({"name": "Продажи"})),
    )
    .await;
    assert_eq!(status, 200);
    checked(&doc, &admin, Method::GET, "/api/admin/v1/departments", "/api/admin/v1/departments", None).await;
    checked(&doc, &admin, Method::GET, "/api/admin/v1/operators", "/api/admin/v1/operators", None).await;
    let (status, created) = checked(
        &doc,
        &admin,
        Method::POST,
        "/api/admin/v1/operators",
        "/api/admin/v1/operators",
        Some(json!({"email": "new@x.io", "name": "Новый", "password": "long-enough-1", "departmentKeys": ["sales"]})),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["operator"]["id"].as_i64().expect("id");
    let (status, _) = checked(
        &doc,
        &admin,
        Method::PUT,
        "/api/admin/v1/operators/{id}",
        &format!("/api/admin/v1/operators/{id}"),
        Some(json!({"name": "Новая", "email": "new@x.io", "role": "supervisor"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = checked(
        &doc,
        &admin,
        Method::PUT,
        "/api/admin/v1/operators/{id}/profile",
        &format!("/api/admin/v1/operators/{id}/profile"),
        Some(json!({"languages": ["ru", "en"], "maxChats": 3})),
    )
    .await;
    assert_eq!(status, 200);
    for tail in ["/password-reset", "/deactivate", "/activate"] {
        let (status, answer) = checked(
            &doc,
            &admin,
            Method::POST,
            &format!("/api/admin/v1/operators/{{id}}{tail}"),
            &format!("/api/admin/v1/operators/{id}{tail}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{tail}: {answer}");
    }
    let (status, _) = checked(
        &doc,
        &admin,
        Method::POST,
        "/api/admin/v1/operators",
        "/api/admin/v1/operators",
        Some(json!({"email": "new@x.io", "name": "Ещё", "password": "long-enough-1"})),
    )
    .await;
    assert!((400..500).contains(&status), "{status}");

    // Templates, blocks, history.
    let (status, saved) = checked(
        &doc,
        &admin,
        Method::PUT,
        "/api/admin/v1/templates",
        "/api/admin/v1/templates",
        Some(json!({"lang": "ru", "text": "Спасибо за обращение", "departmentKey": "sales"})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    checked(&doc, &admin, Method::GET, "/api/admin/v1/templates", "/api/admin/v1/templates", None).await;
    checked(&doc, &admin, Method::GET, "/api/admin/v1/visitor-blocks", "/api/admin/v1/visitor-blocks?active=1", None)
        .await;
    checked(&doc, &admin, Method::GET, "/api/admin/v1/history", "/api/admin/v1/history", None).await;
    let (status, _) = checked(
        &doc,
        &admin,
        Method::DELETE,
        "/api/admin/v1/operators/{id}",
        &format!("/api/admin/v1/operators/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    server.stop().await;
}

/// The admin answers built from integrations and reports: bots, placements, channels (custom
/// and messengers), statistics, the Unisender export, chat event handler calls and the audit
/// log — every one checked against the document, the lists and single objects alike.
#[tokio::test]
async fn admin_integrations_and_reports_match_the_document() {
    let services = MockHttp::start().await;
    let tg = |method: &str| format!("/bot{TELEGRAM_TOKEN}/{method}");
    services.answer(
        &tg("getMe"),
        200,
        r#"{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Б","username":"b_bot"}}"#,
    );
    services.answer(&tg("setWebhook"), 200, r#"{"ok":true,"result":true}"#);
    services.answer("/ru/api/getLists", 200, r#"{"result":[{"id":7,"title":"Beseda"}]}"#);
    let config = ServerConfig { api_urls: ApiUrls::all_at(&services.url("")), ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let doc = get_json(&server.http, &server.url(ADMIN_DOC)).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let bot = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let get = |path: &'static str| checked(&doc, &admin, Method::GET, path, path, None);

    // Bots.
    let body = json!({"operatorId": bot.id, "webhookUrl": services.url("/bot"), "sendChatClosed": true});
    let (status, saved) =
        checked(&doc, &admin, Method::PUT, "/api/admin/v1/bots", "/api/admin/v1/bots", Some(body)).await;
    assert_eq!(status, 200, "{saved}");
    let (status, bots) = get("/api/admin/v1/bots").await;
    assert_eq!((status, bots["bots"][0]["token"].clone()), (200, saved["token"].clone()));
    let (status, _) = checked(
        &doc,
        &admin,
        Method::PUT,
        "/api/admin/v1/bots",
        "/api/admin/v1/bots",
        Some(json!({"operatorId": 999_999})),
    )
    .await;
    assert_eq!(status, 404);

    // Placements: saved, read one, listed; an unknown one is refused.
    let placement = "/api/admin/v1/placements/{key}";
    let body = json!({"title": "Магазин", "lang": "ru", "helloMessage": "Здравствуйте!"});
    let (status, saved) =
        checked(&doc, &admin, Method::PUT, placement, "/api/admin/v1/placements/shop", Some(body)).await;
    assert_eq!(status, 200, "{saved}");
    let (status, one) = checked(&doc, &admin, Method::GET, placement, "/api/admin/v1/placements/shop", None).await;
    assert_eq!((status, &one), (200, &saved));
    let (status, _) = checked(&doc, &admin, Method::GET, placement, "/api/admin/v1/placements/none", None).await;
    assert_eq!(status, 404);
    let (status, list) = get("/api/admin/v1/placements").await;
    assert_eq!(status, 200);
    assert!(list["placements"].as_array().is_some_and(|p| p.contains(&saved)), "{list}");

    // Channels: a custom one, a Telegram bot and a VK community; listed without secrets.
    let channels = "/api/admin/v1/channels";
    for body in [
        json!({"title": "Мост", "callbackUrl": services.url("/hook")}),
        json!({"title": "Telegram", "kind": "telegram", "config": {"botToken": TELEGRAM_TOKEN}}),
        json!({"title": "VK", "kind": "vk", "config": {"accessToken": "vk1.a.key", "confirmation": "d8v2ve07"}}),
    ] {
        let (status, saved) = checked(&doc, &admin, Method::PUT, channels, channels, Some(body)).await;
        assert_eq!(status, 200, "{saved}");
        assert!(saved["secret"].is_string(), "{saved}");
    }
    let (status, list) = get("/api/admin/v1/channels").await;
    assert_eq!((status, list["channels"].as_array().map(Vec::len)), (200, Some(3)), "{list}");
    assert!(list["channels"][0].get("secret").is_none(), "{list}");

    // A chat for the reports, with a chat event handler call delivered and sent again.
    server.settings(|s| s.chat_started_handler_url = services.url("/started")).await;
    let v = server.visitor().await;
    v.send("q1", "Здравствуйте").await;
    services.wait_until(10, |r| r.iter().any(|c| c.path() == "/started")).await;
    let mut calls = json!(null);
    for _ in 0..50 {
        calls = get("/api/admin/v1/webhooks").await.1;
        if calls["deliveries"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let id = calls["deliveries"][0]["id"].as_i64().unwrap_or_else(|| panic!("a delivered call: {calls}"));
    let resend = "/api/admin/v1/webhooks/{id}/resend";
    let (status, _) =
        checked(&doc, &admin, Method::POST, resend, &format!("/api/admin/v1/webhooks/{id}/resend"), None).await;
    assert_eq!(status, 200);
    let (status, _) = checked(&doc, &admin, Method::POST, resend, "/api/admin/v1/webhooks/999999/resend", None).await;
    assert_eq!(status, 404);

    // Statistics, by day, operator, category and subcategory, and the outcome counters.
    let (status, stats) = get("/api/admin/v1/stats").await;
    assert_eq!((status, stats["total"]["chats"].as_i64()), (200, Some(1)), "{stats}");
    let (status, _) =
        checked(&doc, &admin, Method::GET, "/api/admin/v1/stats", "/api/admin/v1/stats?group=operator", None).await;
    assert_eq!(status, 200);
    for group in ["category", "subcategory"] {
        let (status, _) = checked(
            &doc,
            &admin,
            Method::GET,
            "/api/admin/v1/stats",
            &format!("/api/admin/v1/stats?group={group}"),
            None,
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, _) =
        checked(&doc, &admin, Method::GET, "/api/admin/v1/stats", "/api/admin/v1/stats?group=week", None).await;
    assert_eq!(status, 400);
    assert_eq!(get("/api/admin/v1/stats/outcomes").await.0, 200);

    // The Unisender export: none yet, refused until set up, then started.
    let export = "/api/admin/v1/integrations/unisender/export";
    let (status, none) = get(export).await;
    assert_eq!((status, &none), (200, &json!({"export": null, "percent": 0})));
    let (status, _) = checked(&doc, &admin, Method::POST, export, export, None).await;
    assert_eq!(status, 422);
    server
        .settings(|s| {
            s.unisender_api_key = "unisender-key".into();
            s.unisender_list_name = "Beseda".into();
        })
        .await;
    let (status, started) = checked(&doc, &admin, Method::POST, export, export, None).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(get(export).await.0, 200);

    // The audit log saw it all.
    let (status, log) = get("/api/admin/v1/audit").await;
    assert_eq!(status, 200);
    assert!(log["entries"].as_array().is_some_and(|e| e.len() >= 5), "{log}");
    server.stop().await;
}
