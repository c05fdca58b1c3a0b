//! Roles at the API level. Every route of the workspace and admin API (read from the OpenAPI
//! document, so a new route must be classified here) is called as an operator, a supervisor and
//! an administrator; forbidden calls are 403 with a code and change nothing. Chats of other
//! operators are hidden from operators when `hide_others_chats` is on, and chats nobody holds
//! from operators of other departments and languages, on every channel an operator reads: one
//! chat, the lists, the event log over HTTP and WebSocket (typing drafts included), and the
//! files in the chat's messages (`beseda_core::visibility`).

use crate::common;

use beseda_core::ids::OperatorId;
use beseda_core::model::Department;
use beseda_core::state::OperatorRole;
use common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Anyone,
    SupervisorUp,
    AdminOnly,
}

/// Every route with its access and a call that is valid for the right role.
fn routes(chat: i64, operator: i64) -> Vec<(&'static str, String, Access, Option<Value>)> {
    use Access::*;
    let c = |p: &str| p.replace("{id}", &chat.to_string());
    let template = json!({"lang": "ru", "title": "Привет", "text": "Здравствуйте!"});
    vec![
        ("PATCH", "/api/admin/v1/settings".into(), AdminOnly, Some(json!({"name": "Patched by a test"}))),
        ("GET", "/api/admin/v1/departments".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/bots".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/placements".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/channels".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/operators".into(), SupervisorUp, None),
        (
            "POST",
            "/api/admin/v1/operators".into(),
            AdminOnly,
            Some(json!({"email": "new@x.io", "name": "Новый", "password": "long enough"})),
        ),
        (
            "PUT",
            format!("/api/admin/v1/operators/{operator}"),
            SupervisorUp,
            Some(json!({"name": "Оператор", "email": "op@x.io"})),
        ),
        ("POST", "/api/admin/v1/operators/999999/password-reset".into(), AdminOnly, Some(json!({}))),
        ("POST", "/api/admin/v1/operators/999999/deactivate".into(), AdminOnly, Some(json!({}))),
        ("POST", "/api/admin/v1/operators/999999/activate".into(), AdminOnly, Some(json!({}))),
        ("DELETE", "/api/admin/v1/operators/999999".into(), AdminOnly, None),
        (
            "PUT",
            "/api/operator/v1/password".into(),
            Anyone,
            Some(json!({"currentPassword": "not the password", "newPassword": "a new password"})),
        ),
        ("GET", "/api/admin/v1/templates".into(), AdminOnly, None),
        ("PUT", "/api/admin/v1/templates".into(), AdminOnly, Some(template.clone())),
        ("DELETE", "/api/admin/v1/templates/999999".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/surveys".into(), AdminOnly, None),
        (
            "PUT",
            "/api/admin/v1/surveys".into(),
            AdminOnly,
            Some(json!({"title": "Опрос", "forms": [{"questions": [{"type": "stars", "text": "Оцените"}]}]})),
        ),
        ("DELETE", "/api/admin/v1/surveys/999999".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/surveys/results".into(), SupervisorUp, None),
        ("GET", "/api/operator/v1/directory".into(), Anyone, None),
        ("GET", "/api/operator/v1/languages".into(), Anyone, None),
        ("PUT", "/api/operator/v1/interface-lang".into(), Anyone, Some(json!({"interfaceLang": ""}))),
        ("GET", "/api/operator/v1/templates".into(), Anyone, None),
        ("PUT", "/api/operator/v1/templates".into(), Anyone, Some(template)),
        ("DELETE", "/api/operator/v1/templates/999999".into(), Anyone, None),
        ("PUT", "/api/operator/v1/profile".into(), Anyone, Some(json!({"name": "Я", "email": "me@x.io"}))),
        ("GET", "/api/admin/v1/settings".into(), AdminOnly, None),
        (
            "PUT",
            "/api/admin/v1/settings".into(),
            AdminOnly,
            Some(json!(beseda_core::settings::OrgSettings { name: "Changed by a test".into(), ..Default::default() })),
        ),
        ("PUT", "/api/admin/v1/departments/{key}".replace("{key}", "newdep"), AdminOnly, Some(json!({"name": "New"}))),
        (
            "PUT",
            "/api/admin/v1/operators/{id}/profile".replace("{id}", "1"),
            AdminOnly,
            Some(json!({"languages": ["ru"]})),
        ),
        ("PUT", "/api/admin/v1/bots".into(), AdminOnly, Some(json!({"operatorId": 999_999}))),
        ("PUT", "/api/admin/v1/channels".into(), AdminOnly, Some(json!({"title": "Channel"}))),
        (
            "PUT",
            "/api/admin/v1/placements/{key}".replace("{key}", "newplace"),
            AdminOnly,
            Some(json!({"title": "Place"})),
        ),
        ("GET", "/api/admin/v1/placements/{key}".replace("{key}", "default"), AdminOnly, None),
        ("GET", "/api/admin/v1/stats/outcomes".into(), SupervisorUp, None),
        ("GET", "/api/admin/v1/stats?group=operator".into(), SupervisorUp, None),
        ("GET", "/api/admin/v1/history?q=x".into(), SupervisorUp, None),
        ("POST", "/api/admin/v1/integrations/unisender/export".into(), AdminOnly, Some(json!({}))),
        ("GET", "/api/admin/v1/integrations/unisender/export".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/integrations/crm".into(), AdminOnly, None),
        (
            "POST",
            "/api/admin/v1/integrations/crm/{service}/check".replace("{service}", "zendesk"),
            AdminOnly,
            Some(json!({})),
        ),
        ("GET", "/api/admin/v1/webhooks".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/audit".into(), AdminOnly, None),
        ("GET", "/api/admin/v1/visitor-blocks".into(), AdminOnly, None),
        ("POST", "/api/admin/v1/visitor-blocks/999999/lift".into(), AdminOnly, Some(json!({}))),
        ("GET", "/api/operator/v1/visitors".into(), Anyone, None),
        ("POST", "/api/admin/v1/webhooks/{id}/resend".replace("{id}", "999999"), AdminOnly, Some(json!({}))),
        ("GET", "/api/operator/v1/me".into(), Anyone, None),
        ("POST", "/api/operator/v1/2fa/setup".into(), Anyone, Some(json!({}))),
        ("POST", "/api/operator/v1/2fa/enable".into(), Anyone, Some(json!({"code": "000000"}))),
        ("POST", "/api/operator/v1/2fa/disable".into(), Anyone, Some(json!({"password": "wrong", "code": "000000"}))),
        ("POST", "/api/admin/v1/operators/999999/2fa-reset".into(), AdminOnly, Some(json!({}))),
        ("GET", "/api/operator/v1/push/key".into(), Anyone, None),
        ("GET", "/api/operator/v1/push/subscription".into(), Anyone, None),
        (
            "PUT",
            "/api/operator/v1/push/subscription".into(),
            Anyone,
            Some(json!({"endpoint": "https://push.example.com/permissions",
                "keys": {"p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
                    "auth": "BTBZMqHH6r4Tts7J_aSIgg"}})),
        ),
        (
            "DELETE",
            "/api/operator/v1/push/subscription".into(),
            Anyone,
            Some(json!({"endpoint": "https://push.example.com/x"})),
        ),
        ("PUT", "/api/operator/v1/status".into(), Anyone, Some(json!({"status": "online"}))),
        ("GET", "/api/operator/v1/chats?list=waiting".into(), Anyone, None),
        ("GET", c("/api/operator/v1/chats/{id}"), Anyone, None),
        ("GET", "/api/operator/v1/history?q=x".into(), Anyone, None),
        ("GET", "/api/operator/v1/events?cursor=0".into(), Anyone, None),
    ]
}

/// Routes that act on one chat or session, covered by the chat tests rather than here.
const CHAT_ACTIONS: &[&str] = &[
    "POST /api/operator/v1/chats/{id}/take",
    "POST /api/operator/v1/chats/{id}/messages",
    "POST /api/operator/v1/chats/{id}/typing",
    "POST /api/operator/v1/chats/{id}/teleport",
    "POST /api/operator/v1/chats/{id}/read",
    "POST /api/operator/v1/chats/{id}/close",
    "POST /api/operator/v1/chats/{id}/redirect",
    "POST /api/operator/v1/chats/{id}/category",
    "POST /api/operator/v1/chats/{id}/files",
    "POST /api/operator/v1/chats/{id}/notes",
    // Covered by the message_deletion tests (the author only; a chat one may not see answers as
    // any other action there).
    "DELETE /api/operator/v1/chats/{id}/messages/{messageId}",
    "GET /api/operator/v1/files/{guid}",
    "GET /api/operator/v1/files/{guid}/image",
    // Covered by the visitors tests (visibility of the visitor decides).
    "POST /api/operator/v1/visitors/{id}/invite",
    "POST /api/operator/v1/visitors/{id}/block",
    "POST /api/operator/v1/login",
    "POST /api/operator/v1/tokens",
    "POST /api/operator/v1/logout",
    "GET /api/operator/v1/events/ws",
];

/// What a forbidden call must not have changed.
async fn snapshot(server: &TestServer) -> String {
    let s = &server.store;
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        s.settings().await.expect("settings"),
        s.surveys().await.expect("surveys"),
        s.operators().await.expect("operators"),
        s.templates(None).await.expect("templates"),
        s.departments().await.expect("departments"),
        s.bots().await.expect("bots").len(),
        s.channels().await.expect("channels").len(),
        s.placement("newplace").await.expect("placement"),
        s.export_job("unisender").await.expect("export").map(|j| j.id),
    )
}

#[tokio::test]
async fn every_route_answers_each_role_as_it_should() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let supervisor = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let operator = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    operator.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Вопрос").await;
    let chat = v.chat_id().await;

    // Every documented route is classified.
    // (The operator and the admin API each have their document.)
    let mut documented = BTreeSet::new();
    for doc in ["/api/operator/v1/openapi.json", "/api/admin/v1/openapi.json"] {
        let spec = get_json(&server.http, &server.url(doc)).await;
        for (path, methods) in spec["paths"].as_object().expect("paths") {
            for method in methods.as_object().expect("methods").keys() {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let table = routes(chat, operator.id);
    let mut classified: BTreeSet<String> = CHAT_ACTIONS.iter().map(|s| (*s).to_owned()).collect();
    for (method, path, ..) in &table {
        let template = path
            .split('?')
            .next()
            .unwrap_or_default()
            .replace(&format!("/chats/{chat}"), "/chats/{id}")
            .replace("/departments/newdep", "/departments/{key}")
            .replace("/operators/1/", "/operators/{id}/")
            .replace("/placements/newplace", "/placements/{key}")
            .replace("/placements/default", "/placements/{key}")
            .replace("/webhooks/999999/", "/webhooks/{id}/")
            .replace("/visitor-blocks/999999/", "/visitor-blocks/{id}/")
            .replace("/templates/999999", "/templates/{id}")
            .replace("/surveys/999999", "/surveys/{id}")
            .replace("/crm/zendesk/", "/crm/{service}/")
            .replace("/admin/v1/operators/999999", "/admin/v1/operators/{id}")
            .replace(&format!("/admin/v1/operators/{}", operator.id), "/admin/v1/operators/{id}");
        classified.insert(format!("{method} {template}"));
    }
    let missing: Vec<&String> = documented.difference(&classified).collect();
    assert!(missing.is_empty(), "routes without an expected access: {missing:?}");

    for (hide, who, role) in [false, true]
        .into_iter()
        .flat_map(|hide| [(hide, &operator, OperatorRole::Operator), (hide, &supervisor, OperatorRole::Supervisor)])
    {
        server.settings(|s| s.hide_others_chats = hide).await;
        for (method, path, access, body) in &table {
            let allowed = match access {
                Access::Anyone => true,
                Access::SupervisorUp => role != OperatorRole::Operator,
                Access::AdminOnly => false,
            };
            let before = snapshot(&server).await;
            let (code, answer) = who.call(method.parse().expect("method"), path, body.clone()).await;
            if allowed {
                assert_ne!(code, 403, "{role:?} hide={hide} {method} {path}: {answer}");
            } else {
                assert_eq!(
                    (code, answer["error"].as_str()),
                    (403, Some("forbidden")),
                    "{role:?} hide={hide} {method} {path}: {answer}"
                );
                assert_eq!(snapshot(&server).await, before, "{role:?} hide={hide} {method} {path} changed something");
            }
        }
    }
    // The administrator may do everything (some bodies are refused as invalid, never forbidden).
    for (method, path, _, body) in &table {
        let (code, answer) = admin.call(method.parse().expect("method"), path, body.clone()).await;
        assert_ne!(code, 403, "admin {method} {path}: {answer}");
    }
    server.stop().await;
}

#[tokio::test]
async fn other_operators_chats_are_hidden_from_operators_when_the_setting_says_so() {
    let server = TestServer::start().await;
    let supervisor = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Вопрос").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    let detail = format!("/api/operator/v1/chats/{chat}");
    for hide in [false, true] {
        server.settings(|s| s.hide_others_chats = hide).await;
        let (code, body) = boris.get(&detail).await;
        let (list_code, list) = boris.get("/api/operator/v1/chats?list=others").await;
        if hide {
            assert_eq!((code, body["error"].as_str()), (403, Some("hidden-by-settings")), "{body}");
            assert_eq!((list_code, list["error"].as_str()), (403, Some("hidden-by-settings")));
        } else {
            assert_eq!(code, 200, "{body}");
            assert_eq!(list_code, 200);
        }
        // The holder, supervisors and administrators always see it.
        for who in [&anna, &supervisor, &admin] {
            assert_eq!(who.get(&detail).await.0, 200, "hide={hide}");
        }
        for who in [&supervisor, &admin] {
            assert_eq!(who.get("/api/operator/v1/chats?list=others").await.0, 200, "hide={hide}");
        }
        // Whatever the setting, an operator's changes to a colleague's chat are refused as
        // taken (409), and nothing changes.
        let before = server.store.chat(beseda_core::ids::ChatId(chat)).await.expect("chat").expect("exists");
        for (action, body) in [
            ("take", json!({})),
            ("messages", json!({"clientSideId": format!("b-{hide}"), "text": "Это мой чат"})),
            ("close", json!({})),
            ("redirect", json!({"queue": true})),
            ("category", json!({"category": "VIP"})),
            ("read", json!({})),
        ] {
            let (code, answer) = boris.post(&format!("/api/operator/v1/chats/{chat}/{action}"), body).await;
            assert_eq!((code, answer["error"].as_str()), (409, Some("chat-taken")), "{action}: {answer}");
        }
        let after = server.store.chat(beseda_core::ids::ChatId(chat)).await.expect("chat").expect("exists");
        assert_eq!((after.chat, after.messages.len()), (before.chat, before.messages.len()));
    }
    server.stop().await;
}

// ------------------------------------------------------------------ the event stream and files

async fn department(server: &TestServer, key: &str) {
    let d =
        Department { id: 0, key: key.into(), name: key.into(), locale_names: BTreeMap::new(), order: 0, logo: None };
    server.store.upsert_department(&d).await.expect("department");
}

async fn profile(server: &TestServer, op: &Operator, departments: &[&str], languages: &[&str]) {
    let deps: Vec<String> = departments.iter().map(|d| (*d).to_owned()).collect();
    let langs: Vec<String> = languages.iter().map(|l| (*l).to_owned()).collect();
    server.store.set_operator_profile(OperatorId(op.id), &deps, &langs, None).await.expect("profile");
}

/// The visitor's typing with a draft, as the widget sends it.
async fn draft(v: &Visitor, text: &str) {
    v.ok("chat.visitor_typing", &[("typing", "true"), ("message-draft", text)]).await;
}

/// The visitor uploads a file into their chat; returns its guid.
async fn upload(server: &TestServer, v: &Visitor, name: &str) -> String {
    upload_file(server, v, name, "text/plain", b"secret contract".to_vec()).await
}

/// Frames of a socket up to `marker`'s status change, which every operator receives: whatever
/// came before it on that socket is all the socket was going to get.
async fn frames_until_marker(ws: &mut Ws, marker: &Operator, status: &str) -> Vec<Value> {
    marker.set_status(status).await;
    let mut got = Vec::new();
    loop {
        let e = next_json(ws, 10).await;
        if e["type"] == "operator_status" && e["operatorId"] == json!(marker.id) && e["status"] == status {
            return got;
        }
        got.push(e);
    }
}

/// What of chat `chat` got through: every event about it other than the bare `chat_hidden`
/// notice (which says only that the chat is not the viewer's to see).
fn about(events: &[Value], chat: i64) -> Vec<Value> {
    events
        .iter()
        .filter(|e| e.get("chatId") == Some(&json!(chat)) || e.pointer("/chat/id") == Some(&json!(chat)))
        .filter(|e| {
            let bare = e["type"] == "chat_hidden"
                && e.as_object().is_some_and(|o| o.keys().all(|k| ["type", "chatId", "seq"].contains(&k.as_str())));
            !bare
        })
        .cloned()
        .collect()
}

/// The stored events an operator reads over HTTP after `cursor`, and the cursor returned.
async fn http_events(op: &Operator, cursor: i64) -> (Vec<Value>, i64) {
    let (code, body) = op.get(&format!("/api/operator/v1/events?cursor={cursor}")).await;
    assert_eq!(code, 200, "{body}");
    (body["events"].as_array().expect("events").clone(), body["cursor"].as_i64().expect("cursor"))
}

#[tokio::test]
async fn the_event_stream_shows_an_operator_only_the_chats_they_may_see() {
    the_event_stream_shows_an_operator_only_the_chats_they_may_see_on().await;
}

async fn the_event_stream_shows_an_operator_only_the_chats_they_may_see_on() {
    let server = TestServer::start().await;
    let supervisor = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Вопрос").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);

    for (round, hide) in [true, false].into_iter().enumerate() {
        server.settings(|s| s.hide_others_chats = hide).await;
        let cursor = server.store.last_operator_event().await.expect("cursor");
        let mut sockets = Vec::new();
        for who in [&boris, &supervisor, &admin] {
            sockets.push(who.events(cursor).await);
        }
        // Anna's chat: the visitor writes, types a draft, sends a file; Anna answers.
        let secret = format!("секрет-{round}");
        let typed = format!("черновик-{round}");
        v.send(&format!("s{round}"), &secret).await;
        draft(&v, &typed).await;
        let guid = upload(&server, &v, &format!("contract-{round}.txt")).await;
        assert_eq!(anna.reply(chat, &format!("a{round}"), "Ответ Анны").await.0, 200);

        let status = if round == 0 { "invisible" } else { "online" };
        for (ws, who) in sockets.iter_mut().zip(["boris", "supervisor", "admin"]) {
            let frames = frames_until_marker(ws, &supervisor, status).await;
            let seen = about(&frames, chat);
            let text = serde_json::to_string(&frames).expect("json");
            let sees = !hide || who != "boris";
            assert_eq!(text.contains(&secret), sees, "{who} hide={hide}: message text");
            assert_eq!(text.contains(&typed), sees, "{who} hide={hide}: typing draft");
            assert_eq!(text.contains(&guid), sees, "{who} hide={hide}: file");
            assert_eq!(text.contains("Ответ Анны"), sees, "{who} hide={hide}: Anna's answer");
            if !sees {
                assert!(seen.is_empty(), "{who} hide={hide} got events of Anna's chat: {seen:?}");
            }
        }
        // The plain read: the same events, the cursor past the hidden ones.
        let last = server.store.last_operator_event().await.expect("cursor");
        for (who, name) in [(&boris, "boris"), (&supervisor, "supervisor"), (&admin, "admin")] {
            let (events, next) = http_events(who, cursor).await;
            assert_eq!(next, last, "{name}: the cursor moves past hidden events");
            let text = serde_json::to_string(&events).expect("json");
            let sees = !hide || name != "boris";
            assert_eq!(text.contains(&secret), sees, "{name} hide={hide}: message text over HTTP");
            assert_eq!(text.contains(&guid), sees, "{name} hide={hide}: file over HTTP");
            if !sees {
                assert!(about(&events, chat).is_empty(), "{name} hide={hide}: {events:?}");
            }
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn operators_read_and_take_only_waiting_chats_of_their_departments_and_languages() {
    operators_read_and_take_only_waiting_chats_of_their_departments_and_languages_on().await;
}

async fn operators_read_and_take_only_waiting_chats_of_their_departments_and_languages_on() {
    let server = TestServer::start().await;
    department(&server, "sales").await;
    department(&server, "support").await;
    let supervisor = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let sales = server.operator("sales@x.io", "Продажи", OperatorRole::Operator).await;
    let support = server.operator("support@x.io", "Поддержка", OperatorRole::Operator).await;
    profile(&server, &sales, &["sales"], &["ru"]).await;
    profile(&server, &support, &["support"], &["ru"]).await;
    profile(&server, &supervisor, &["sales"], &["ru"]).await;
    support.set_status("online").await;
    let cursor = server.store.last_operator_event().await.expect("cursor");
    let mut sales_ws = sales.events(cursor).await;
    let mut support_ws = support.events(cursor).await;

    let v = server.visitor().await;
    v.ok("chat.start", &[("department-key", "support"), ("first-question", "тайный вопрос")]).await;
    let chat = v.chat_id().await;
    draft(&v, "тайный черновик").await;
    let guid = upload(&server, &v, "support.txt").await;
    let detail = format!("/api/operator/v1/chats/{chat}");

    // Sales: not in the lists, not readable, nothing on the stream, cannot take or answer it.
    let refused = |(code, body): (u16, Value)| (code, body["error"].as_str().map(str::to_owned));
    let not_served = (403, Some("chat-not-served".to_owned()));
    assert_eq!(refused(sales.get(&detail).await), not_served);
    for path in [format!("/api/operator/v1/files/{guid}"), format!("/api/operator/v1/files/{guid}/image")] {
        assert_eq!(refused(sales.get(&path).await), not_served, "{path}");
    }
    let (_, waiting) = sales.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(waiting["chats"], json!([]));
    let frames = frames_until_marker(&mut sales_ws, &supervisor, "online").await;
    let text = serde_json::to_string(&frames).expect("json");
    assert!(about(&frames, chat).is_empty() && !text.contains("тайный") && !text.contains(&guid), "{frames:?}");
    let (events, _) = http_events(&sales, cursor).await;
    assert!(about(&events, chat).is_empty(), "{events:?}");
    let before = server.store.chat(beseda_core::ids::ChatId(chat)).await.expect("chat").expect("exists");
    for (action, body) in [
        ("take", json!({})),
        ("messages", json!({"clientSideId": "s1", "text": "Это продажи"})),
        ("close", json!({})),
        ("redirect", json!({"queue": true})),
        ("category", json!({"category": "VIP"})),
        ("notes", json!({"text": "Заметка продаж"})),
    ] {
        let answer = refused(sales.post(&format!("{detail}/{action}"), body).await);
        assert_eq!(answer, not_served, "{action}");
    }
    let after = server.store.chat(beseda_core::ids::ChatId(chat)).await.expect("chat").expect("exists");
    assert_eq!((after.chat, after.messages.len()), (before.chat, before.messages.len()));

    // Support (its department) and the supervisor (everything) see all of it.
    let frames = frames_until_marker(&mut support_ws, &supervisor, "invisible").await;
    let text = serde_json::to_string(&frames).expect("json");
    assert!(text.contains("тайный вопрос") && text.contains("тайный черновик") && text.contains(&guid), "{frames:?}");
    assert_eq!(support.get(&detail).await.0, 200);
    assert_eq!(supervisor.get(&detail).await.0, 200);
    for who in [&support, &supervisor] {
        assert_eq!(who.get(&format!("/api/operator/v1/files/{guid}")).await.0, 200);
    }

    // Multilingual: the chat is Russian; an operator of the department without Russian is
    // refused likewise, with Russian served.
    server.settings(|s| s.multilang = true).await;
    profile(&server, &support, &["support"], &["en"]).await;
    assert_eq!(refused(support.get(&detail).await), not_served);
    assert_eq!(refused(support.post(&format!("{detail}/take"), json!({})).await), not_served);
    let (events, _) = http_events(&support, cursor).await;
    assert!(about(&events, chat).is_empty(), "{events:?}");
    assert_eq!(supervisor.get(&detail).await.0, 200, "supervisors see every language");
    profile(&server, &support, &["support"], &["en", "ru"]).await;
    assert_eq!(support.get(&detail).await.0, 200);
    assert_eq!(support.post(&format!("{detail}/take"), json!({})).await.0, 200);

    // Files: an operator has no credentials that fetch a visitor's file; the signed link
    // belongs to the visitor's page, so nothing but the chat's messages names the file.
    let (code, _) = sales.get(&format!("/l/v/m/download/{guid}/support.txt")).await;
    assert_eq!(code, 403, "an operator's token does not open a visitor's file");
    server.stop().await;
}

/// The lists and the one-chat route apply the same rule: for every viewer and setting, the open
/// chats in some list are exactly the open chats the viewer may read.
#[tokio::test]
async fn the_lists_show_exactly_the_chats_an_operator_may_read() {
    let server = TestServer::start().await;
    department(&server, "sales").await;
    department(&server, "support").await;
    let supervisor = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let sales = server.operator("sales@x.io", "Продажи", OperatorRole::Operator).await;
    let support = server.operator("support@x.io", "Поддержка", OperatorRole::Operator).await;
    let anyone = server.operator("any@x.io", "Все", OperatorRole::Operator).await;
    profile(&server, &sales, &["sales"], &["ru"]).await;
    profile(&server, &support, &["support"], &["en"]).await;
    for op in [&sales, &support, &anyone] {
        op.set_status("online").await;
    }
    let mut chats = Vec::new();
    for (i, dep) in ["sales", "support", "", "sales", "support"].into_iter().enumerate() {
        let v = server.visitor().await;
        let mut fields = vec![("first-question", "вопрос")];
        if !dep.is_empty() {
            fields.push(("department-key", dep));
        }
        v.ok("chat.start", &fields).await;
        chats.push(v.chat_id().await);
        // Some are taken: by the sales operator, by the operator of every department.
        let holder = match i {
            3 => Some(&sales),
            4 => Some(&anyone),
            _ => None,
        };
        if let Some(h) = holder {
            assert_eq!(h.post(&format!("/api/operator/v1/chats/{}/take", chats[i]), json!({})).await.0, 200);
        }
    }
    for (hide, multilang) in [(false, false), (true, false), (false, true), (true, true)] {
        server
            .settings(|s| {
                s.hide_others_chats = hide;
                s.multilang = multilang;
            })
            .await;
        for (who, name) in [(&sales, "sales"), (&support, "support"), (&anyone, "anyone"), (&supervisor, "supervisor")]
        {
            let mut listed = BTreeSet::new();
            for list in ["waiting", "mine", "others", "bots"] {
                let (code, body) = who.get(&format!("/api/operator/v1/chats?list={list}")).await;
                if code == 403 {
                    continue;
                }
                for c in body["chats"].as_array().expect("chats") {
                    listed.insert(c["id"].as_i64().expect("id"));
                }
            }
            let mut readable = BTreeSet::new();
            for c in &chats {
                if who.get(&format!("/api/operator/v1/chats/{c}")).await.0 == 200 {
                    readable.insert(*c);
                }
            }
            assert_eq!(listed, readable, "{name} hide={hide} multilang={multilang}");
        }
    }
    server.stop().await;
}

/// The admin turning hidden chats on or off reaches open workspaces at once: every operator's
/// stream carries `workspace_changed`, and `/me` then tells the new rule. Settings that do not
/// shape the workspace send nothing.
#[tokio::test]
async fn workspace_settings_changes_reach_operators_live() {
    workspace_settings_changes_reach_operators_live_on().await;
}

async fn workspace_settings_changes_reach_operators_live_on() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let (_, cursor) = http_events(&anna, 0).await;
    let patch = |body: Value| admin.call(reqwest::Method::PATCH, "/api/admin/v1/settings", Some(body));
    assert_eq!(patch(json!({"hide_others_chats": true})).await.0, 200);
    let (events, cursor) = http_events(&anna, cursor).await;
    assert_eq!(events.iter().filter(|e| e["type"] == "workspace_changed").count(), 1, "{events:?}");
    assert_eq!(anna.get("/api/operator/v1/me").await.1["workspace"]["hideOthersChats"], true);
    assert_eq!(patch(json!({"button_probability": 50})).await.0, 200);
    let (events, cursor) = http_events(&anna, cursor).await;
    assert!(events.iter().all(|e| e["type"] != "workspace_changed"), "{events:?}");
    assert_eq!(patch(json!({"hide_others_chats": false})).await.0, 200);
    let (events, _) = http_events(&anna, cursor).await;
    assert!(events.iter().any(|e| e["type"] == "workspace_changed"), "{events:?}");
    assert_eq!(anna.get("/api/operator/v1/me").await.1["workspace"]["hideOthersChats"], false);
    server.stop().await;
}
