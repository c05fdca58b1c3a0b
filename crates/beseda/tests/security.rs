//! Hardening: settings writes that cannot reset what they leave out, the public origin only
//! from configuration, forwarded client addresses that fail closed, safe file headers, console
//! headers, and length limits on what visitors and integrations store.

mod common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn settings_writes_refuse_unknown_and_missing_keys_and_change_nothing() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    server
        .settings(|s| {
            s.ip_allowlist = "127.0.0.1".into();
            s.hide_others_chats = true;
            s.chat_handlers_signing_secret = "webhook secret".into();
            s.amocrm_api_key = "crm key".into();
        })
        .await;
    let before = server.store.settings().await.expect("settings");
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let full = body["settings"].clone();

    // An empty document, a partial one and one with a typo'd key are refused, naming the keys.
    let mut typo = full.clone();
    typo["hide_other_chats"] = json!(false);
    for (method, doc, code, needle) in [
        (Method::PUT, json!({}), "missing-setting", "ip_allowlist"),
        (Method::PUT, json!({"name": "Renamed"}), "missing-setting", "chat_handlers_signing_secret"),
        (Method::PUT, typo, "unknown-setting", "hide_other_chats"),
        (Method::PATCH, json!({"hide_other_chats": false}), "unknown-setting", "hide_other_chats"),
    ] {
        let (status, answer) = admin.call(method.clone(), "/api/admin/v1/settings", Some(doc.clone())).await;
        assert_eq!((status, answer["error"].as_str()), (422, Some(code)), "{method} {doc}: {answer}");
        assert!(answer["message"].as_str().unwrap_or_default().contains(needle), "{answer}");
        assert_eq!(server.store.settings().await.expect("settings"), before, "{method} {doc} changed nothing");
    }
    let (_, after) = admin.get("/api/admin/v1/settings").await;
    assert_eq!(after["settings"], full, "the settings read back unchanged");

    // The whole document, changed, is saved; a section PATCH keeps the secrets.
    let mut changed = full.clone();
    changed["name"] = json!("Renamed");
    assert_eq!(admin.call(Method::PUT, "/api/admin/v1/settings", Some(changed)).await.0, 200);
    assert_eq!(admin.call(Method::PATCH, "/api/admin/v1/settings", Some(json!({"teleport": true}))).await.0, 200);
    let s = server.store.settings().await.expect("settings");
    assert_eq!((s.name.as_str(), s.teleport, s.amocrm_api_key.as_str()), ("Renamed", true, "crm key"));
    assert_eq!((s.ip_allowlist.as_str(), s.hide_others_chats), ("127.0.0.1", true));
    server.stop().await;
}
