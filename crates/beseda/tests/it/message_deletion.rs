//! An operator deletes a message they wrote (`DELETE /api/operator/v1/chats/{id}/messages/{messageId}`),
//! on SQLite and PostgreSQL: the visitor's widget and app (delta, WebSocket, history) see it go,
//! operators get `message_deleted` and the chat's row counted again (preview, waiting, unread),
//! the Stored Data API lists it deleted with an empty text, the audit log has it; only the
//! author's own texts and files, only while the chat is not closed, and a chat the operator may
//! not see answers as it does for every other action, whatever the message.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};

async fn delete(op: &Operator, chat: i64, message: &str) -> (u16, Value) {
    op.call(Method::DELETE, &format!("/api/operator/v1/chats/{chat}/messages/{message}"), None).await
}

async fn sent(op: &Operator, chat: i64, body: Value) -> String {
    let (code, answer) = op.post(&format!("/api/operator/v1/chats/{chat}/messages"), body).await;
    assert_eq!(code, 200, "{answer}");
    answer["messageId"].as_str().expect("messageId").to_owned()
}

async fn messages(op: &Operator, chat: i64) -> Vec<Value> {
    let (code, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    detail["messages"].as_array().expect("messages").clone()
}

/// The next visitor-log item of `ws` that matches.
async fn next_item(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next()).await.expect("in time").expect("open").expect("frame");
        let Ok(text) = frame.into_text() else { continue };
        let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
        let list = v["deltaList"].as_array().cloned().unwrap_or_default();
        if let Some(item) = list.into_iter().find(|i| pred(i)) {
            return item;
        }
    }
}

#[tokio::test]
async fn an_operator_deletes_their_own_message_for_everyone() {
    let server = TestServer::start().await;
    let anna = server.operator("anna@del.test", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@del.test", "Борис", OperatorRole::Operator).await;
    let admin = server.operator("admin@del.test", "Админ", OperatorRole::Admin).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q1", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    let kept = sent(&anna, chat, json!({"clientSideId": "a1", "text": "Здравствуйте!"})).await;
    v.ok("chat.read_by_visitor", &[]).await;
    let typo = sent(&anna, chat, json!({"clientSideId": "a2", "text": "Ваш заказ отпарвлен"})).await;
    let since = v.delta(0, true).await["revision"].as_i64().expect("revision");
    assert_eq!(chat_of(&v).await["unreadByVisitorMsgCnt"], 1, "the typo is unread");
    let mut widget = v.ws(since).await;
    let cursor = server.store.last_operator_event().await.expect("cursor");
    let mut colleague = boris.events(cursor).await;

    let (code, body) = delete(&anna, chat, &typo).await;
    assert_eq!((code, &body), (200, &json!({"result": "ok"})), "{body}");

    // The visitor: `CHAT_MESSAGE del` live (widget socket, app's poll), nothing unread, the
    // message gone from the chat and deleted in the history's changes.
    let del = next_item(&mut widget, |i| i["objectType"] == "CHAT_MESSAGE" && i["event"] == "del").await;
    assert_eq!(del["id"], typo.as_str());
    let polled = items(&v.delta(since, true).await);
    assert!(polled.iter().any(|i| i["event"] == "del" && i["id"] == typo.as_str()), "{polled:?}");
    let unread = polled.iter().rev().find(|i| i["objectType"] == "UNREAD_BY_VISITOR").expect("unread item");
    assert_eq!(unread["data"]["msgCnt"], 0);
    let shown = chat_of(&v).await;
    let texts: Vec<&str> =
        shown["messages"].as_array().expect("messages").iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&"Здравствуйте!") && !texts.contains(&"Ваш заказ отпарвлен"), "{texts:?}");
    assert_eq!(shown["unreadByVisitorMsgCnt"], 0);
    let history = v.history(&[("since", "0")]).await;
    let gone =
        history["data"]["messages"].as_array().expect("messages").iter().find(|m| m["id"] == typo.as_str()).cloned();
    assert_eq!(gone.as_ref().map(|m| (&m["deleted"], &m["text"])), Some((&json!(true), &json!(""))), "{history}");

    // Other operators: `message_deleted`, and the row counted again — the preview is the
    // kept answer again.
    let event = wait_event(&mut colleague, |e| e["type"] == "message_deleted").await;
    assert_eq!((event["chatId"].as_i64(), event["messageId"].as_str()), (Some(chat), Some(typo.as_str())));
    assert_eq!(event["chat"]["preview"]["text"], "Здравствуйте!", "the event carries the row: {event}");
    let listed = messages(&boris, chat).await;
    let deleted = listed.iter().find(|m| m["id"] == typo.as_str()).expect("still listed for staff");
    assert_eq!(deleted["deleted"], true);
    assert!(listed.iter().any(|m| m["id"] == kept.as_str() && m["deleted"] == false));

    // The Stored Data API lists it deleted, without its text; the audit log has the deletion.
    let stored: Value = server
        .http
        .get(server.url(&format!("/api/v2/chat?id={chat}")))
        .basic_auth("admin@del.test", Some("password123"))
        .send()
        .await
        .expect("stored")
        .json()
        .await
        .expect("json");
    let m = stored["chat"]["messages"].as_array().expect("messages").iter().find(|m| m["id"] == typo.as_str()).cloned();
    let m = m.expect("listed");
    assert_eq!(
        (&m["deleted"], &m["text"], &m["message"], &m["data"]),
        (&json!(true), &json!(""), &json!(""), &Value::Null)
    );
    let (_, audit) = admin.get("/api/admin/v1/audit?action=message.delete").await;
    let entry = &audit["entries"][0];
    assert_eq!((entry["actor"].as_str(), entry["targetType"].as_str()), (Some("anna@del.test"), Some("message")));
    assert_eq!(entry["targetId"], typo.as_str());
    assert_eq!(entry["changes"]["chatId"], json!({"before": chat, "after": null}));
    server.stop().await;
}

