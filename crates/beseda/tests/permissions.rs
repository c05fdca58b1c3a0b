//! Roles at the API level. Every route of the workspace and admin API (read from the OpenAPI
//! document, so a new route must be classified here) is called as an operator, a supervisor and
//! an administrator; forbidden calls are 403 with a code and change nothing. Chats of other
//! operators are hidden from operators when `hide_others_chats` is on.

mod common;

use beseda_core::state::OperatorRole;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

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
        ("GET", "/api/operator/v1/directory".into(), Anyone, None),
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
        ("GET", "/api/admin/v1/webhooks".into(), AdminOnly, None),
        ("POST", "/api/admin/v1/webhooks/{id}/resend".replace("{id}", "999999"), AdminOnly, Some(json!({}))),
        ("GET", "/api/operator/v1/me".into(), Anyone, None),
        ("PUT", "/api/operator/v1/status".into(), Anyone, Some(json!({"status": "online"}))),
        ("GET", "/api/operator/v1/chats?list=waiting".into(), Anyone, None),
        ("GET", c("/api/operator/v1/chats/{id}"), Anyone, None),
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
    "POST /api/operator/v1/login",
    "POST /api/operator/v1/tokens",
    "POST /api/operator/v1/logout",
    "GET /api/operator/v1/events/ws",
];

/// What a forbidden call must not have changed.
async fn snapshot(server: &TestServer) -> String {
    let s = &server.store;
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        s.settings().await.expect("settings"),
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
    let spec = get_json(&server.http, &server.url("/api/operator/v1/openapi.json")).await;
    let mut documented = BTreeSet::new();
    for (path, methods) in spec["paths"].as_object().expect("paths") {
        for method in methods.as_object().expect("methods").keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
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
            .replace("/templates/999999", "/templates/{id}")
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
