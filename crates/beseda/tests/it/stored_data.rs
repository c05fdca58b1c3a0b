//! Stored Data API (stored-data-api.md): Basic auth by an administrator, the error model and
//! the reference data methods, through real HTTP.

use crate::common;

use beseda_core::state::OperatorRole;
use common::TestServer;
use serde_json::{json, Value};
use std::time::Duration;

async fn get(server: &TestServer, path: &str, user: Option<(&str, &str)>) -> (u16, Option<String>, Value) {
    let mut req = server.http.get(server.url(path));
    if let Some((email, password)) = user {
        req = req.basic_auth(email, Some(password));
    }
    let resp = req.send().await.expect("send");
    let status = resp.status().as_u16();
    // What the answer tells the client to do: the challenge of a 401, the wait of a 429.
    let told = ["www-authenticate", "retry-after"]
        .iter()
        .find_map(|h| resp.headers().get(*h))
        .map(|v| v.to_str().expect("ascii").to_owned());
    (status, told, resp.json().await.expect("json"))
}

const ADMIN: Option<(&str, &str)> = Some(("Admin@X.io", "password123"));

#[tokio::test]
async fn only_administrators_get_in() {
    let server = TestServer::start().await;
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    for user in [None, Some(("admin@x.io", "wrong")), Some(("nobody@x.io", "password123"))] {
        let (code, challenge, body) = get(&server, "/api/v2/operators", user).await;
        assert_eq!((code, challenge.as_deref()), (401, Some("Basic realm=\"Beseda\"")), "{user:?}");
        assert_eq!(body["error"], "unauthorized");
    }
    let (code, _, body) = get(&server, "/api/v2/operators", Some(("op@x.io", "password123"))).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("forbidden")));
    // The e-mail is case-insensitive; v3 and v4 are aliases; v1 does not exist.
    for version in ["v2", "v3", "v4"] {
        let (code, _, body) = get(&server, &format!("/api/{version}/operators"), ADMIN).await;
        assert_eq!(code, 200, "{version}: {body}");
        assert_eq!(body.as_array().map(Vec::len), Some(2));
    }
    assert_eq!(get(&server, "/api/v1/operators", ADMIN).await.0, 404);
    let (code, _, body) = get(&server, "/api/v2/visitors", ADMIN).await;
    assert_eq!((code, body), (200, json!({"error": "unknown-method"})));
    server.stop().await;
}

