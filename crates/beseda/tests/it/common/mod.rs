//! Test harness: a real server on port 0 over a fresh database, and clients that speak the
//! visitor protocol and the operator API over real HTTP and WebSockets.
#![allow(dead_code)]

pub mod binary;
pub mod canned;
pub mod crm_vendors;
pub mod mock_http;
pub mod openapi;
pub mod push_services;
pub mod smtp_sink;

use beseda_core::settings::OrgSettings;
use beseda_core::state::OperatorRole;
use beseda_core::time::{Clock, ManualClock, SystemClock};
use beseda_server::bus::LocalBus;
use beseda_server::{AppState, ServerConfig};
use beseda_store::{NewOperator, Store, StoreOptions};
pub use binary::*;
use futures_util::StreamExt;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
pub use tempfile::TempDir;
use tokio::sync::oneshot;

pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A temporary directory, removed when dropped.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new().prefix("beseda-test-").tempdir().expect("temp dir")
}

/// The database the end-to-end tests run on. SQLite unless `BESEDA_TEST_BACKEND=postgres`
/// (which needs `BESEDA_TEST_DATABASE_URL`): the same tests then run on PostgreSQL, each on a
/// fresh database, so both backends are covered by one suite run twice.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("BESEDA_TEST_BACKEND").as_deref() {
        Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") => Backend::Postgres,
        Ok(other) => panic!("BESEDA_TEST_BACKEND={other}: expected sqlite or postgres"),
    }
}

/// The PostgreSQL server of the PostgreSQL pass; a pass asked for without one is a setup
/// error, not a skip.
fn postgres_server() -> String {
    std::env::var("BESEDA_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()).expect(
        "BESEDA_TEST_BACKEND=postgres needs BESEDA_TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test",
    )
}

/// Opens a fresh, migrated store on the backend of this run: SQLite in a temp dir, or a new
/// database on the PostgreSQL server.
pub async fn fresh_store(clock: Arc<dyn Clock>) -> (Arc<dyn Store>, TempDir) {
    let (store, dir, _) = fresh_database(clock).await;
    (store, dir)
}

/// [`fresh_store`], and where its database is: the PostgreSQL URL, or `None` for SQLite (the
/// file `beseda.db` in the directory).
async fn fresh_database(clock: Arc<dyn Clock>) -> (Arc<dyn Store>, TempDir, Option<String>) {
    let dir = temp_dir();
    let options = StoreOptions { clock, ..StoreOptions::default() };
    let (store, url) = match backend() {
        Backend::Postgres => {
            let db_url =
                beseda_store::testing::fresh_postgres_database(&postgres_server()).await.expect("fresh database");
            (beseda_store::open(Some(&db_url), dir.path(), &options).await.expect("open postgres"), Some(db_url))
        }
        Backend::Sqlite => (beseda_store::open(None, dir.path(), &options).await.expect("open sqlite"), None),
    };
    store.migrate().await.expect("migrate");
    (store, dir, url)
}

/// For tests that are about PostgreSQL itself: the server URL in the PostgreSQL pass, or
/// `None` in the SQLite pass (printing, uncaptured, that `test` runs in the other pass).
pub fn pg_url(test: &str) -> Option<String> {
    if backend() == Backend::Postgres {
        return Some(postgres_server());
    }
    report_postgres_pass_only(test, "PostgreSQL");
    None
}

/// The PostgreSQL and NATS test URLs in the PostgreSQL pass (with NATS configured), or `None`
/// (printing, uncaptured, why `test` did not run).
pub fn pg_and_nats_urls(test: &str) -> Option<(String, String)> {
    use beseda_store::testing::{service_urls, NATS};
    if backend() != Backend::Postgres {
        report_postgres_pass_only(test, "PostgreSQL and NATS");
        return None;
    }
    service_urls(test, [&NATS]).map(|[nats]| (postgres_server(), nats))
}

