//! Teleport (seed 003 «Телепорт»): during a dialog, to an address or by a page code from the
//! organisation's list; only with the setting on and only to pages of the visitor's own site.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// The `TELEPORT` items the visitor received after revision `since`.
async fn teleports(v: &Visitor, since: i64) -> Vec<Value> {
    let delta = v.delta(since, true).await;
    let items = delta["deltaList"].as_array().cloned().unwrap_or_default();
    items.into_iter().filter(|i| i["objectType"] == "TELEPORT").map(|i| i["data"].clone()).collect()
}

async fn revision(v: &Visitor) -> i64 {
    v.delta(0, true).await["revision"].as_i64().expect("revision")
}

#[tokio::test]
async fn operators_send_visitors_to_pages_by_code_on_their_own_site_only() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let (status, init) =
        Visitor::init_raw(&server, "default", None, &[("page-url", "https://Shop.example/cart?id=7".into())]).await;
    assert_eq!(status, 200, "{init}");
    let v = Visitor::from_init(&server, init);
    v.send("m1", "Где оплатить заказ?").await;
    let chat = v.chat_id().await;
    let _ = anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    let teleport = |body: Value| {
        let (anna, path) = (&anna, format!("/api/operator/v1/chats/{chat}/teleport"));
        async move { anna.post(&path, body).await }
    };

    // Off (the default): refused with a code, and the workspace offers no pages.
    let (code, body) = teleport(json!({"code": "delivery"})).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("setting_disabled")), "{body}");
    let (_, me) = anna.get("/api/operator/v1/me").await;
    assert_eq!(
        (me["workspace"]["teleport"].clone(), me["workspace"]["teleportPages"].clone()),
        (json!(false), json!([]))
    );

    // The admin lists pages: `code address` per line; malformed lines are refused.
    let (_, settings) = admin.get("/api/admin/v1/settings").await;
    let mut s = settings["settings"].clone();
    for bad in [vec!["delivery"], vec!["a /x", "a /y"], vec!["x javascript:alert(1)"], vec!["x //evil.example/"]] {
        s["teleport_pages"] = json!(bad);
        let (code, body) = admin.call(Method::PUT, "/api/admin/v1/settings", Some(s.clone())).await;
        assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{bad:?}: {body}");
    }
    s["teleport"] = json!(true);
    s["teleport_pages"] =
        json!(["delivery /delivery", "оплата https://shop.example/pay?step=1", "partner https://partner.example/"]);
    let (code, body) = admin.call(Method::PUT, "/api/admin/v1/settings", Some(s)).await;
    assert_eq!(code, 200, "{body}");
    let (_, me) = anna.get("/api/operator/v1/me").await;
    assert_eq!(me["workspace"]["teleport"], json!(true));
    assert_eq!(me["workspace"]["teleportPages"][0], json!({"code": "delivery", "url": "/delivery"}));
    assert_eq!(me["workspace"]["teleportPages"].as_array().map(Vec::len), Some(3));

    // By code: a path goes to the visitor's own site; an absolute address only if it is on it.
    let since = revision(&v).await;
    assert_eq!(teleport(json!({"code": "delivery"})).await.0, 200);
    assert_eq!(teleport(json!({"code": "оплата"})).await.0, 200);
    assert_eq!(
        teleports(&v, since).await,
        [
            json!({"url": "https://shop.example/delivery", "code": "delivery"}),
            json!({"url": "https://shop.example/pay?step=1", "code": "оплата"})
        ]
    );
    let since = revision(&v).await;
    for (body, status, error) in [
        (json!({"code": "partner"}), 422, "teleport-other-site"),
        (json!({"code": "nope"}), 404, "teleport-page-not-found"),
        (json!({"code": "a b"}), 400, "wrong-argument-value"),
        (json!({"url": "https://evil.example/"}), 422, "teleport-other-site"),
        (json!({"url": "javascript:alert(1)"}), 400, "wrong-argument-value"),
        (json!({"url": "//evil.example/"}), 400, "wrong-argument-value"),
        (json!({"url": "https://shop.example/a", "code": "delivery"}), 400, "argument-missing"),
        (json!({}), 400, "argument-missing"),
    ] {
        let (code, answer) = teleport(body.clone()).await;
        assert_eq!((code, answer["error"].as_str()), (status, Some(error)), "{body}: {answer}");
    }
    // By address, on the same site: a full address or a path of it.
    assert_eq!(teleport(json!({"url": "https://shop.example/help"})).await.0, 200);
    assert_eq!(teleport(json!({"url": "/contacts?from=chat"})).await.0, 200);
    assert_eq!(
        teleports(&v, since).await,
        [json!({"url": "https://shop.example/help"}), json!({"url": "https://shop.example/contacts?from=chat"})]
    );
    // Only the chat's operator teleports.
    let (code, _) = boris.post(&format!("/api/operator/v1/chats/{chat}/teleport"), json!({"code": "delivery"})).await;
    assert_ne!(code, 200);

    // A visitor not on a web page (an app) cannot be teleported.
    let app = server.visitor().await;
    app.send("m1", "Из приложения").await;
    let app_chat = app.chat_id().await;
    let _ = anna.post(&format!("/api/operator/v1/chats/{app_chat}/take"), json!({})).await;
    let (code, body) =
        anna.post(&format!("/api/operator/v1/chats/{app_chat}/teleport"), json!({"code": "delivery"})).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("teleport-no-page")), "{body}");
    server.stop().await;
}
