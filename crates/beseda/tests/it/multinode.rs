//! Two `beseda serve` processes on one PostgreSQL database with NATS between them: a visitor
//! on one node and an operator on the other talk both ways, the visitor's node is killed and
//! the visitor carries on from the other node without missing anything; and under concurrent
//! work on both nodes no chat is assigned twice, no operator goes over the limit, every timer
//! fires once and every chat event handler call is delivered.

use crate::common;

use common::mock_http::MockHttp;
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// One node: the process, its address and data folder.
struct Node {
    child: std::process::Child,
    addr: String,
    _dir: TempDir,
}

impl Node {
    async fn start(db_url: &str, nats: &str) -> Node {
        Self::start_with(db_url, nats, &[]).await
    }

    /// A node with more settings in its environment.
    async fn start_with(db_url: &str, nats: &str, env: &[(&str, &str)]) -> Node {
        let dir = temp_dir();
        let port = free_port();
        let mut all =
            vec![("BESEDA_DATABASE_URL", db_url), ("BESEDA_NATS_URL", nats), ("BESEDA_LONGPOLL_HOLD_SECS", "20")];
        all.extend_from_slice(env);
        let child = spawn_beseda_with(dir.path(), port, false, &all);
        let addr = format!("127.0.0.1:{port}");
        wait_ready(&addr).await;
        Node { child, addr, _dir: dir }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A fresh database with the schema and `operators` operator accounts (password "password1").
async fn database(pg: &str, operators: usize) -> (String, Vec<String>) {
    let db_url = beseda_store::testing::fresh_postgres_database(pg).await.expect("database");
    let dir = temp_dir();
    let store = beseda_store::open(Some(&db_url), dir.path(), &Default::default()).await.expect("open");
    store.migrate().await.expect("migrate");
    let hash = beseda_server::auth::hash_password("password1".into()).await.expect("hash");
    let mut emails = Vec::new();
    for i in 0..operators {
        let email = format!("op{i}@x.io");
        store
            .create_operator(&beseda_store::NewOperator {
                email: email.clone(),
                name: format!("Оператор {i}"),
                role: beseda_core::state::OperatorRole::Operator,
                password_hash: hash.clone(),
                languages: vec!["ru".into()],
                department_keys: vec![],
                max_chats: None,
                must_change_password: false,
            })
            .await
            .expect("operator");
        emails.push(email);
    }
    (db_url, emails)
}

async fn token(http: &reqwest::Client, node: &Node, email: &str) -> String {
    let body: Value = http
        .post(node.url("/api/operator/v1/tokens"))
        .json(&json!({"email": email, "password": "password1"}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("token").to_owned()
}

async fn call(
    http: &reqwest::Client,
    node: &Node,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = http.request(method, node.url(path)).bearer_auth(token).json(&body).send().await.expect("call");
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

/// The visitor side over HTTP: page credentials and a delta reader.
struct Page {
    page_id: String,
    auth: String,
}

impl Page {
    async fn init(http: &reqwest::Client, base: &str, device: &str) -> (Page, i64) {
        Self::init_with(http, base, device, "").await
    }

    /// Init with more query parameters (`&name=value…`).
    async fn init_with(http: &reqwest::Client, base: &str, device: &str, extra: &str) -> (Page, i64) {
        let url = format!(
            "{base}/l/v/m/init?event=init&since=0&location=default&device-id={device}&platform=web&title=t&respond-immediately=1{extra}"
        );
        let init = get_json(http, &url).await;
        let full = &init["fullUpdate"];
        let page = Page {
            page_id: full["pageId"].as_str().expect("pageId").into(),
            auth: full["authToken"].as_str().expect("authToken").into(),
        };
        (page, init["revision"].as_i64().expect("revision"))
    }

    async fn send(&self, http: &reqwest::Client, base: &str, csid: &str, text: &str) {
        let form = [
            ("action", "chat.message"),
            ("page-id", &self.page_id),
            ("auth-token", &self.auth),
            ("client-side-id", csid),
            ("message", text),
        ];
        let body: Value = http
            .post(format!("{base}/l/v/m/action"))
            .form(&form)
            .send()
            .await
            .expect("action")
            .json()
            .await
            .expect("json");
        assert_eq!(body["result"], "ok", "{body}");
    }

    /// `/l/v/m/delta` since `since`: waits for news unless `now`.
    async fn delta(&self, http: &reqwest::Client, base: &str, since: i64, now: bool) -> Value {
        let mut url =
            format!("{base}/l/v/m/delta?page-id={}&auth-token={}&since={since}&ts=1", self.page_id, self.auth);
        if now {
            url.push_str("&respond-immediately=1");
        }
        get_json(http, &url).await
    }
}

/// Operator-side message texts in a delta.
fn operator_texts(delta: &Value) -> Vec<String> {
    messages_in(&items(delta))
        .iter()
        .filter(|m| m["kind"] == "operator")
        .map(|m| m["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_conversation_across_two_nodes_survives_the_visitors_node() {
    let Some((pg, nats)) = pg_and_nats_urls("multinode::a_conversation_across_two_nodes_survives_the_visitors_node")
    else {
        return;
    };
    let (db_url, emails) = database(&pg, 1).await;
    let mut a = Node::start(&db_url, &nats).await;
    let b = Node::start(&db_url, &nats).await;
    let http = reqwest::Client::new();

    // The operator works on node B and listens to its event stream there.
    let op = token(&http, &b, &emails[0]).await;
    assert_eq!(
        call(&http, &b, &op, reqwest::Method::PUT, "/api/operator/v1/status", json!({"status": "online"})).await.0,
        200
    );
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
        "ws://{}/api/operator/v1/events/ws",
        b.addr
    ))
    .expect("request");
    req.headers_mut().insert("authorization", format!("Bearer {op}").parse().expect("header"));
    let (mut events, _) = tokio_tungstenite::connect_async(req).await.expect("operator ws");

    // The visitor is on node A; its question reaches the operator on B through NATS.
    let (page, mut since) = Page::init(&http, &a.base(), "two-nodes").await;
    page.send(&http, &a.base(), "q1", "Вопрос с узла A").await;
    let started = Instant::now();
    let chat = loop {
        let frame =
            tokio::time::timeout(Duration::from_secs(5), events.next()).await.expect("an event on B").expect("open");
        let event: Value = serde_json::from_str(frame.expect("frame").to_text().expect("text")).expect("json");
        if event["type"] == "message_added" && event["message"]["text"] == "Вопрос с узла A" {
            break event["chatId"].as_i64().expect("chat id");
        }
    };
    println!("A → B: the operator saw the question after {:?}", started.elapsed());

    // The operator answers on B; the visitor's long-poll waiting on A wakes at once.
    let first = page.delta(&http, &a.base(), since, true).await;
    since = first["revision"].as_i64().expect("revision");
    let waiting = {
        let (http, page_a, base) =
            (http.clone(), Page { page_id: page.page_id.clone(), auth: page.auth.clone() }, a.base());
        tokio::spawn(async move {
            let t0 = Instant::now();
            let d = page_a.delta(&http, &base, since, false).await;
            (d, t0.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reply = json!({"clientSideId": "r1", "text": "Ответ с узла B"});
    assert_eq!(
        call(&http, &b, &op, reqwest::Method::POST, &format!("/api/operator/v1/chats/{chat}/messages"), reply).await.0,
        200
    );
    let (woken, took) = waiting.await.expect("long-poll");
    assert_eq!(operator_texts(&woken), ["Ответ с узла B"], "{woken}");
    assert!(took < Duration::from_secs(10), "the long-poll on A was woken by B's commit, not its 20 s hold ({took:?})");
    since = woken["revision"].as_i64().expect("revision");

    // Node A dies. The operator writes twice meanwhile; the visitor comes back on node B with
    // its last revision and gets exactly what it missed, then keeps talking there.
    a.kill();
    for (csid, text) in [("r2", "Пока узел A лежал"), ("r3", "И ещё одно")] {
        let body = json!({"clientSideId": csid, "text": text});
        assert_eq!(
            call(&http, &b, &op, reqwest::Method::POST, &format!("/api/operator/v1/chats/{chat}/messages"), body)
                .await
                .0,
            200
        );
    }
    let missed = page.delta(&http, &b.base(), since, true).await;
    assert_eq!(operator_texts(&missed), ["Пока узел A лежал", "И ещё одно"], "{missed}");
    let since = missed["revision"].as_i64().expect("revision");
    page.send(&http, &b.base(), "q2", "Я снова здесь").await;
    let after = page.delta(&http, &b.base(), since, true).await;
    let texts: Vec<Value> = messages_in(&items(&after)).iter().map(|m| m["text"].clone()).collect();
    assert_eq!(texts, [json!("Я снова здесь")], "{after}");
    let (_, detail) =
        call(&http, &b, &op, reqwest::Method::GET, &format!("/api/operator/v1/chats/{chat}"), Value::Null).await;
    let all: Vec<&str> =
        detail["messages"].as_array().expect("messages").iter().filter_map(|m| m["text"].as_str()).collect();
    for text in ["Вопрос с узла A", "Ответ с узла B", "Пока узел A лежал", "И ещё одно", "Я снова здесь"]
    {
        assert_eq!(all.iter().filter(|t| **t == text).count(), 1, "{text} once in {all:?}");
    }
    let _ = events.send(tokio_tungstenite::tungstenite::Message::Close(None)).await;
}

#[tokio::test]
async fn two_nodes_never_double_assign_double_fire_or_lose_a_webhook() {
    let Some((pg, nats)) = pg_and_nats_urls("multinode::two_nodes_never_double_assign_double_fire_or_lose_a_webhook")
    else {
        return;
    };
    const OPERATORS: usize = 4;
    const LIMIT: i64 = 2;
    const CHATS: usize = 24;
    let (db_url, emails) = database(&pg, OPERATORS).await;
    let hooks = MockHttp::start().await;
    hooks.answer_all(200);
    {
        let dir = temp_dir();
        let store = beseda_store::open(Some(&db_url), dir.path(), &Default::default()).await.expect("open");
        let mut s = store.settings().await.expect("settings");
        s.auto_assignment = true;
        s.max_chats_per_operator = LIMIT as u32;
        s.first_answer_timeout_secs = 1;
        s.chat_started_handler_url = hooks.url("/started");
        store.save_settings(&s).await.expect("settings");
    }
    let nodes = [Node::start(&db_url, &nats).await, Node::start(&db_url, &nats).await];
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        let t = token(&http, &nodes[i % 2], email).await;
        assert_eq!(
            call(
                &http,
                &nodes[i % 2],
                &t,
                reqwest::Method::PUT,
                "/api/operator/v1/status",
                json!({"status": "online"})
            )
            .await
            .0,
            200
        );
        tokens.push(t);
    }

    // Visitors arrive on both nodes at once.
    let mut arrivals = Vec::new();
    for i in 0..CHATS {
        let (http, base) = (http.clone(), nodes[i % 2].base());
        arrivals.push(tokio::spawn(async move {
            let (page, _) = Page::init(&http, &base, &format!("v{i}")).await;
            page.send(&http, &base, "q", &format!("Вопрос {i}")).await;
        }));
    }
    for a in arrivals {
        a.await.expect("visitor");
    }

    // Operators close what they hold, on both nodes, until every chat has been served.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut closed = BTreeSet::new();
    while closed.len() < CHATS {
        assert!(Instant::now() < deadline, "only {} of {CHATS} chats were served", closed.len());
        let mut work = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let node = &nodes[(i + 1) % 2];
            let (_, mine) =
                call(&http, node, t, reqwest::Method::GET, "/api/operator/v1/chats?list=mine", Value::Null).await;
            let held: Vec<i64> =
                mine["chats"].as_array().expect("chats").iter().filter_map(|c| c["id"].as_i64()).collect();
            assert!(held.len() as i64 <= LIMIT, "operator {i} holds {held:?}, over the limit of {LIMIT}");
            for id in held {
                work.push((i, id));
            }
        }
        // Let the first-answer timers fire before closing.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        for (i, id) in work {
            let node = &nodes[i % 2];
            let (code, answer) = call(
                &http,
                node,
                &tokens[i],
                reqwest::Method::POST,
                &format!("/api/operator/v1/chats/{id}/close"),
                json!({}),
            )
            .await;
            assert_eq!(code, 200, "{answer}");
            assert!(closed.insert(id), "chat {id} was served twice");
        }
    }

    // Each chat: assigned exactly once, one busy message, one chat_started call.
    let dir = temp_dir();
    let store = beseda_store::open(Some(&db_url), dir.path(), &Default::default()).await.expect("open");
    let events = store.operator_events(0, 100_000).await.expect("events");
    let mut assigned: BTreeMap<i64, usize> = BTreeMap::new();
    for e in &events {
        if e.event["type"] == "chat_assigned" {
            *assigned.entry(e.event["chatId"].as_i64().expect("chat")).or_default() += 1;
            if let (Some(open), Some(max)) = (e.event["openChats"].as_i64(), e.event["maxChats"].as_i64()) {
                assert!(open <= max, "assigned over the limit: {}", e.event);
            }
        }
    }
    assert_eq!(assigned.len(), CHATS);
    assert!(assigned.values().all(|n| *n == 1), "a chat assigned twice: {assigned:?}");
    for id in &closed {
        let detail = store.chat(beseda_core::ids::ChatId(*id)).await.expect("chat").expect("exists");
        let busy = detail.messages.iter().filter(|m| m.kind == beseda_core::state::MessageKind::OperatorBusy).count();
        assert_eq!(busy, 1, "chat {id}: the first-answer timer must fire exactly once");
    }
    let started: Vec<i64> = eventually_calls(&hooks, CHATS).await;
    let unique: BTreeSet<i64> = started.iter().copied().collect();
    assert_eq!((started.len(), unique), (CHATS, closed.clone()), "each chat_started delivered once");
}

/// The chat ids of the chat_started calls, once `n` have arrived (or after 30 s).
async fn eventually_calls(hooks: &MockHttp, n: usize) -> Vec<i64> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ids: Vec<i64> = hooks
            .requests()
            .iter()
            .filter(|r| r.path().starts_with("/started"))
            .filter_map(|r| r.json()["chat"]["id"].as_i64())
            .collect();
        if ids.len() >= n || Instant::now() > deadline {
            return ids;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Both nodes deliver pushes to apps (configured through the environment, as a deployment
/// does): each operator message reaches the APNs stand-in exactly once, in order.
#[tokio::test]
async fn two_nodes_push_each_message_to_an_app_once() {
    let Some((pg, nats)) = pg_and_nats_urls("multinode::two_nodes_push_each_message_to_an_app_once") else {
        return;
    };
    let keys = temp_dir();
    let apns = common::push_services::Apns::start(keys.path()).await;
    let (db_url, emails) = database(&pg, 1).await;
    let key_file = apns.key_file.to_string_lossy().into_owned();
    let url = apns.url();
    let env = [
        ("BESEDA_APNS_KEY_FILE", key_file.as_str()),
        ("BESEDA_APNS_KEY_ID", apns.key_id.as_str()),
        ("BESEDA_APNS_TEAM_ID", apns.team_id.as_str()),
        ("BESEDA_APNS_TOPIC", apns.topic.as_str()),
        ("BESEDA_APNS_URL", url.as_str()),
    ];
    let a = Node::start_with(&db_url, &nats, &env).await;
    let b = Node::start_with(&db_url, &nats, &env).await;
    let http = reqwest::Client::new();
    let device = "0f".repeat(32);
    let (page, _) = Page::init_with(&http, &a.base(), "app", &format!("&push-token={device}&push-service=apns")).await;
    page.send(&http, &a.base(), "q1", "Здравствуйте").await;
    let op = token(&http, &b, &emails[0]).await;
    let op_a = token(&http, &a, &emails[0]).await;
    let chats = call(&http, &b, &op, reqwest::Method::GET, "/api/operator/v1/chats?list=waiting", Value::Null).await;
    let chat = chats.1["chats"][0]["id"].as_i64().unwrap_or_else(|| panic!("a waiting chat: {}", chats.1));
    let n = 12;
    for i in 1..=n {
        // Half the messages written on each node.
        let node = if i % 2 == 0 { &a } else { &b };
        let op = if i % 2 == 0 { &op_a } else { &op };
        let path = format!("/api/operator/v1/chats/{chat}/messages");
        let (code, body) = call(
            &http,
            node,
            op,
            reqwest::Method::POST,
            &path,
            json!({"clientSideId": format!("m{i}"), "text": format!("Ответ {i}")}),
        )
        .await;
        assert_eq!(code, 200, "{body}");
    }
    // The join and n messages; then nothing more arrives.
    apns.wait_until(30, |r| r.len() > n as usize).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = apns.requests();
    let texts: Vec<String> = got
        .iter()
        .filter(|r| r.body["aps"]["alert"]["loc-key"] == "P.OM")
        .map(|r| r.body["aps"]["alert"]["loc-args"][1].as_str().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = (1..=n).map(|i| format!("Ответ {i}")).collect();
    assert_eq!(texts, expected, "each message once, in order");
    assert_eq!(got.len(), n as usize + 1, "and one join");
    assert!(got.iter().all(|r| r.answered == 200 && r.device == device));
    assert!(apns.refused().is_empty(), "{:?}", apns.refused());
}