/// Straight to stderr, as `beseda_store::testing` does: libtest captures `eprintln!` of a
/// passing test, and a skip must be seen.
fn report_postgres_pass_only(test: &str, what: &str) {
    use std::io::Write;
    let line = format!(
        "SKIPPED  {test} on {what} — runs in the PostgreSQL pass: BESEDA_TEST_BACKEND=postgres \
         BESEDA_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo test -p beseda --test it\n"
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub store: Arc<dyn Store>,
    pub state: AppState,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The PostgreSQL database, or `None` for SQLite in `_dir`.
    database: Option<String>,
    _dir: TempDir,
}

impl TestServer {
    /// A server on the backend of this run (see [`backend`]).
    pub async fn start() -> Self {
        Self::start_with(ServerConfig { longpoll_hold: Duration::from_secs(5), ..ServerConfig::default() }).await
    }

    pub async fn start_with(config: ServerConfig) -> Self {
        Self::start_full(config, Arc::new(SystemClock)).await
    }

    /// A server whose clock moves only when the test says so.
    pub async fn start_with_clock(clock: Arc<ManualClock>) -> Self {
        let config = ServerConfig { longpoll_hold: Duration::from_secs(5), ..ServerConfig::default() };
        Self::start_full(config, clock).await
    }

    pub async fn start_full(config: ServerConfig, clock: Arc<dyn Clock>) -> Self {
        let (store, dir, database) = fresh_database(clock).await;
        Self::serve_store(store, dir, database, config).await
    }

    /// Stops the server and starts a new one on the same database with a newly opened store,
    /// as a restart of the process would: nothing kept in memory survives.
    pub async fn restart(mut self, clock: Arc<dyn Clock>) -> Self {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        let TestServer { store, state, database, _dir: dir, .. } = self;
        drop(state);
        drop(store);
        let options = StoreOptions { clock, ..StoreOptions::default() };
        let store = beseda_store::open(database.as_deref(), dir.path(), &options).await.expect("reopen");
        store.migrate().await.expect("migrate");
        let config = ServerConfig { longpoll_hold: Duration::from_secs(5), ..ServerConfig::default() };
        Self::serve_store(store, dir, database, config).await
    }

    async fn serve_store(store: Arc<dyn Store>, dir: TempDir, database: Option<String>, config: ServerConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        // The test's own address, unless the test set a public origin of its own.
        let public_origin = if config.public_origin == ServerConfig::default().public_origin {
            format!("http://{addr}")
        } else {
            config.public_origin.clone()
        };
        let config = ServerConfig { public_origin, ..config };
        let state = AppState::new(store.clone(), Arc::new(LocalBus::default()), config);
        let serving = state.clone();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            beseda_server::serve(listener, serving, async move {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        Self { addr, store, state, http: reqwest::Client::new(), stop: Some(tx), task: Some(task), database, _dir: dir }
    }

    /// Runs SQL statements straight on the server's database (for faults a user cannot cause,
    /// such as a table refusing writes), each as its own statement.
    pub async fn sql(&self, statements: &[&str]) {
        use sqlx::{ConnectOptions, Connection, Executor};
        match &self.database {
            Some(url) => {
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                for st in statements {
                    c.execute(*st).await.expect(st);
                }
            }
            None => {
                let file = self._dir.path().join("beseda.db");
                let mut c = sqlx::sqlite::SqliteConnectOptions::new().filename(file).connect().await.expect("open");
                for st in statements {
                    c.execute(*st).await.expect(st);
                }
            }
        }
    }

    /// Makes writes of the settings document `key` fail (`refuse`), or succeed again.
    pub async fn refuse_setting_writes(&self, key: &str, refuse: bool) {
        let key = key.replace('\'', "");
        let statements: Vec<String> = match (&self.database, refuse) {
            (Some(_), true) => vec![
                "CREATE OR REPLACE FUNCTION refuse_setting() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'settings write refused'; END $$"
                    .into(),
                format!(
                    "CREATE TRIGGER refuse_setting BEFORE INSERT OR UPDATE ON settings FOR EACH ROW \
                     WHEN (NEW.key = '{key}') EXECUTE FUNCTION refuse_setting()"
                ),
            ],
            (Some(_), false) => vec!["DROP TRIGGER refuse_setting ON settings".into()],
            (None, true) => ["INSERT", "UPDATE"]
                .iter()
                .map(|on| {
                    format!(
                        "CREATE TRIGGER refuse_setting_{on} BEFORE {on} ON settings WHEN NEW.key = '{key}' \
                         BEGIN SELECT RAISE(ABORT, 'settings write refused'); END"
                    )
                })
                .collect(),
            (None, false) => {
                vec!["DROP TRIGGER refuse_setting_INSERT".into(), "DROP TRIGGER refuse_setting_UPDATE".into()]
            }
        };
        self.sql(&statements.iter().map(String::as_str).collect::<Vec<_>>()).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    /// Adds an operator with the given password and returns a bearer token for them.
    pub async fn operator(&self, email: &str, name: &str, role: OperatorRole) -> Operator {
        let hash = beseda_server::auth::hash_password("password123".into()).await.expect("hash");
        let op = self
            .store
            .create_operator(&NewOperator {
                email: email.into(),
                name: name.into(),
                role,
                password_hash: hash,
                languages: vec!["ru".into()],
                department_keys: vec![],
                max_chats: None,
                must_change_password: false,
            })
            .await
            .expect("create operator");
        self.operator_token(email, "password123", op.id.0).await
    }

    /// Logs an existing operator in and returns a bearer token for them.
    pub async fn operator_token(&self, email: &str, password: &str, id: i64) -> Operator {
        let resp: Value = self
            .http
            .post(self.url("/api/operator/v1/tokens"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token json");
        Operator {
            id,
            token: resp["token"].as_str().expect("token").to_owned(),
            base: self.url(""),
            ws_base: self.ws_url(""),
            http: self.http.clone(),
        }
    }

    /// Changes organisation settings.
    pub async fn settings(&self, change: impl FnOnce(&mut OrgSettings)) {
        let mut s = self.store.settings().await.expect("settings");
        change(&mut s);
        self.store.save_settings(&s).await.expect("save settings");
    }

    /// One scheduler pass (timers, auto-assignment), as the background scheduler runs it.
    pub async fn tick(&self) {
        beseda_server::scheduler::run_once(&self.state).await.expect("scheduler pass");
    }

    pub async fn visitor(&self) -> Visitor {
        Visitor::init(self, "default", None).await
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

pub struct Operator {
    pub id: i64,
    pub token: String,
    base: String,
    ws_base: String,
    http: reqwest::Client,
}

impl Operator {
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.base, path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("operator request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// An upload to `POST /chats/{chat}/files` as the multipart field `field`; status and body.
    pub async fn upload(&self, chat: i64, field: &str, name: &str, ctype: &str, bytes: Vec<u8>) -> (u16, Value) {
        let form = reqwest::multipart::Form::new().part(
            field.to_owned(),
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(ctype).expect("mime"),
        );
        let resp = self
            .http
            .post(format!("{}/api/operator/v1/chats/{chat}/files", self.base))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .await
            .expect("operator upload");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn set_status(&self, status: &str) {
        let (code, body) = self
            .call(reqwest::Method::PUT, "/api/operator/v1/status", Some(serde_json::json!({"status": status})))
            .await;
        assert_eq!(code, 200, "{body}");
    }

    pub async fn reply(&self, chat: i64, csid: &str, text: &str) -> (u16, Value) {
        self.post(
            &format!("/api/operator/v1/chats/{chat}/messages"),
            serde_json::json!({"clientSideId": csid, "text": text}),
        )
        .await
    }

    /// The operator event stream from `cursor`.
    pub async fn events(&self, cursor: i64) -> Ws {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = format!("{}/api/operator/v1/events/ws?cursor={cursor}", self.ws_base)
            .into_client_request()
            .expect("request");
        req.headers_mut().insert("authorization", format!("Bearer {}", self.token).parse().expect("header"));
        let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("operator ws");
        ws
    }
}

/// Next text frame as JSON (pings are skipped), failing after `secs`.
pub async fn next_json(ws: &mut Ws, secs: u64) -> Value {
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let msg =
            tokio::time::timeout_at(deadline, ws.next()).await.expect("a frame in time").expect("open").expect("frame");
        match msg {
            Message::Text(t) => return serde_json::from_str(&t).expect("json frame"),
            Message::Close(c) => panic!("closed: {c:?}"),
            _ => continue,
        }
    }
}

/// Reads operator events until one matches.
pub async fn wait_event(ws: &mut Ws, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        let e = next_json(ws, 10).await;
        if pred(&e) {
            return e;
        }
    }
}

pub struct Visitor {
    pub base: String,
    pub ws_base: String,
    pub http: reqwest::Client,
    pub page_id: String,
    pub auth_token: String,
    pub session_id: String,
    pub visitor: Value,
    pub revision: i64,
    pub full: Value,
}

impl Visitor {
    /// The signed download link of file `guid` (valid for five minutes).
    pub fn download_url(&self, guid: &str, name: &str) -> String {
        use hmac::{Hmac, Mac};
        let expires = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() + 300;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.auth_token.as_bytes()).expect("key");
        mac.update(format!("{guid}{expires}").as_bytes());
        let hash = hex::encode(mac.finalize().into_bytes());
        format!("{}/l/v/m/download/{guid}/{name}?page-id={}&expires={expires}&hash={hash}", self.base, self.page_id)
    }

    pub async fn init(server: &TestServer, location: &str, session: Option<&str>) -> Self {
        let (status, resp) = Self::init_raw(server, location, session, &[]).await;
        assert_eq!(status, 200, "{resp}");
        Self::from_init(server, resp)
    }

    /// `/l/v/m/init` with extra parameters; returns HTTP status and body.
    pub async fn init_raw(
        server: &TestServer,
        location: &str,
        session: Option<&str>,
        extra: &[(&str, String)],
    ) -> (u16, Value) {
        let mut q = vec![
            ("event", "init".to_owned()),
            ("since", "0".into()),
            ("respond-immediately", "1".into()),
            ("device-id", "test-device".into()),
            ("location", location.into()),
            ("platform", "web".into()),
            ("title", "Test page".into()),
        ];
        if let Some(s) = session {
            q.push(("visit-session-id", s.into()));
        }
        // Extra parameters replace the defaults of the same name.
        q.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
        q.extend(extra.iter().cloned());
        let resp = server.http.get(server.url("/l/v/m/init")).query(&q).send().await.expect("init");
        (resp.status().as_u16(), resp.json().await.expect("init json"))
    }

    /// A visitor from a successful init's answer.
    pub fn from_init(server: &TestServer, resp: Value) -> Self {
        let full = resp["fullUpdate"].clone();
        assert!(full.is_object(), "init must answer a fullUpdate: {resp}");
        Visitor {
            base: server.url(""),
            ws_base: server.ws_url(""),
            http: server.http.clone(),
            page_id: full["pageId"].as_str().expect("pageId").into(),
            auth_token: full["authToken"].as_str().expect("authToken").into(),
            session_id: full["visitSessionId"].as_str().expect("visitSessionId").into(),
            visitor: full["visitor"].clone(),
            revision: resp["revision"].as_i64().expect("integer revision"),
            full,
        }
    }

    fn creds(&self) -> Vec<(&'static str, String)> {
        vec![("page-id", self.page_id.clone()), ("auth-token", self.auth_token.clone())]
    }

    /// POSTs an action; returns HTTP status and body.
    pub async fn action(&self, action: &str, fields: &[(&str, &str)]) -> (u16, Value) {
        let mut form: Vec<(String, String)> = self.creds().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        form.push(("action".into(), action.into()));
        form.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let resp = self.http.post(format!("{}/l/v/m/action", self.base)).form(&form).send().await.expect("action");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("action json"))
    }

    pub async fn ok(&self, action: &str, fields: &[(&str, &str)]) {
        let (status, body) = self.action(action, fields).await;
        assert_eq!((status, body["result"].as_str()), (200, Some("ok")), "{action}: {body}");
        assert!(body.get("data").and_then(|d| d.get("error")).is_none(), "{action}: {body}");
    }

    pub async fn send(&self, csid: &str, text: &str) {
        self.ok("chat.message", &[("client-side-id", csid), ("message", text)]).await;
    }

    /// `/l/v/m/delta` from `since`.
    pub async fn delta(&self, since: i64, immediately: bool) -> Value {
        let mut q = self.creds();
        q.push(("since", since.to_string()));
        q.push(("ts", "1".into()));
        if immediately {
            q.push(("respond-immediately", "1".into()));
        }
        self.http
            .get(format!("{}/l/v/m/delta", self.base))
            .query(&q)
            .send()
            .await
            .expect("delta")
            .json()
            .await
            .expect("delta json")
    }

    pub async fn history(&self, extra: &[(&str, &str)]) -> Value {
        let mut q: Vec<(String, String)> = self.creds().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        q.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        self.http
            .get(format!("{}/l/v/m/history", self.base))
            .query(&q)
            .send()
            .await
            .expect("history")
            .json()
            .await
            .expect("history json")
    }

    pub async fn ws(&self, since: i64) -> Ws {
        let url =
            format!("{}/l/v/m/ws?page-id={}&auth-token={}&since={since}", self.ws_base, self.page_id, self.auth_token);
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("visitor ws");
        ws
    }

    /// Current chat id (after the chat exists).
    pub async fn chat_id(&self) -> i64 {
        let d = self.delta(0, true).await;
        d["fullUpdate"]["chat"]["id"].as_i64().expect("a current chat")
    }
}

/// Items of a delta response.
pub fn items(resp: &Value) -> Vec<Value> {
    resp["deltaList"].as_array().cloned().unwrap_or_default()
}

pub fn messages_in(items: &[Value]) -> Vec<Value> {
    items
        .iter()
        .filter(|i| i["objectType"] == "CHAT_MESSAGE" && i["event"] == "add")
        .map(|i| i["data"].clone())
        .collect()
}

/// GET a URL and parse its JSON.
pub async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    http.get(url).send().await.expect("request").json().await.expect("json")
}

/// A visitor init on the default placement: `(pageId, authToken, visitSessionId, response)`.
pub async fn raw_init(http: &reqwest::Client, addr: &str, extra: &str) -> (String, String, String, Value) {
    let url = format!(
        "http://{addr}/l/v/m/init?event=init&since=0&location=default&device-id=d&platform=web&title=t&respond-immediately=1{extra}"
    );
    let init = get_json(http, &url).await;
    let field = |k: &str| init["fullUpdate"][k].as_str().expect("page credentials").to_owned();
    (field("pageId"), field("authToken"), field("visitSessionId"), init)
}

/// A tiny `data:` URL image of the given type and size (only the header, which is what the
/// server reads).
#[allow(dead_code)]
pub fn image(kind: &str, w: u16, h: u16) -> String {
    use base64::Engine;
    let mut bytes: Vec<u8> = Vec::new();
    match kind {
        "png" => {
            bytes.extend(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR");
            bytes.extend(u32::from(w).to_be_bytes());
            bytes.extend(u32::from(h).to_be_bytes());
            bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        }
        _ => {
            bytes.extend(b"GIF89a");
            bytes.extend(w.to_le_bytes());
            bytes.extend(h.to_le_bytes());
            bytes.extend([0; 8]);
        }
    }
    format!("data:image/{kind};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The visitor's current chat, from a full update.
pub async fn chat_of(v: &Visitor) -> Value {
    v.delta(0, true).await["fullUpdate"]["chat"].clone()
}

/// The chat's operator once a scheduler pass has assigned it. A change that frees a place also
/// wakes the background scheduler; on PostgreSQL its pass locks the waiting chat and a pass run
/// by the test skips it (`SKIP LOCKED`), so the test waits for whichever pass wins.
pub async fn assigned_after_a_pass(server: &TestServer, v: &Visitor) -> Value {
    for _ in 0..50 {
        server.tick().await;
        let operator = chat_of(v).await["operator"]["id"].clone();
        if !operator.is_null() {
            return operator;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Value::Null
}

/// The visitor uploads a file into their chat (`/l/v/m/upload`); returns its guid.
pub async fn upload_file(server: &TestServer, v: &Visitor, name: &str, mime: &str, bytes: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new()
        .text("page-id", v.page_id.clone())
        .text("auth-token", v.auth_token.clone())
        .text("chat-mode", "online")
        .text("client-side-id", format!("file-{name}"))
        .part(
            "webim_upload_file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).expect("mime"),
        );
    let resp = server.http.post(server.url("/l/v/m/upload")).multipart(form).send().await.expect("upload");
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.expect("json");
    body["data"]["guid"].as_str().unwrap_or_else(|| panic!("uploaded: {body}")).to_owned()
}
