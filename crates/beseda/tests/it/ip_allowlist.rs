//! The IP allowlist of the workspace and the admin panel (seed 003 «Безопасность»): allowed and
//! refused addresses, ranges, bad input, the admin who would shut themselves out, addresses
//! through a trusted proxy, and the CLI reset.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn put_list(admin: &Operator, list: &str) -> (u16, Value) {
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let mut s = body["settings"].clone();
    s["ip_allowlist"] = json!(list);
    admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(s)).await
}

#[tokio::test]
async fn only_listed_addresses_reach_the_workspace() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;

    // Bad lists are refused with the reason, and change nothing.
    for (list, why) in [
        ("::1", "IPv6 addresses are not supported"),
        ("127.0.0.0/8", "subnet masks are not supported"),
        ("127.0.0", "is not an IPv4 address"),
        ("127.0.0.9-127.0.0.1", "ends before it starts"),
        ("10.0.0.1, 10.0.0.2-10.0.0.9", "would shut you out: your address 127.0.0.1"),
    ] {
        let (code, body) = put_list(&admin, list).await;
        assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{list}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("ip_allowlist") && message.contains(why), "{list}: {message}");
    }
    assert_eq!(server.store.settings().await.expect("settings").ip_allowlist, "");

    // A range that holds the admin's address is saved; everyone from it works as before.
    let (code, body) = put_list(&admin, "54.37.12.118, 127.0.0.0-127.0.0.255").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(op.get("/api/operator/v1/chats?list=waiting").await.0, 200);

    // Another list (set by someone elsewhere): 127.0.0.1 is shut out of every workspace and
    // admin call, sign-in included, but visitors still chat.
    server.settings(|s| s.ip_allowlist = "10.0.0.1-10.0.0.5".into()).await;
    for (code, body) in [
        op.get("/api/operator/v1/chats?list=waiting").await,
        admin.get("/api/admin/v1/settings").await,
        op.post("/api/operator/v1/chats/1/take", json!({})).await,
    ] {
        assert_eq!((code, body["error"].as_str()), (403, Some("ip-not-allowed")), "{body}");
        assert!(body["message"].as_str().unwrap_or_default().contains("127.0.0.1"));
    }
    let login = server
        .http
        .post(server.url("/api/operator/v1/tokens"))
        .json(&json!({"email": "op@x.io", "password": "password123"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status().as_u16(), 403);
    let v = server.visitor().await;
    v.send("q", "Посетителей список не касается").await;
    // Nothing was changed by the refused calls.
    assert_eq!(server.store.settings().await.expect("settings").ip_allowlist, "10.0.0.1-10.0.0.5");
    server.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    server.settings(|s| s.ip_allowlist = "10.0.0.1-10.0.0.5".into()).await;
    let call = |forwarded: &'static str| {
        server
            .http
            .get(server.url("/api/operator/v1/chats?list=waiting"))
            .bearer_auth(&op.token)
            .header("x-forwarded-for", forwarded)
            .send()
    };
    assert_eq!(call("10.0.0.3").await.expect("call").status().as_u16(), 200);
    assert_eq!(call("10.0.0.9").await.expect("call").status().as_u16(), 403);
    // The nearest untrusted hop counts, not what the client wrote first.
    assert_eq!(call("10.0.0.3, 192.0.2.7").await.expect("call").status().as_u16(), 403);
    server.stop().await;

    // Without trusted proxies the header is ignored: the socket's address counts.
    let server = TestServer::start().await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    server.settings(|s| s.ip_allowlist = "10.0.0.1-10.0.0.5".into()).await;
    let resp = server
        .http
        .get(server.url("/api/operator/v1/chats?list=waiting"))
        .bearer_auth(&op.token)
        .header("x-forwarded-for", "10.0.0.3")
        .send()
        .await
        .expect("call");
    assert_eq!(resp.status().as_u16(), 403);
    server.stop().await;
}

