//! The audit log: admin actions through the API leave entries with actor, address (as the
//! server resolves it behind a trusted proxy), action, target and the changed fields with
//! secrets masked; filters and CSV; admins only. SQLite and PostgreSQL.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::TestServer;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// The address the (trusted) proxy says the admin calls from.
const CLIENT: &str = "203.0.113.7";

struct Admin<'a> {
    server: &'a TestServer,
    token: String,
}

impl Admin<'_> {
    async fn raw(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut req = self
            .server
            .http
            .request(method, self.server.url(path))
            .bearer_auth(&self.token)
            .header("X-Forwarded-For", CLIENT);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request")
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let resp = self.raw(method.clone(), path, body).await;
        let status = resp.status().as_u16();
        let value: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "{method} {path}: {value}");
        value
    }

    /// The newest audit entry.
    async fn last(&self) -> Value {
        self.call(Method::GET, "/api/admin/v1/audit?limit=1", None).await["entries"][0].clone()
    }
}

fn check(entry: &Value, admin_id: i64, action: &str, target: (&str, &str)) {
    assert_eq!(entry["action"], action, "{entry}");
    assert_eq!(entry["actor"], "admin@example.com", "{entry}");
    assert_eq!(entry["actorId"], admin_id, "{entry}");
    assert_eq!(entry["address"], CLIENT, "{entry}");
    assert_eq!(entry["targetType"], target.0, "{entry}");
    assert_eq!(entry["targetId"], target.1, "{entry}");
}

