//! In a multilingual organisation the language rule of the workspace lists holds for every way
//! a chat comes to an operator: an explicit take, a redirect to them and auto-assignment. Driven
//! through the admin, visitor and operator APIs.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn speaks(admin: &Operator, op: &Operator, languages: &[&str]) {
    let path = format!("/api/admin/v1/operators/{}/profile", op.id);
    let body = json!({"departmentKeys": [], "languages": languages, "maxChats": null});
    let (code, saved) = admin.call(Method::PUT, &path, Some(body)).await;
    assert_eq!(code, 200, "{saved}");
}

/// An English chat (the organisation's language is English) waiting for an operator.
async fn english_chat(server: &TestServer) -> (Visitor, i64) {
    let v = server.visitor().await;
    v.ok("chat.start", &[("first-question", "Hello, what does it cost?")]).await;
    let chat = v.chat_id().await;
    (v, chat)
}

async fn waiting_ids(op: &Operator) -> Vec<i64> {
    let (code, body) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(code, 200, "{body}");
    body["chats"].as_array().expect("chats").iter().filter_map(|c| c["id"].as_i64()).collect()
}

async fn holder(op: &Operator, chat: i64) -> Option<i64> {
    let (code, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    detail["chat"]["operatorId"].as_i64()
}

fn error(answer: (u16, Value)) -> (u16, String) {
    (answer.0, answer.1["error"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn an_operator_takes_and_is_redirected_only_chats_in_their_languages() {
    let server = TestServer::start().await;
    server
        .settings(|s| {
            s.multilang = true;
            s.default_lang = "en".into();
        })
        .await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let olga = server.operator("olga@x.io", "Ольга", OperatorRole::Operator).await;
    speaks(&admin, &olga, &["ru"]).await;
    for op in [&admin, &olga] {
        op.set_status("online").await;
    }
    let (_v, chat) = english_chat(&server).await;
    assert!(!waiting_ids(&olga).await.contains(&chat), "the lists do not offer it");
    assert!(waiting_ids(&admin).await.contains(&chat));

    // Taking it by id is refused as reading it is.
    let take = format!("/api/operator/v1/chats/{chat}/take");
    assert_eq!(error(olga.post(&take, json!({})).await), (403, "chat-not-served".to_owned()));
    assert_eq!(holder(&admin, chat).await, None);

    // Nor may anyone redirect it to her.
    assert_eq!(admin.post(&take, json!({})).await.0, 200);
    let redirect = format!("/api/operator/v1/chats/{chat}/redirect");
    let refused = admin.post(&redirect, json!({"operatorId": olga.id})).await;
    assert_eq!(error(refused), (409, "operator-language-not-spoken".to_owned()));
    assert_eq!(holder(&admin, chat).await, Some(admin.id), "the chat stays where it was");

    // Redirected with a language she speaks, it is hers.
    let (code, body) = admin.post(&redirect, json!({"operatorId": olga.id, "language": "ru"})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(holder(&admin, chat).await, Some(olga.id));

    // Where languages do not matter, neither applies.
    server.settings(|s| s.multilang = false).await;
    let (_w, other) = english_chat(&server).await;
    assert!(waiting_ids(&olga).await.contains(&other));
    assert_eq!(olga.post(&format!("/api/operator/v1/chats/{other}/take"), json!({})).await.0, 200);
    let (_x, third) = english_chat(&server).await;
    assert_eq!(admin.post(&format!("/api/operator/v1/chats/{third}/take"), json!({})).await.0, 200);
    let (code, body) =
        admin.post(&format!("/api/operator/v1/chats/{third}/redirect"), json!({"operatorId": olga.id})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(holder(&admin, third).await, Some(olga.id));
    server.stop().await;
}

/// The chat's operator after scheduler passes (the background scheduler may win the pass).
async fn assigned_after_passes(server: &TestServer, admin: &Operator, chat: i64) -> Option<i64> {
    for _ in 0..20 {
        server.tick().await;
        if let Some(op) = holder(admin, chat).await {
            return Some(op);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

#[tokio::test]
async fn auto_assignment_gives_a_chat_only_to_an_operator_speaking_its_language() {
    let server = TestServer::start().await;
    server
        .settings(|s| {
            s.multilang = true;
            s.default_lang = "en".into();
            s.auto_assignment = true;
        })
        .await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let olga = server.operator("olga@x.io", "Ольга", OperatorRole::Operator).await;
    let emma = server.operator("emma@x.io", "Emma", OperatorRole::Operator).await;
    speaks(&admin, &olga, &["ru"]).await;
    speaks(&admin, &emma, &["en"]).await;
    olga.set_status("online").await;
    let (_v, chat) = english_chat(&server).await;
    assert_eq!(assigned_after_passes(&server, &admin, chat).await, None, "only a Russian speaker is online");
    emma.set_status("online").await;
    assert_eq!(assigned_after_passes(&server, &admin, chat).await, Some(emma.id));
    server.stop().await;
}
