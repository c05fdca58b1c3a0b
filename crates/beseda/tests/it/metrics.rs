//! What an operator of a Beseda node sees: `/metrics` after real traffic, who may read it, the
//! access log of the real binary, and log settings refused at start.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::{free_port, wait_ready, Installation, TestServer};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_beseda");
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One sample of the text exposition: name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text exposition strictly: every line is a comment or `name{labels} value`.
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let name_end = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..name_end];
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "bad name: {line}");
        let mut labels = BTreeMap::new();
        let mut rest = &line[name_end..];
        if let Some(inner) = rest.strip_prefix('{') {
            let mut chars = inner.char_indices();
            let (mut key, mut value, mut in_value, mut escaped) = (String::new(), String::new(), false, false);
            let close = loop {
                let (i, c) = chars.next().unwrap_or_else(|| panic!("unclosed labels: {line}"));
                match (in_value, c) {
                    (true, '\\') if !escaped => escaped = true,
                    (true, '"') if !escaped => {
                        in_value = false;
                        labels.insert(std::mem::take(&mut key), std::mem::take(&mut value));
                    }
                    (true, c) => {
                        escaped = false;
                        value.push(c);
                    }
                    (false, '}') => break i,
                    (false, '"') => in_value = true,
                    (false, '=' | ',') => {}
                    (false, c) => key.push(c),
                }
            };
            rest = &inner[close + 1..];
        }
        let value = rest.trim().split(' ').next().unwrap_or_default();
        let value = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        samples.push(Sample { name: name.to_owned(), labels, value });
    }
    samples
}

/// The value of the sample `name` whose labels include `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .map(|s| s.value)
}

async fn scrape(server: &TestServer) -> Vec<Sample> {
    let resp = server.http.get(server.url("/metrics")).send().await.expect("metrics");
    assert_eq!(resp.status(), 200);
    let kind = resp.headers()["content-type"].to_str().expect("type").to_owned();
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    let text = resp.text().await.expect("text");
    assert!(text.ends_with("# EOF\n"), "the exposition is complete");
    parse(&text)
}