async fn audit_log_records_admin_actions_on() {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let op = server.operator("admin@example.com", "Admin", OperatorRole::Admin).await;
    let admin = Admin { server: &server, token: op.token.clone() };
    let me = op.id;

    // Settings: the changed keys only, the secret masked.
    let patch = json!({"name": "Acme support", "zendesk_api_token": "t0p-s3cret-value"});
    admin.call(Method::PATCH, "/api/admin/v1/settings", Some(patch)).await;
    let e = admin.last().await;
    check(&e, me, "settings.update", ("settings", "organisation"));
    let changes = e["changes"].as_object().expect("changes");
    assert_eq!(changes.len(), 2, "only the changed keys: {e}");
    assert_eq!(e["changes"]["name"]["after"], "Acme support");
    assert_eq!(e["changes"]["zendesk_api_token"], json!({"before": "", "after": "***"}));

    // The IP allowlist is marked as such.
    admin
        .call(Method::PATCH, "/api/admin/v1/settings", Some(json!({"ip_allowlist": "203.0.113.1-203.0.113.50"})))
        .await;
    let e = admin.last().await;
    check(&e, me, "settings.allowlist", ("settings", "organisation"));
    assert_eq!(e["changes"]["ip_allowlist"], json!({"before": "", "after": "203.0.113.1-203.0.113.50"}));

    // A refused change leaves no entry.
    let resp = admin.raw(Method::PATCH, "/api/admin/v1/settings", Some(json!({"button_probability": 500}))).await;
    assert_eq!(resp.status().as_u16(), 422);
    assert_eq!(admin.last().await["action"], "settings.allowlist");

    // Operators: create (the password masked), role, deactivate, reset, delete.
    let body = json!({"email": "new@example.com", "name": "New", "password": "initial-pass-1", "role": "operator"});
    let created = admin.call(Method::POST, "/api/admin/v1/operators", Some(body)).await;
    let id = created["operator"]["id"].as_i64().expect("id");
    let sid = id.to_string();
    let e = admin.last().await;
    check(&e, me, "operator.create", ("operator", &sid));
    assert_eq!(e["changes"]["email"], json!({"before": null, "after": "new@example.com"}));
    assert_eq!(e["changes"]["password"]["after"], "***");

    let path = format!("/api/admin/v1/operators/{id}");
    admin
        .call(Method::PUT, &path, Some(json!({"name": "New", "email": "new@example.com", "role": "supervisor"})))
        .await;
    let e = admin.last().await;
    check(&e, me, "operator.role", ("operator", &sid));
    assert_eq!(e["changes"], json!({"role": {"before": "operator", "after": "supervisor"}}));

    admin.call(Method::POST, &format!("{path}/deactivate"), Some(json!({}))).await;
    let e = admin.last().await;
    check(&e, me, "operator.deactivate", ("operator", &sid));
    assert_eq!(e["changes"], json!({"active": {"before": true, "after": false}}));

    let reset = admin.call(Method::POST, &format!("{path}/password-reset"), Some(json!({}))).await;
    let temporary = reset["temporaryPassword"].as_str().expect("password").to_owned();
    check(&admin.last().await, me, "operator.password_reset", ("operator", &sid));

    // Departments and bots (the token rotation masked).
    let dep = json!({"name": "Sales", "order": 1});
    admin.call(Method::PUT, "/api/admin/v1/departments/sales", Some(dep)).await;
    let e = admin.last().await;
    check(&e, me, "department.create", ("department", "sales"));
    assert_eq!(e["changes"]["name"], json!({"before": null, "after": "Sales"}));

    let bot = admin.call(Method::PUT, "/api/admin/v1/bots", Some(json!({"operatorId": id}))).await;
    let token = bot["token"].as_str().expect("token").to_owned();
    check(&admin.last().await, me, "bot.create", ("bot", &sid));
    admin.call(Method::PUT, "/api/admin/v1/bots", Some(json!({"operatorId": id, "rotateToken": true}))).await;
    let e = admin.last().await;
    check(&e, me, "bot.rotate_token", ("bot", &sid));
    assert_eq!(e["changes"]["token"], json!({"before": "***", "after": "***"}));

    admin.call(Method::DELETE, &path, None).await;
    let e = admin.last().await;
    check(&e, me, "operator.delete", ("operator", &sid));
    assert_eq!(e["changes"]["email"], json!({"before": "new@example.com", "after": null}));

    // Templates and placements.
    let tpl = json!({"title": "Hello", "text": "Good day!", "lang": "en"});
    let saved = admin.call(Method::PUT, "/api/admin/v1/templates", Some(tpl)).await;
    let tid = saved["template"]["id"].as_i64().expect("template id").to_string();
    let e = admin.last().await;
    check(&e, me, "template.create", ("template", &tid));
    assert_eq!(e["changes"]["text"], json!({"before": null, "after": "Good day!"}));
    admin.call(Method::DELETE, &format!("/api/admin/v1/templates/{tid}"), None).await;
    check(&admin.last().await, me, "template.delete", ("template", &tid));
    let place = json!({"title": "Shop", "departmentKeys": ["sales"], "conversationTimeoutHours": 24});
    admin.call(Method::PUT, "/api/admin/v1/placements/shop", Some(place)).await;
    let e = admin.last().await;
    check(&e, me, "placement.create", ("placement", "shop"));
    assert_eq!(e["changes"]["title"], json!({"before": null, "after": "Shop"}));

    // No secret ever reaches the log.
    let all = admin.call(Method::GET, "/api/admin/v1/audit", None).await;
    let text = all.to_string();
    for secret in ["t0p-s3cret-value", "initial-pass-1", temporary.as_str(), token.as_str()] {
        assert!(!text.contains(secret), "a secret in the audit log: {secret}");
    }
    // Newest first, every action in order.
    let actions: Vec<&str> =
        all["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "placement.create",
            "template.delete",
            "template.create",
            "operator.delete",
            "bot.rotate_token",
            "bot.create",
            "department.create",
            "operator.password_reset",
            "operator.deactivate",
            "operator.role",
            "operator.create",
            "settings.allowlist",
            "settings.update"
        ]
    );
    assert_eq!(all["more"], false);

    // Filters: action (a code or its prefix), actor (e-mail or id), period, paging.
    assert_eq!(admin_entries(&admin, "action=operator").await.len(), 5);
    assert_eq!(admin_entries(&admin, "action=settings.update").await.len(), 1);
    assert_eq!(admin_entries(&admin, "actor=admin@example.com").await.len(), 13);
    assert_eq!(admin_entries(&admin, &format!("actor={me}")).await.len(), 13);
    assert_eq!(admin_entries(&admin, "actor=cli").await.len(), 0);
    assert_eq!(admin_entries(&admin, "from=2001-01-01&to=2001-01-31").await.len(), 0);
    let tz = server.store.settings().await.expect("settings").time_zone;
    let today = beseda_core::local_time::format(beseda_core::time::now_micros(), &tz, "%Y-%m-%d");
    assert_eq!(admin_entries(&admin, &format!("from={today}&to={today}")).await.len(), 13);
    let page = admin.call(Method::GET, "/api/admin/v1/audit?limit=3&offset=3", None).await;
    assert_eq!(page["entries"][0]["action"], "operator.delete");
    assert_eq!(page["more"], true);
    let bad = admin.raw(Method::GET, "/api/admin/v1/audit?from=yesterday", None).await;
    assert_eq!(bad.status().as_u16(), 400);

    // CSV: a header, one line per entry, text cells quoted and never read as formulas.
    let resp = admin.raw(Method::GET, "/api/admin/v1/audit?action=operator&format=csv", None).await;
    assert_eq!(resp.status().as_u16(), 200);
    let kind = resp.headers()["content-type"].to_str().expect("type").to_owned();
    assert!(kind.starts_with("text/csv"), "{kind}");
    let csv = resp.text().await.expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,at,actorId,actor,address,action,targetType,targetId,changes");
    assert_eq!(lines.len(), 6, "{csv}");
    assert!(lines[1].contains(&format!("\"admin@example.com\",\"{CLIENT}\",\"operator.delete\",\"operator\",\"{id}\"")));
    assert!(!csv.contains("initial-pass-1"));
    for cell in csv.split(',') {
        assert!(!cell.starts_with(['=', '+', '-', '@']), "a formula-like cell: {cell}");
    }

    // Supervisors and operators may not read it (from an address the allowlist lets in).
    server.settings(|s| s.ip_allowlist.clear()).await;
    for (email, role) in [("sup@example.com", OperatorRole::Supervisor), ("op@example.com", OperatorRole::Operator)] {
        let other = server.operator(email, "Other", role).await;
        let (status, _) = other.get("/api/admin/v1/audit").await;
        assert_eq!(status, 403, "{email}");
        let (status, _) = other.get("/api/admin/v1/audit?format=csv").await;
        assert_eq!(status, 403, "{email}");
    }
    server.stop().await;
}

async fn admin_entries(admin: &Admin<'_>, query: &str) -> Vec<Value> {
    let v = admin.call(Method::GET, &format!("/api/admin/v1/audit?{query}"), None).await;
    v["entries"].as_array().expect("entries").clone()
}

#[tokio::test]
async fn audit_log_records_admin_actions() {
    audit_log_records_admin_actions_on().await;
}
