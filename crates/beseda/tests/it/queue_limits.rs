//! Queue limits as seed 003 «Разное» words them, seen through the visitor HTTP API: «После
//! превышения заданного количества диалогов онлайн-кнопка на Вашем сайте скрывается. Она вновь
//! появится после появления свободного места в очереди» — the button hides once the queue holds
//! *more* than the limit, not when it reaches it; and `get-online-status` keeps saying operators
//! are online while one is online with a full queue.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// What a visitor's page learns: the configuration's `onlineStatus` and `buttonHidden`, and
/// the answer of `get-online-status`.
struct Seen {
    status: String,
    button_hidden: bool,
    online_status: Value,
}

async fn seen(server: &TestServer) -> Seen {
    let config = get_json(&server.http, &server.url("/api/visitor/v1/configs/default")).await;
    let online_status = get_json(&server.http, &server.url("/l/v/m/get-online-status?location=default")).await;
    Seen {
        status: config["locationSettings"]["onlineStatus"].as_str().expect("onlineStatus").to_owned(),
        button_hidden: config["locationSettings"]["buttonHidden"].as_bool().expect("buttonHidden"),
        online_status,
    }
}

async fn patch_settings(admin: &Operator, patch: Value) {
    let (code, body) = admin.call(Method::PATCH, "/api/admin/v1/settings", Some(patch)).await;
    assert_eq!(code, 200, "{body}");
}

/// `fullUpdate.onlineStatus` and `fullUpdate.onlineOperators` of a visitor's session.
async fn full_update(v: &Visitor) -> (String, bool) {
    let fu = v.delta(0, true).await["fullUpdate"].clone();
    (fu["onlineStatus"].as_str().expect("status").to_owned(), fu["onlineOperators"].as_bool().expect("bool"))
}

#[tokio::test]
async fn the_online_button_hides_only_once_the_online_queue_limit_is_exceeded() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Администратор", OperatorRole::Admin).await;
    patch_settings(
        &admin,
        json!({"online_queue_limit": 1, "auto_assignment": true, "max_chats_per_operator": 1, "button_probability": 40}),
    )
    .await;
    let config = get_json(&server.http, &server.url("/api/visitor/v1/configs/default")).await;
    assert_eq!(config["accountConfig"]["visitor_enabling_probability"], json!(40));
    let op = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    let s = seen(&server).await;
    assert_eq!((s.status.as_str(), s.button_hidden), ("online", false));
    assert_eq!(s.online_status, json!({"onlineStatus": "online", "onlineOperators": true}));

    // The only operator takes the first chat and is full; the next one waits in the queue.
    let first = server.visitor().await;
    first.send("f", "первый").await;
    assert_eq!(first.delta(0, true).await["fullUpdate"]["chat"]["operator"]["id"], json!(op.id));
    let second = server.visitor().await;
    second.send("s", "второй").await;
    assert!(second.delta(0, true).await["fullUpdate"]["chat"]["operator"].is_null(), "waits in the queue");
    // One waiting chat: the limit of one is reached, not exceeded — the button stays, and the
    // one operator online is still reported online.
    let s = seen(&server).await;
    assert_eq!((s.status.as_str(), s.button_hidden), ("online", false), "reached is not exceeded");
    assert_eq!(s.online_status, json!({"onlineStatus": "online", "onlineOperators": true}));
    assert_eq!(full_update(&second).await, ("online".to_owned(), true));

    // A second waiting chat exceeds it: the button hides; the operator is still online.
    let third = server.visitor().await;
    third.send("t", "третий").await;
    let s = seen(&server).await;
    assert_eq!((s.status.as_str(), s.button_hidden), ("busy_online", true));
    assert_eq!(s.online_status, json!({"onlineStatus": "busy_online", "onlineOperators": true}));
    assert_eq!(full_update(&third).await, ("busy_online".to_owned(), true));

    // The operator closes the first chat and takes the next: a place in the queue frees and
    // the button comes back.
    let (code, _) = op.post(&format!("/api/operator/v1/chats/{}/close", first.chat_id().await), json!({})).await;
    assert_eq!(code, 200);
    let mut back = false;
    for _ in 0..50 {
        server.tick().await;
        let s = seen(&server).await;
        if (s.status.as_str(), s.button_hidden) == ("online", false) {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back, "the button comes back once the queue is within its limit");
    server.stop().await;
}

#[tokio::test]
async fn the_offline_button_hides_only_once_the_offline_queue_limit_is_exceeded() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Администратор", OperatorRole::Admin).await;
    patch_settings(&admin, json!({"offline_queue_limit": 2})).await;
    let offline = json!({"onlineStatus": "offline", "onlineOperators": false});
    for i in 0..2 {
        let v = server.visitor().await;
        v.send(&format!("o{i}"), "оставлю сообщение").await;
        let s = seen(&server).await;
        assert_eq!((s.status.as_str(), s.button_hidden), ("offline", false), "{} of 2 offline requests", i + 1);
        assert_eq!(s.online_status, offline);
    }
    let v = server.visitor().await;
    v.send("o2", "и ещё одно").await;
    let s = seen(&server).await;
    assert_eq!((s.status.as_str(), s.button_hidden), ("busy_offline", true), "3 offline requests exceed 2");
    assert_eq!(s.online_status, json!({"onlineStatus": "busy_offline", "onlineOperators": false}));
    assert_eq!(full_update(&v).await, ("busy_offline".to_owned(), false));
    server.stop().await;
}
