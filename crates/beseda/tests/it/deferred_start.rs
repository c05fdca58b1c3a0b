//! `chat.start` when the organisation starts chats only with the visitor's first message
//! (`chat_start_after_message`): what the visitor chose with it holds when the message comes.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_department_chosen_with_chat_start_is_the_first_messages_chat_department() {
    let server = TestServer::start().await;
    server.settings(|s| s.chat_start_after_message = true).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    for (key, order) in [("sales", 1), ("support", 2)] {
        let path = format!("/api/admin/v1/departments/{key}");
        let (code, body) = admin.call(Method::PUT, &path, Some(json!({"name": key, "order": order}))).await;
        assert_eq!(code, 200, "{body}");
    }
    admin.set_status("online").await;

    let v = server.visitor().await;
    v.ok("chat.start", &[("department-key", "support")]).await;
    assert!(v.delta(0, true).await["fullUpdate"]["chat"].is_null(), "the chat waits for the first message");
    v.send("m1", "Не работает вход").await;
    let chat = v.chat_id().await;
    let (code, detail) = admin.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    assert_eq!(detail["chat"]["departmentKey"], "support", "{detail}");

    // Without a choice, a chat started by a message goes where such a chat goes: the first
    // department by sort order that can take it.
    let w = server.visitor().await;
    w.send("m1", "Сколько стоит?").await;
    let other = w.chat_id().await;
    let (_, detail) = admin.get(&format!("/api/operator/v1/chats/{other}")).await;
    assert_eq!(detail["chat"]["departmentKey"], "sales", "{detail}");
    server.stop().await;
}