/// Scrapes until the open-connection gauge of `kind` is `want` (the server sees a socket open
/// or close a moment after the client).
async fn wait_connections(server: &TestServer, kind: &str, want: f64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = value(&scrape(server).await, "beseda_open_connections", &[("kind", kind)]);
        if got == Some(want) {
            return;
        }
        assert!(Instant::now() < deadline, "{kind}: {got:?}, wanted {want}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn metrics_after_traffic() {
    let server = TestServer::start().await;
    let visitor = server.visitor().await;
    visitor.send("m1", "hello").await;
    let op = server.operator("ops@example.com", "Ops", OperatorRole::Operator).await;
    let login = server
        .http
        .post(server.url("/api/operator/v1/login"))
        .json(&json!({"email": "ops@example.com", "password": "password123"}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let missing = server.http.get(server.url("/no/such/page?x=1")).send().await.expect("404");
    assert_eq!(missing.status(), 404);

    let m = scrape(&server).await;
    let requests = |method, route, status| {
        value(&m, "beseda_http_requests_total", &[("method", method), ("route", route), ("status", status)])
    };
    assert!(requests("POST", "/l/v/m/action", "200") >= Some(1.0), "the visitor's message");
    assert!(requests("POST", "/api/operator/v1/login", "200") >= Some(1.0), "the login");
    assert_eq!(requests("GET", "unmatched", "404"), Some(1.0), "the unknown page, by no raw path");
    assert!(m.iter().all(|s| s.labels.values().all(|v| !v.contains("/no/such") && !v.contains('?'))));
    let buckets: Vec<&Sample> = m
        .iter()
        .filter(|s| {
            s.name == "beseda_http_request_duration_seconds_bucket"
                && s.labels.get("route").map(String::as_str) == Some("/l/v/m/action")
        })
        .collect();
    assert!(buckets.len() > 5, "latency buckets: {buckets:?}");
    assert!(buckets.iter().any(|b| b.labels["le"] == "+Inf" && b.value >= 1.0));
    assert!(value(&m, "beseda_messages_committed_total", &[("author", "visitor")]) >= Some(1.0));
    // Group commit batches SQLite's single writer; PostgreSQL takes concurrent writers as they come.
    if common::backend() == common::Backend::Sqlite {
        assert!(
            value(&m, "beseda_group_commit_batch_size_count", &[]) >= Some(1.0),
            "writes went through group commit"
        );
        assert!(value(&m, "beseda_group_commit_batch_size_bucket", &[("le", "1.0")]).is_some());
        let busy = value(&m, "beseda_group_commit_busy_seconds_total", &[]).expect("the writer's busy time");
        assert!(busy > 0.0 && busy < 60.0, "the writer was busy a while, not the whole test: {busy}");
    }
    for kind in ["bots", "channels", "webhooks", "mail", "crm", "push"] {
        assert!(value(&m, "beseda_outbox_backlog", &[("kind", kind)]).is_some(), "backlog of {kind}");
        for outcome in ["delivered", "retried", "failed", "dead"] {
            let labels = [("kind", kind), ("outcome", outcome)];
            assert!(value(&m, "beseda_outbox_deliveries_total", &labels).is_some(), "{kind} {outcome}");
        }
    }
    // SQLite has a single writer connection beside its readers; PostgreSQL one shared pool.
    let pool = if common::backend() == common::Backend::Sqlite {
        assert_eq!(value(&m, "beseda_db_pool_max_connections", &[("pool", "writer")]), Some(1.0));
        "reader"
    } else {
        assert!(value(&m, "beseda_db_pool_max_connections", &[("pool", "main")]) >= Some(2.0));
        "main"
    };
    assert!(value(&m, "beseda_db_pool_connections", &[("pool", pool), ("state", "idle")]).is_some());
    assert!(value(&m, "beseda_db_pool_connections", &[("pool", pool), ("state", "in_use")]).is_some());
    assert!(m.iter().any(|s| s.name == "beseda_scheduler_lag_seconds_count"));
    assert_eq!(value(&m, "beseda_build_info", &[("version", VERSION)]), Some(1.0));

    // Sockets are counted while they are open.
    wait_connections(&server, "visitor_websocket", 0.0).await;
    let mut ws = visitor.ws(0).await;
    wait_connections(&server, "visitor_websocket", 1.0).await;
    let mut events = op.events(0).await;
    wait_connections(&server, "operator_websocket", 1.0).await;
    ws.close(None).await.expect("close");
    drop(ws);
    wait_connections(&server, "visitor_websocket", 0.0).await;
    events.close(None).await.expect("close");
    drop(events);
    wait_connections(&server, "operator_websocket", 0.0).await;
    let m = scrape(&server).await;
    let upgrades = value(&m, "beseda_http_requests_total", &[("route", "/l/v/m/ws"), ("status", "101")]);
    assert_eq!(upgrades, Some(1.0), "a WebSocket's request is counted at its upgrade");

    let ready: Value = server.http.get(server.url("/readyz")).send().await.expect("readyz").json().await.expect("json");
    assert_eq!(ready["version"], VERSION);
    server.stop().await;
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let config = ServerConfig { metrics_token: Some("s3cret-token".into()), ..ServerConfig::default() };
    let server = TestServer::start_with(config).await;
    let get = |token: Option<&'static str>| {
        let mut req = server.http.get(server.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move { req.send().await.expect("metrics") }
    };
    let refused = get(None).await;
    assert_eq!(refused.status(), 403, "loopback is not enough once a token is set");
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"], "forbidden");
    assert_eq!(get(Some("wrong-token!")).await.status(), 403);
    assert_eq!(get(Some("s3cret-token")).await.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn without_a_token_only_direct_loopback_clients_are_served() {
    let server = TestServer::start().await;
    assert_eq!(server.http.get(server.url("/metrics")).send().await.expect("metrics").status(), 200);
    // A request a local reverse proxy passes on comes from loopback too, but is not local.
    let proxied =
        server.http.get(server.url("/metrics")).header("X-Forwarded-For", "203.0.113.7").send().await.expect("metrics");
    assert_eq!(proxied.status(), 403);
    server.stop().await;
}

fn temp_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("beseda-metrics-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn beseda(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("BESEDA_DATABASE_URL").env_remove("BESEDA_CONFIG").env_remove("BESEDA_METRICS_TOKEN");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

#[tokio::test]
async fn the_access_log_names_routes_never_paths_or_queries() {
    let installation = Installation::new().await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let env = [("BESEDA_LOG_FORMAT", "json"), ("BESEDA_LOG_LEVEL", "info")];
    let mut server = beseda(&["serve", "--listen", &addr], &env);
    installation.apply(&mut server);
    let mut server = server.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn");
    wait_ready(&addr).await;
    let http = reqwest::Client::new();
    let history =
        http.get(format!("http://{addr}/l/v/m/history?page-id=p&auth-token=SECRET")).send().await.expect("history");
    let status = history.status().as_u16();
    let missing = http.get(format!("http://{addr}/SECRET/page")).send().await.expect("404");
    assert_eq!(missing.status(), 404);
    // The line is written as the response goes out; give it a moment to reach the pipe.
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.kill().expect("kill");
    let out = server.wait_with_output().expect("output");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(!stderr.contains("SECRET"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no colour codes in a pipe");
    let access: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|_| panic!("a JSON line: {l}")))
        .filter(|l| l["target"] == "beseda::access")
        .collect();
    let line = |route: &str| access.iter().find(|l| l["fields"]["route"] == route).cloned();
    let h = line("/l/v/m/history").unwrap_or_else(|| panic!("history line in {access:?}"));
    assert_eq!(h["level"], "INFO");
    assert_eq!(h["fields"]["method"], "GET");
    assert_eq!(h["fields"]["status"], status);
    assert!(h["fields"]["duration_ms"].as_f64().is_some(), "{h}");
    let u = line("unmatched").expect("a line for the unknown page");
    assert_eq!(u["fields"]["status"], 404);
}

#[tokio::test]
async fn text_logs_in_a_pipe_have_no_colours() {
    let installation = Installation::new().await;
    let mut migrate = beseda(&["migrate"], &[("BESEDA_LOG_LEVEL", "info"), ("BESEDA_LOG_FORMAT", "text")]);
    installation.apply(&mut migrate);
    let out = migrate.output().expect("run");
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(stderr.contains("database migrated"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

// The same in both passes: refused before any database is opened.
#[test]
fn unknown_log_settings_stop_the_start() {
    let dir = temp_dir();
    for (key, value, setting) in [("BESEDA_LOG_LEVEL", "loud", "log_level"), ("BESEDA_LOG_FORMAT", "xml", "log_format")]
    {
        for command in ["migrate", "serve"] {
            let out = beseda(&[command, "--data-dir"], &[(key, value)]).arg(&dir).output().expect("run");
            let stderr = String::from_utf8(out.stderr).expect("utf-8");
            assert!(!out.status.success(), "{command} with {key}={value}");
            assert!(stderr.contains(setting) && stderr.contains(value), "{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn version_is_printed() {
    let out = beseda(&["--version"], &[]).output().expect("run");
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).expect("utf-8").trim(), format!("beseda {VERSION}"));
}