/// A passed password check is remembered for a few minutes (clients send the password with
/// every call), but only while the account is as it was: a password reset ends it at once.
#[tokio::test]
async fn a_remembered_login_ends_with_the_password() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let boss = server.operator("boss@x.io", "Главный", OperatorRole::Admin).await;
    for _ in 0..3 {
        assert_eq!(get(&server, "/api/v2/operators", ADMIN).await.0, 200);
    }
    let (code, reset) = boss.post(&format!("/api/admin/v1/operators/{}/password-reset", admin.id), json!({})).await;
    assert_eq!(code, 200, "{reset}");
    let (code, _, body) = get(&server, "/api/v2/operators", ADMIN).await;
    assert_eq!((code, body["error"].as_str()), (401, Some("unauthorized")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn operators_departments_and_categories_as_the_spec_shows() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна Петрова", OperatorRole::Operator).await;
    let department = json!({"name": "Продажи", "localeNames": {"en": "Sales"}, "order": 100});
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/departments/sales", Some(department)).await;
    assert_eq!(code, 200, "{body}");
    let profile = json!({"departmentKeys": ["sales"], "languages": ["ru"]});
    let (code, body) =
        admin.call(reqwest::Method::PUT, &format!("/api/admin/v1/operators/{}/profile", anna.id), Some(profile)).await;
    assert_eq!(code, 200, "{body}");
    anna.set_status("online").await;
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let mut settings = body["settings"].clone();
    settings["categories"] = json!(["Вопросы по товарам", " Доставка", "Жалобы"]);
    assert_eq!(admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings)).await.0, 200);

    let (_, _, operators) = get(&server, "/api/v2/operators", ADMIN).await;
    let a = &operators[1];
    let keys: Vec<&str> = a.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["avatar_url", "created_at", "department_keys", "email", "full_name", "id", "robot", "roles", "status"]
    );
    assert_eq!((a["id"].as_i64(), a["full_name"].as_str()), (Some(anna.id), Some("Анна Петрова")));
    assert_eq!((a["status"].as_str(), a["roles"].clone()), (Some("online"), json!(["operator"])));
    assert_eq!(operators[0]["roles"], json!(["operator", "admin"]));
    assert_eq!(a["department_keys"], json!(["sales"]));
    assert_eq!(a["robot"], json!(false));
    let created = a["created_at"].as_str().expect("time");
    assert!(created.len() == 24 && created.ends_with('Z') && created.as_bytes()[19] == b'.', "{created}");

    // A second department, and a change to the first: ids are numeric, distinct and kept.
    let support = json!({"name": "Поддержка", "order": 100});
    assert_eq!(admin.call(reqwest::Method::PUT, "/api/admin/v1/departments/another", Some(support)).await.0, 200);
    let department = json!({"name": "Продажи", "localeNames": {"en": "Sales"}, "order": 100});
    assert_eq!(admin.call(reqwest::Method::PUT, "/api/admin/v1/departments/sales", Some(department)).await.0, 200);
    let (_, _, departments) = get(&server, "/api/v2/departments", ADMIN).await;
    let keys: Vec<&str> = departments.as_array().expect("array").iter().filter_map(|d| d["key"].as_str()).collect();
    assert_eq!(keys, ["sales", "another"], "ordered by order, then id");
    assert_eq!((departments[0]["id"].as_i64(), departments[1]["id"].as_i64()), (Some(1), Some(2)));
    let sales = &departments[0];
    assert_eq!(sales["name"], "Продажи");
    assert_eq!(sales["locale_to_name"]["en"], "Sales");
    assert_eq!((sales["order"].as_i64(), sales["online_status"].as_str()), (Some(100), Some("online")));
    assert_eq!(sales["operator_ids"], json!([anna.id]));

    let (_, _, categories) = get(&server, "/api/v2/categories", ADMIN).await;
    assert_eq!(
        categories,
        json!([
            {"id": 1, "name": "Вопросы по товарам", "parent_id": null},
            {"id": 2, "name": "Доставка", "parent_id": 1},
            {"id": 3, "name": "Жалобы", "parent_id": null}
        ])
    );
    server.stop().await;
}

#[tokio::test]
async fn password_guessing_is_blocked_for_a_while() {
    let clock = std::sync::Arc::new(beseda_core::time::ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    server.operator("boss@x.io", "Начальник", OperatorRole::Admin).await;
    for _ in 0..5 {
        let (code, _, body) = get(&server, "/api/v2/operators", Some(("admin@x.io", "guess"))).await;
        assert_eq!((code, body["error"].as_str()), (401, Some("unauthorized")));
    }
    // Now even the right password is refused for this e-mail from this address.
    let (code, _, body) = get(&server, "/api/v2/operators", ADMIN).await;
    assert_eq!((code, body["error"].as_str()), (429, Some("too-many-attempts")));
    let (code, _, _) = get(&server, "/api/v2/operators", Some(("boss@x.io", "password123"))).await;
    assert_eq!(code, 200, "another administrator is not blocked");
    clock.advance(std::time::Duration::from_secs(15 * 60 + 1));
    assert_eq!(get(&server, "/api/v2/operators", ADMIN).await.0, 200);
    server.stop().await;
}

#[tokio::test]
async fn a_chat_is_exported_with_its_visitor_and_messages() {
    let server = TestServer::start().await;
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна Петрова", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q1", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    let (code, body) = anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(anna.reply(chat, "a1", "Заказ в пути, будет завтра.").await.0, 200);
    let anna_id = anna.id.to_string();
    v.ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "2"), ("visitor_note", "Спасибо!")]).await;

    let (code, _, body) = get(&server, &format!("/api/v2/chat?id={chat}"), ADMIN).await;
    assert_eq!(code, 200);
    let c = &body["chat"];
    let keys: Vec<&str> = c.as_object().expect("chat").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "category",
            "channel",
            "client_side_id",
            "closed_at",
            "created_at",
            "department",
            "first_question",
            "id",
            "location",
            "messages",
            "modified_at",
            "offline",
            "operator_id",
            "ratings",
            "state",
            "subcategory",
            "subject",
            "visitor"
        ]
    );
    assert_eq!((c["id"].as_i64(), c["state"].as_str()), (Some(chat), Some("chatting")));
    assert_eq!(c["operator_id"].as_i64(), Some(anna.id));
    assert_eq!(c["first_question"], "Где мой заказ?");
    assert_eq!(c["channel"], json!({"type": "widget", "id": null}));
    assert!(c["closed_at"].is_null());
    let ratings = c["ratings"].as_array().expect("ratings");
    assert_eq!(ratings.len(), 1);
    assert_eq!((ratings[0]["operator_id"].as_i64(), ratings[0]["rating"].as_i64()), (Some(anna.id), Some(2)));
    assert_eq!(ratings[0]["visitor_note"], "Спасибо!");
    assert_eq!(ratings[0]["created_at"].as_str().map(str::len), Some(24));
    assert_eq!(c["visitor"]["provided_id"], Value::Null);
    let messages = c["messages"].as_array().expect("messages");
    let question = messages.iter().find(|m| m["kind"] == "visitor").expect("question");
    assert_eq!(
        (question["text"].as_str(), question["message"].as_str()),
        (Some("Где мой заказ?"), Some("Где мой заказ?"))
    );
    assert!(question["operator_id"].is_null());
    let answer = messages.iter().find(|m| m["kind"] == "operator").expect("answer");
    assert_eq!((answer["operator_id"].as_i64(), answer["name"].as_str()), (Some(anna.id), Some("Анна Петрова")));
    assert_eq!(answer["created_at"].as_str().map(str::len), Some(24));

    // A chat from the mobile SDK.
    let (_, resp) = common::Visitor::init_raw(&server, "default", None, &[("platform", "ios".into())]).await;
    let phone = common::Visitor::from_init(&server, resp);
    phone.send("m1", "С телефона").await;
    let (_, _, body) = get(&server, &format!("/api/v2/chat?id={}", phone.chat_id().await), ADMIN).await;
    assert_eq!(body["chat"]["channel"], json!({"type": "mobile", "id": null}));

    for (query, error) in [
        ("", "argument-missing"),
        ("?id=-1", "wrong-argument-value"),
        ("?id=0", "wrong-argument-value"),
        ("?id=999999", "chat-not-found"),
        ("?id=abc", "chat-not-found"),
    ] {
        let (code, _, body) = get(&server, &format!("/api/v2/chat{query}"), ADMIN).await;
        assert_eq!((code, body), (200, json!({"error": error})), "{query}");
    }
    server.stop().await;
}

