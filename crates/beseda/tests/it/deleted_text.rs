//! A deleted message's text is not given to staff: a visitor deletes a message after an
//! operator took the chat, an operator deletes a file of theirs, and no read of the operator API
//! returns what they said — the chat (`GET /chats/{id}`), the lists' previews, the event log
//! read back (`GET /events`, the event socket from cursor 0), history (operator and admin,
//! JSON and CSV: not found by its text, not the first question) — while the chat keeps both
//! messages with `"deleted": true`.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// What the visitor says and then deletes.
const SECRET: &str = "Номер карты 4111 1111 1111 1111";

/// The text of an admin-panel download.
async fn text(server: &TestServer, op: &Operator, path: &str) -> String {
    let resp = server.http.get(server.url(path)).bearer_auth(&op.token).send().await.expect("request");
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    resp.text().await.expect("text")
}

/// `body` as JSON text, said not to hold the deleted text.
#[track_caller]
fn without_secret(what: &str, body: &Value) {
    let s = body.to_string();
    assert!(!s.contains("4111") && !s.contains("invoice.pdf"), "{what} gives the deleted message: {s}");
}

#[tokio::test]
async fn a_deleted_message_is_given_to_staff_without_its_text() {
    let server = TestServer::start().await;
    server.settings(|s| s.visitor_message_deleting = true).await;
    let anna = server.operator("anna@gone.test", "Анна", OperatorRole::Operator).await;
    let admin = server.operator("admin@gone.test", "Админ", OperatorRole::Admin).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q1", SECRET).await;
    v.send("q2", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    let (code, file) = anna.upload(chat, "file", "invoice.pdf", "application/pdf", b"%PDF-1.4\n%test\n".to_vec()).await;
    assert_eq!(code, 200, "{file}");
    let file = file["messageId"].as_str().expect("file message").to_owned();
    let (code, _) = anna.call(Method::DELETE, &format!("/api/operator/v1/chats/{chat}/messages/{file}"), None).await;
    assert_eq!(code, 200);
    let (_, before) = anna.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let secret = before["messages"].as_array().expect("messages").iter().find(|m| m["text"] == SECRET).cloned();
    let secret = secret.expect("the visitor's message before it is deleted")["id"].as_str().expect("id").to_owned();
    v.ok("chat.delete_message", &[("client-side-id", "q1")]).await;

    // The chat keeps both messages, deleted and saying nothing.
    for who in [&anna, &admin] {
        let (code, detail) = who.get(&format!("/api/operator/v1/chats/{chat}")).await;
        assert_eq!(code, 200, "{detail}");
        without_secret("GET /chats/{id}", &detail);
        let messages = detail["messages"].as_array().expect("messages");
        for id in [&secret, &file] {
            let m = messages.iter().find(|m| m["id"] == id.as_str()).expect("still listed for staff");
            assert_eq!((&m["deleted"], &m["text"], &m["data"]), (&json!(true), &json!(""), &Value::Null), "{m}");
        }
    }
    let (_, mine) = anna.get("/api/operator/v1/chats?list=mine").await;
    without_secret("the chat list", &mine);

    // The event log read back, by page and by socket, from its start.
    let (code, page) = anna.get("/api/operator/v1/events?cursor=0").await;
    assert_eq!(code, 200, "{page}");
    without_secret("GET /events", &page);
    let events = page["events"].as_array().expect("events");
    let added = events.iter().find(|e| e["type"] == "message_added" && e["message"]["id"] == secret.as_str());
    let added = added.expect("the visitor's message_added is logged");
    assert_eq!((&added["message"]["deleted"], &added["message"]["text"]), (&json!(true), &json!("")), "{added}");
    let mut ws = anna.events(0).await;
    loop {
        let e = next_json(&mut ws, 10).await;
        without_secret("the event socket", &e);
        if e["type"] == "message_deleted" && e["messageId"] == secret.as_str() {
            break;
        }
    }

    // History: not found by the deleted text, the first question is the next one.
    let (_, found) = anna.get("/api/operator/v1/history?q=4111").await;
    assert_eq!(found["chats"], json!([]), "{found}");
    let (_, found) = admin.get("/api/admin/v1/history?q=4111").await;
    assert_eq!(found["chats"], json!([]), "{found}");
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let counted = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["deleted"] == false && m["kind"] != "for_operator")
        .count();
    for (who, path) in [(&anna, "/api/operator/v1/history"), (&admin, "/api/admin/v1/history")] {
        let (code, page) = who.get(path).await;
        assert_eq!(code, 200, "{page}");
        without_secret(path, &page);
        let row = page["chats"].as_array().expect("chats").iter().find(|c| c["id"] == chat).cloned().expect("the chat");
        assert_eq!((&row["firstQuestion"], &row["messages"]), (&json!("Где мой заказ?"), &json!(counted)), "{row}");
    }
    let csv = text(&server, &admin, "/api/admin/v1/history?format=csv").await;
    assert!(csv.contains("Где мой заказ?") && !csv.contains("4111"), "{csv}");
    server.stop().await;
}
