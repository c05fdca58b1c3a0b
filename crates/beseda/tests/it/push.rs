//! Web Push through the operator API, on SQLite and PostgreSQL: the VAPID key made once and
//! kept, subscriptions validated, stored, moved and removed (opt-in and opt-out), pushes queued
//! for the right operators and POSTed to a local push-service stand-in with the headers RFC
//! 8030/8291/8292 ask for, 404/410 removing the subscription. (The payload is decrypted and the
//! VAPID signature verified by an independent implementation in e2e/push.test.mjs.)

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::mock_http::MockHttp;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

fn subscription(endpoint: &str) -> Value {
    // Any P-256 point will do as the browser's key here.
    let key = beseda_server::push::crypto::generate().expect("key").public_key;
    json!({"endpoint": endpoint, "expirationTime": null, "keys": {"p256dh": key, "auth": "AAECAwQFBgcICQoLDA0ODw"}})
}

async fn subscribe(op: &Operator, body: Value) -> (u16, Value) {
    op.call(Method::PUT, "/api/operator/v1/push/subscription", Some(body)).await
}

async fn endpoints(op: &Operator) -> Vec<String> {
    let (code, body) = op.get("/api/operator/v1/push/subscription").await;
    assert_eq!(code, 200, "{body}");
    body["subscriptions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["endpoint"].as_str().expect("e").to_owned())
        .collect()
}

async fn pushes_to(mock: &MockHttp, path: &str) -> usize {
    mock.requests().iter().filter(|r| r.path() == path).count()
}

async fn opt_in_and_out() {
    let mock = MockHttp::start().await;
    let config = ServerConfig {
        push_insecure_hosts: vec![mock.addr.to_string()],
        push_preview_chars: 10,
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let anna = server.operator("anna@push.test", "Anna", OperatorRole::Operator).await;
    let boris = server.operator("boris@push.test", "Boris", OperatorRole::Operator).await;

    // The key: 65 bytes, an uncompressed point, the same on every call.
    let (code, key) = anna.get("/api/operator/v1/push/key").await;
    assert_eq!(code, 200, "{key}");
    let public = key["publicKey"].as_str().expect("publicKey").to_owned();
    let raw = beseda_server::push::crypto::base64url(&public).expect("base64url");
    assert_eq!((raw.len(), raw[0]), (65, 4));
    assert_eq!(boris.get("/api/operator/v1/push/key").await.1["publicKey"], public.as_str());

    // Refusals: not JSON, an http endpoint not listed, keys that are not keys. Nothing is kept.
    let (code, body) = anna.call(Method::PUT, "/api/operator/v1/push/subscription", Some(json!("x"))).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("invalid-json")));
    for (endpoint, error) in [
        ("http://push.example.com/x", "invalid-push-endpoint"),
        ("https://127.0.0.1/x", "invalid-push-endpoint"),
        ("https://u:p@push.example.com/x", "invalid-push-endpoint"),
        ("not a url", "invalid-push-endpoint"),
    ] {
        let (code, body) = subscribe(&anna, subscription(endpoint)).await;
        assert_eq!((code, body["error"].as_str()), (422, Some(error)), "{endpoint}: {body}");
    }
    let mut bad = subscription("https://push.example.com/x");
    bad["keys"]["p256dh"] = json!("BAAA");
    assert_eq!(subscribe(&anna, bad).await.1["error"], "invalid-push-key");
    let mut bad = subscription("https://push.example.com/x");
    bad["keys"]["auth"] = json!("AAEC");
    assert_eq!(subscribe(&anna, bad).await.1["error"], "invalid-push-key");
    assert!(endpoints(&anna).await.is_empty());

    // Opt in: a public https endpoint, and the listed stand-in over http.
    let (code, body) = subscribe(&anna, subscription("https://push.example.com/anna")).await;
    assert_eq!(code, 200, "{body}");
    let anna_push = mock.url("/push/anna");
    assert_eq!(subscribe(&anna, subscription(&anna_push)).await.0, 200);
    // The same browser again: one subscription, new keys.
    assert_eq!(subscribe(&anna, subscription(&anna_push)).await.0, 200);
    assert_eq!(endpoints(&anna).await, ["https://push.example.com/anna", anna_push.as_str()]);
    // A browser that changes hands moves to its new operator.
    let shared = mock.url("/push/shared");
    assert_eq!(subscribe(&anna, subscription(&shared)).await.0, 200);
    assert_eq!(subscribe(&boris, subscription(&shared)).await.0, 200);
    assert_eq!(endpoints(&anna).await.len(), 2);
    assert_eq!(endpoints(&boris).await, [shared.as_str()]);
    // One endpoint out.
    let (code, body) = anna
        .call(
            Method::DELETE,
            "/api/operator/v1/push/subscription",
            Some(json!({"endpoint": "https://push.example.com/anna"})),
        )
        .await;
    assert_eq!((code, body["removed"].as_i64()), (200, Some(1)), "{body}");
    assert_eq!(endpoints(&anna).await, [anna_push.as_str()]);

    // A visitor's first message: a new chat for the online operators who may take it.
    anna.set_status("online").await;
    let visitor = server.visitor().await;
    visitor.send("v1", "Hello, I need help with my order").await;
    let chat = visitor.chat_id().await;
    let got = mock.wait_until(10, |r| r.iter().any(|r| r.path() == "/push/anna")).await;
    let push = got.iter().find(|r| r.path() == "/push/anna").expect("push");
    assert_eq!(push.method, "POST");
    assert_eq!(push.header("content-encoding"), Some("aes128gcm"));
    assert_eq!(push.header("ttl"), Some("3600"));
    assert_eq!(push.header("urgency"), Some("high"));
    assert_eq!(push.header("topic"), Some(format!("chat-{chat}").as_str()));
    let auth = push.header("authorization").expect("authorization");
    assert!(auth.starts_with("vapid t=") && auth.ends_with(&format!(", k={public}")), "{auth}");
    // Boris is offline: no news of waiting chats for him.
    assert_eq!(pushes_to(&mock, "/push/shared").await, 0);

    // Anna answers (takes the chat); the visitor's next message is a `normal` push to her alone,
    // also while she is not online: she holds the chat.
    assert_eq!(anna.reply(chat, "r1", "Hi!").await.0, 200);
    anna.set_status("invisible").await;
    visitor.send("v2", "Order 42").await;
    let got = mock.wait_until(10, |r| r.iter().filter(|r| r.path() == "/push/anna").count() == 2).await;
    assert_eq!(got.iter().rfind(|r| r.path() == "/push/anna").expect("push").header("urgency"), Some("normal"));
    anna.set_status("online").await;

    // Redirected to Boris (online now): he hears of it; his push service says the
    // subscription is gone (410): it is deleted and gets nothing more.
    boris.set_status("online").await;
    mock.answer("/push/shared", 410, "");
    let (code, body) =
        anna.post(&format!("/api/operator/v1/chats/{chat}/redirect"), json!({"operatorId": boris.id})).await;
    assert_eq!(code, 200, "{body}");
    mock.wait_until(10, |r| r.iter().any(|r| r.path() == "/push/shared")).await;
    for _ in 0..100 {
        if endpoints(&boris).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(endpoints(&boris).await.is_empty());
    visitor.send("v3", "Still there?").await;

    // Boris sends it to the «sales» queue: news for those who may take it there (Anna serves
    // every department), not for him.
    let sales = beseda_core::model::Department {
        id: 0,
        key: "sales".into(),
        name: "Sales".into(),
        locale_names: Default::default(),
        order: 1,
        logo: None,
    };
    server.store.upsert_department(&sales).await.expect("department");
    let (code, body) =
        boris.post(&format!("/api/operator/v1/chats/{chat}/redirect"), json!({"departmentKey": "sales"})).await;
    assert_eq!(code, 200, "{body}");
    let got = mock.wait_until(10, |r| r.iter().filter(|r| r.path() == "/push/anna").count() == 3).await;
    assert_eq!(got.iter().rfind(|r| r.path() == "/push/anna").expect("push").header("urgency"), Some("high"));

    // Anna opts out everywhere: nothing more for her either.
    let (code, body) = anna.call(Method::DELETE, "/api/operator/v1/push/subscription", None).await;
    assert_eq!((code, body["removed"].as_i64()), (200, Some(1)), "{body}");
    let other = server.visitor().await;
    other.send("w1", "Another question").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(pushes_to(&mock, "/push/anna").await, 3);
    assert_eq!(pushes_to(&mock, "/push/shared").await, 1);

    // The key pair is kept: a second key offered to the store is not taken.
    let again = server.store.vapid_key(&beseda_server::push::crypto::generate().expect("key")).await.expect("key");
    assert_eq!(again.public_key, public);
    server.stop().await;
}

#[tokio::test]
async fn push_opt_in_and_out() {
    opt_in_and_out().await;
}