#[tokio::test]
async fn a_locked_out_admin_clears_the_list_from_the_command_line() {
    let installation = Installation::new().await;
    {
        let store = installation.store().await;
        store.migrate().await.expect("migrate");
        let mut s = store.settings().await.expect("settings");
        s.ip_allowlist = "10.0.0.1".into();
        store.save_settings(&s).await.expect("save");
    }
    let out = installation.command(&["allowlist", "clear"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("IP allowlist cleared (it was: 10.0.0.1)"));
    let store = installation.store().await;
    assert_eq!(store.settings().await.expect("settings").ip_allowlist, "");
    // The audit log has it, by the command line.
    let query = beseda_store::AuditQuery { limit: 10, ..Default::default() };
    let entries = store.audit_entries(&query).await.expect("audit");
    assert_eq!(entries.len(), 1);
    let e = &entries[0].entry;
    assert_eq!((e.actor.as_str(), e.action.as_str(), e.actor_id), ("cli", "settings.allowlist", None));
    assert_eq!(e.changes, serde_json::json!({"ip_allowlist": {"before": "10.0.0.1", "after": ""}}));
}

#[tokio::test]
async fn forged_or_unparseable_forwarded_hops_count_as_the_proxy() {
    let config = ServerConfig { trusted_proxies: vec!["127.0.0.1".parse().expect("ip")], ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    server.settings(|s| s.ip_allowlist = "10.9.9.9".into()).await;
    let call = |forwarded: &'static str| {
        server
            .http
            .get(server.url("/api/operator/v1/chats?list=waiting"))
            .bearer_auth(&op.token)
            .header("x-forwarded-for", forwarded)
            .send()
    };
    assert_eq!(call("10.9.9.9").await.expect("call").status().as_u16(), 200);
    for forged in ["10.9.9.9, 6.6.6.6:51234", "10.9.9.9, garbage", "garbage, 10.9.9.9", "10.9.9.9,", "[10.9.9.9]"] {
        let resp = call(forged).await.expect("call");
        assert_eq!(resp.status().as_u16(), 403, "{forged}");
        let body: Value = resp.json().await.expect("json");
        assert!(body["message"].as_str().unwrap_or_default().contains("127.0.0.1"), "{forged}: {body}");
    }
    server.stop().await;
}

/// The documented nginx set-up: a public origin and the proxy in `trusted_proxies`. The
/// forwarded client address counts for the allowlist and for the admin's self-lockout guard,
/// so the proxy's own address need not (and should not) be listed.
#[tokio::test]
async fn behind_nginx_with_a_public_origin_the_allowlist_sees_the_clients() {
    let installation = Installation::new().await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let env = [
        ("BESEDA_PUBLIC_ORIGIN", "https://chat.example.test"),
        ("BESEDA_TRUSTED_PROXIES", "127.0.0.1"),
        ("BESEDA_ADMIN_EMAIL", "root@x.io"),
        ("BESEDA_ADMIN_PASSWORD", "root password"),
    ];
    let mut child = installation.serve(port, false, &env);
    wait_ready(&addr).await;
    let http = reqwest::Client::new();
    let office = "203.0.113.5";
    let login = http
        .post(format!("http://{addr}/api/operator/v1/tokens"))
        .header("x-forwarded-for", office)
        .json(&json!({"email": "root@x.io", "password": "root password"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status().as_u16(), 200);
    let token = login.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_owned();
    let call = |method: reqwest::Method, from: &'static str, body: Option<Value>| {
        let mut req = http
            .request(method, format!("http://{addr}/api/admin/v1/settings"))
            .bearer_auth(&token)
            .header("x-forwarded-for", from);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send()
    };
    let patch = Some(json!({"ip_allowlist": office}));
    let resp = call(reqwest::Method::PATCH, office, patch).await.expect("patch");
    assert_eq!(resp.status().as_u16(), 200, "the office address, not the proxy's, is checked: {:?}", resp.text().await);
    assert_eq!(call(reqwest::Method::GET, office, None).await.expect("get").status().as_u16(), 200);
    for outside in ["198.51.100.1", "203.0.113.5, 6.6.6.6:51234", "garbage"] {
        let resp = call(reqwest::Method::GET, outside, None).await.expect("get");
        assert_eq!(resp.status().as_u16(), 403, "{outside}");
    }
    let _ = child.kill();
    let _ = child.wait();
}