/// The first string under a `guid` key anywhere in `v`.
fn find_guid(v: &Value) -> Option<String> {
    match v {
        Value::Object(map) => {
            map.get("guid").and_then(Value::as_str).map(str::to_owned).or_else(|| map.values().find_map(find_guid))
        }
        Value::Array(items) => items.iter().find_map(find_guid),
        Value::String(s) => serde_json::from_str::<Value>(s).ok().filter(|p| p.is_object()).and_then(|p| find_guid(&p)),
        _ => None,
    }
}

#[tokio::test]
async fn chat_files_are_downloaded_with_the_same_credentials() {
    let server = TestServer::start().await;
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let v = server.visitor().await;
    v.send("q1", "Вот чек").await;
    let content = b"%PDF-1.4 receipt".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("page-id", v.page_id.clone())
        .text("auth-token", v.auth_token.clone())
        .text("client-side-id", "file-1")
        .part(
            "webim_upload_file",
            reqwest::multipart::Part::bytes(content.clone())
                .file_name("чек.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let resp = server.http.post(server.url("/l/v/m/upload")).multipart(form).send().await.expect("upload");
    assert_eq!(resp.status().as_u16(), 200);

    let (_, _, body) = get(&server, &format!("/api/v2/chat?id={}", v.chat_id().await), ADMIN).await;
    let file_message =
        body["chat"]["messages"].as_array().expect("messages").iter().find(|m| m["kind"] == "file_visitor").cloned();
    let guid = find_guid(&file_message.expect("the file message")).expect("a guid");
    let path = format!("/api/v2/file/{guid}");
    let resp =
        server.http.get(server.url(&path)).basic_auth("admin@x.io", Some("password123")).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), content);
    assert_eq!(get(&server, &path, None).await.0, 401);
    let (code, _, body) = get(&server, &format!("/api/v2/file/{}", "0".repeat(32)), ADMIN).await;
    assert_eq!((code, body), (200, json!({"error": "file-not-found"})));
    server.stop().await;
}

