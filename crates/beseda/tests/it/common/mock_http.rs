//! A local stand-in for an external HTTP service: records every request exactly as it arrived
//! and answers with what the test set for its path (default: 200 `{"ok":true}`).
//!
//! Stays hand-written, beside the `wiremock`-based `canned.rs`, for the stand-ins whose answers
//! the test changes while the server keeps calling (a webhook receiver that fails and then
//! recovers, a push service that starts answering 410, CRM and messenger APIs answering per
//! call): wiremock answers by the mocks mounted first, not by the latest answer set.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }
}

/// An answer: status, extra headers and JSON text.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Default)]
struct Shared {
    requests: Vec<Recorded>,
    answers: HashMap<String, Answer>,
    default: Option<Answer>,
}

#[derive(Clone)]
pub struct MockHttp {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl MockHttp {
    pub async fn start() -> Self {
        Self::start_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind")).await
    }

    /// Serves on a given listener (e.g. a port chosen before the service was "up").
    pub async fn start_on(listener: tokio::net::TcpListener) -> Self {
        let addr = listener.local_addr().expect("addr");
        let shared: Arc<Mutex<Shared>> = Arc::default();
        let handler_state = shared.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let shared = handler_state.clone();
            async move {
                let mut s = shared.lock().expect("lock");
                let uri_text = uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
                let answer = s.answers.get(uri.path()).or(s.default.as_ref()).cloned().unwrap_or(Answer {
                    status: 200,
                    headers: Vec::new(),
                    body: r#"{"ok":true}"#.into(),
                });
                s.requests.push(Recorded {
                    method: method.to_string(),
                    uri: uri_text,
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                    answered: answer.status,
                });
                drop(s);
                respond(answer)
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Answers requests to `path` (without query) with `status` and `body`.
    pub fn answer(&self, path: &str, status: u16, body: &str) {
        self.answer_with(path, Answer { status, headers: Vec::new(), body: body.into() });
    }

    pub fn answer_with(&self, path: &str, answer: Answer) {
        self.shared.lock().expect("lock").answers.insert(path.into(), answer);
    }

    /// Answers every path without its own answer with `status`.
    pub fn answer_all(&self, status: u16) {
        self.shared.lock().expect("lock").default = Some(Answer { status, headers: Vec::new(), body: "{}".into() });
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().expect("lock").requests.clone()
    }

    /// Waits until `pred` holds for the recorded requests (at most `secs`).
    pub async fn wait_until(&self, secs: u64, pred: impl Fn(&[Recorded]) -> bool) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let now = self.requests();
            if pred(&now) {
                return now;
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting; got {now:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn respond(a: Answer) -> Response {
    let mut r = (StatusCode::from_u16(a.status).expect("status"), a.body).into_response();
    r.headers_mut().insert("content-type", "application/json".parse().expect("header"));
    for (k, v) in a.headers {
        r.headers_mut()
            .insert(axum::http::HeaderName::from_bytes(k.as_bytes()).expect("name"), v.parse().expect("value"));
    }
    r
}