#[tokio::test]
async fn only_the_authors_own_texts_and_files_while_the_chat_is_open() {
    let server = TestServer::start().await;
    let anna = server.operator("anna@del.test", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@del.test", "Борис", OperatorRole::Operator).await;
    let admin = server.operator("admin@del.test", "Админ", OperatorRole::Admin).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q1", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    let answer = sent(&anna, chat, json!({"clientSideId": "a1", "text": "Проверяю"})).await;
    let asked = sent(&anna, chat, json!({"clientSideId": "a2", "kind": "cont_req"})).await;
    let (code, note) = anna.post(&format!("/api/operator/v1/chats/{chat}/notes"), json!({"text": "VIP"})).await;
    assert_eq!(code, 200, "{note}");
    let note = note["messageId"].as_str().expect("note id").to_owned();
    let all = messages(&anna, chat).await;
    let id_of = |kind: &str| all.iter().find(|m| m["kind"] == kind).and_then(|m| m["id"].as_str()).map(str::to_owned);
    let visitors = id_of("visitor").expect("the visitor's message");
    let other = server.visitor().await;
    other.send("q2", "Другой диалог").await;
    let other_chat = other.chat_id().await;
    let elsewhere = messages(&admin, other_chat).await[0]["id"].as_str().expect("id").to_owned();

    let refused = [
        (&boris, chat, answer.clone(), 403, "message_not_owned"),
        (&admin, chat, answer.clone(), 403, "message_not_owned"),
        (&anna, chat, visitors, 403, "message_not_owned"),
        (&anna, chat, asked, 422, "wrong_message_kind"),
        (&anna, chat, note, 422, "wrong_message_kind"),
        (&anna, chat, "0".repeat(32), 404, "message_not_found"),
        (&anna, chat, elsewhere, 404, "message_not_found"),
        (&anna, chat, "x".repeat(65), 400, "wrong-argument-value"),
        (&anna, 999_999, answer.clone(), 404, "chat-not-found"),
    ];
    for (who, chat, message, status, error) in refused {
        let (code, body) = delete(who, chat, &message).await;
        assert_eq!((code, body["error"].as_str()), (status, Some(error)), "{message}: {body}");
    }
    if let Some(info) = id_of("info") {
        let (code, body) = delete(&anna, chat, &info).await;
        assert_eq!((code, body["error"].as_str()), (403, Some("message_not_owned")), "a system message: {body}");
    }
    // A chat the operator may not see: the answer of any other action there, whether the
    // message exists or not.
    server.settings(|s| s.hide_others_chats = true).await;
    let seen = boris.get(&format!("/api/operator/v1/chats/{chat}")).await;
    for message in [answer.clone(), "0".repeat(32)] {
        let (code, body) = delete(&boris, chat, &message).await;
        assert_eq!((code, &body["error"]), (seen.0, &seen.1["error"]), "{body}");
        assert_eq!((code, body["error"].as_str()), (403, Some("hidden-by-settings")));
    }
    server.settings(|s| s.hide_others_chats = false).await;
    let untouched = messages(&anna, chat).await;
    assert!(untouched.iter().all(|m| m["deleted"] == false), "a refusal changes nothing");

    // A file of hers goes like a text; a second deletion finds nothing; a closed chat keeps
    // what is left.
    let (code, file) = anna.upload(chat, "file", "invoice.pdf", "application/pdf", b"%PDF-1.4\n%test\n".to_vec()).await;
    assert_eq!(code, 200, "{file}");
    let file = file["messageId"].as_str().expect("file message").to_owned();
    assert_eq!(delete(&anna, chat, &file).await.0, 200);
    let (code, body) = delete(&anna, chat, &file).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("message_not_found")));
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await.0, 200);
    let (code, body) = delete(&anna, chat, &answer).await;
    assert_eq!((code, body["error"].as_str()), (409, Some("chat-closed")), "{body}");
    let (_, audit) = admin.get("/api/admin/v1/audit?action=message.delete").await;
    assert_eq!(audit["entries"].as_array().map(Vec::len), Some(1), "refusals are not audited: {audit}");
    server.stop().await;
}