/// Pages through `/chats` from `since`; returns every chat id in order and the last cursor.
/// Like a real client it waits when told to (the API allows 20 calls a second per administrator).
async fn export_all(server: &TestServer, mut since: i64, pages: &mut usize) -> (Vec<i64>, i64) {
    let mut ids = Vec::new();
    loop {
        let path = format!("/api/v2/chats?since={since}");
        let (mut code, mut wait, mut body) = get(server, &path, ADMIN).await;
        while code == 429 {
            let secs: u64 = wait.as_deref().and_then(|w| w.parse().ok()).expect("Retry-After with a 429");
            tokio::time::sleep(Duration::from_secs(secs)).await;
            (code, wait, body) = get(server, &path, ADMIN).await;
        }
        assert_eq!(code, 200, "{body}");
        let chats = body["chats"].as_array().expect("chats");
        assert!(chats.len() <= 100, "a page holds at most 100 chats");
        let last_ts = body["last_ts"].as_i64().expect("integer last_ts");
        if chats.is_empty() {
            assert_eq!(last_ts, since, "an empty page echoes since");
        } else {
            assert!(last_ts > since, "the cursor moves forward");
        }
        ids.extend(chats.iter().map(|c| c["id"].as_i64().expect("id")));
        *pages += 1;
        since = last_ts;
        if body["more_chats_available"] == json!(false) {
            return (ids, since);
        }
        assert_eq!(chats.len(), 100, "only the last page is short");
    }
}

async fn thousand_chats_page_once(server: TestServer) {
    server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let mut made = Vec::new();
    for batch in 0..50 {
        let chats = futures_util::future::join_all((0..20).map(|i| {
            let server = &server;
            async move {
                let v = server.visitor().await;
                v.send("q1", &format!("Вопрос {batch}-{i}")).await;
                (v.chat_id().await, v)
            }
        }))
        .await;
        made.extend(chats);
    }
    let mut expected: Vec<i64> = made.iter().map(|(id, _)| *id).collect();
    expected.sort_unstable();

    // A full export: each chat exactly once, in pages of 100.
    let mut pages = 0;
    let (ids, cursor) = export_all(&server, 0, &mut pages).await;
    assert_eq!(pages, 10, "1,000 chats are ten full pages");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected, "every chat exactly once");

    // Nothing changed: nothing new.
    let (again, same) = export_all(&server, cursor, &mut pages).await;
    assert!(again.is_empty());
    assert_eq!(same, cursor);

    // Chats that change come again, after the cursor, once each.
    for (_, v) in made.iter().step_by(100) {
        v.send("q2", "Ещё вопрос").await;
    }
    let (changed, cursor) = export_all(&server, cursor, &mut pages).await;
    let mut want: Vec<i64> = made.iter().step_by(100).map(|(id, _)| *id).collect();
    want.sort_unstable();
    let mut got = changed.clone();
    got.sort_unstable();
    assert_eq!(got, want);
    // The last one comes with its new message.
    let (_, _, body) = get(&server, &format!("/api/v2/chats?since={}", cursor - 1), ADMIN).await;
    let texts: Vec<&str> =
        body["chats"][0]["messages"].as_array().expect("messages").iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&"Ещё вопрос"), "{texts:?}");

    // Export while visitors keep writing: every chat still arrives, none is lost between pages.
    let writer = async {
        for (_, v) in made.iter().skip(7).step_by(37) {
            v.send("q3", "Пишу во время выгрузки").await;
        }
    };
    let mut pages = 0;
    let ((ids, _), ()) = tokio::join!(export_all(&server, 0, &mut pages), writer);
    let seen: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), expected);

    for (query, error) in [("?since=-1", "wrong-argument-value"), ("?since=abc", "wrong-argument-value")] {
        let (code, _, body) = get(&server, &format!("/api/v2/chats{query}"), ADMIN).await;
        assert_eq!((code, body), (200, json!({"error": error})), "{query}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_thousand_chats_page_out_each_exactly_once() {
    thousand_chats_page_once(TestServer::start_with(many_visitors()).await).await;
}

/// A thousand visitors, all from the loopback: the per-address visitor limits are off.
fn many_visitors() -> beseda_server::ServerConfig {
    let limits = beseda_server::throttle::Limits {
        visitor_inits_per_minute: 0,
        visitor_chats_per_minute: 0,
        visitor_messages_per_minute: 0,
        ..Default::default()
    };
    beseda_server::ServerConfig {
        longpoll_hold: std::time::Duration::from_secs(5),
        limits,
        ..beseda_server::ServerConfig::default()
    }
}
